"""The cockpit's screens: board, release detail, sources and help."""
