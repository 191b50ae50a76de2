"""SVG snapshots in every bundled theme: the board at 80x24 (compact, an SSH session),
120x40 and 300x80 (a big screen), and the detail screen at 80x24 and 120x40.

Regenerate after a reviewed change with
``pytest tests/ui/test_theme_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from tests.support.ui import build_app

THEMES = ["cockpit-dark", "cockpit-light", "high-contrast", "okabe-ito", "terminal-ansi"]
SIZES = [(80, 24), (120, 40), (300, 80)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
def test_board_in_theme(snap_compare, theme, size):
    assert snap_compare(build_app(theme=theme), terminal_size=size)


@pytest.mark.parametrize("size", SIZES[:2], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
def test_detail_in_theme(snap_compare, theme, size):
    assert snap_compare(build_app(theme=theme), press=["enter"], terminal_size=size)
