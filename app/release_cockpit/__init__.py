"""release-cockpit: a terminal cockpit for in-flight releases."""

__version__ = "0.1.0"
