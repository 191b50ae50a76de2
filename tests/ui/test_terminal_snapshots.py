"""SVG snapshots for the terminals the cockpit meets: 80x24 over SSH with NO_COLOR and ASCII,
the 300x80 wall, the too-small screen, and the filter, command line and pause states.

Regenerate after a reviewed change with
``pytest tests/ui/test_terminal_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from tests.support.ui import build_app


@pytest.fixture
def no_color(monkeypatch):
    # Textual reads NO_COLOR when the App is created, so set it before build_app.
    monkeypatch.setenv("NO_COLOR", "1")


def test_board_80x24_no_color(snap_compare, no_color):
    assert snap_compare(build_app(), terminal_size=(80, 24))


def test_board_80x24_no_color_ascii(snap_compare, no_color):
    assert snap_compare(build_app(ascii=True), terminal_size=(80, 24))


def test_detail_80x24(snap_compare):
    assert snap_compare(build_app(), press=["enter"], terminal_size=(80, 24))


def test_detail_80x24_no_color_ascii(snap_compare, no_color):
    assert snap_compare(build_app(ascii=True), press=["enter"], terminal_size=(80, 24))


def test_wall_300x80(snap_compare):
    assert snap_compare(build_app(wall=True, theme="high-contrast"), terminal_size=(300, 80))


def test_wall_300x80_no_color_ascii(snap_compare, no_color):
    app = build_app(wall=True, theme="high-contrast", ascii=True)
    assert snap_compare(app, terminal_size=(300, 80))


def test_too_small_50x12(snap_compare):
    assert snap_compare(build_app(), terminal_size=(50, 12))


def test_filter_prompt_80x24(snap_compare):
    assert snap_compare(
        build_app(), press=["slash", *"prod", "space", "!", *"state:"], terminal_size=(80, 24)
    )


def test_paused_80x24(snap_compare):
    assert snap_compare(build_app(), press=["p"], terminal_size=(80, 24))
