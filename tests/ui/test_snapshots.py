"""SVG snapshots of the cockpit (pytest-textual-snapshot), with a fixed clock and world.

Regenerate after a reviewed change with ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from tests.support.ui import build_app


def test_board_80x24_is_compact_and_shows_every_release(snap_compare):
    assert snap_compare(build_app(), terminal_size=(80, 24))


def test_board_160x50_shows_full_panels(snap_compare):
    assert snap_compare(build_app(), terminal_size=(160, 50))


def test_board_ascii_read_only_80x24(snap_compare):
    assert snap_compare(build_app(ascii=True, read_only=True), terminal_size=(80, 24))


def test_release_detail_120x40(snap_compare):
    assert snap_compare(build_app(), press=["enter"], terminal_size=(120, 40))
