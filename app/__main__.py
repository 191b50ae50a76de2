"""`python -m app` runs the cockpit's command line."""

from app.cli import main

raise SystemExit(main())
