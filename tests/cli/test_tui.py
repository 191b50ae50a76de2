"""The TUI process tunes the cycle collector before the first frame."""

from __future__ import annotations

import gc

from release_cockpit.cli.tui import quiet_collector


def test_the_collector_runs_rarely_and_skips_what_startup_loaded() -> None:
    before = gc.get_threshold()
    try:
        quiet_collector()
        assert gc.get_threshold()[0] >= 10_000
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
