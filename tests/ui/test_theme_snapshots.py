"""SVG snapshots of the board in every bundled theme at 120x40, and the detail screen in the
colour-blind-safe and terminal-palette themes.

Regenerate after a reviewed change with
``pytest tests/ui/test_theme_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from tests.ui.conftest import build_app

THEMES = ["cockpit-dark", "cockpit-light", "high-contrast", "okabe-ito", "terminal-ansi"]


@pytest.mark.parametrize("theme", THEMES)
def test_board_120x40_in_theme(snap_compare, theme):
    assert snap_compare(build_app(theme=theme), terminal_size=(120, 40))


@pytest.mark.parametrize("theme", ["okabe-ito", "terminal-ansi"])
def test_detail_120x40_in_theme(snap_compare, theme):
    assert snap_compare(build_app(theme=theme), press=["enter"], terminal_size=(120, 40))
