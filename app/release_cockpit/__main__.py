"""`python -m release_cockpit` runs the cockpit's command line."""

from release_cockpit.cli import main

raise SystemExit(main())
