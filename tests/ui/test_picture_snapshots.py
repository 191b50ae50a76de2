"""SVG snapshots of every picture (issue "Pictures where people would rather look than
read"), each at 80x24 and 160x50, in the dark theme, with NO_COLOR and in ASCII: the
detail's signal charts, canary against stable and the release on one axis; the metrics
screen's DORA over time, spreads and tables; the wall's large verdicts.

Regenerate after a reviewed change with
``pytest -n 0 tests/ui/test_picture_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from release_cockpit.ui.screens.metrics import MetricsScreen
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from release_cockpit.ui.widgets.lines import Lines
from tests.support.pictures import PictureRecords, picture_snapshot
from tests.support.ui import build_app, until

SIZES = {"80x24": (80, 24), "160x50": (160, 50)}
MODES = ("dark", "no-color", "ascii")


def _app(mode: str, monkeypatch, **kwargs):
    if mode == "no-color":
        # Textual reads NO_COLOR when the App is created, so set it before building it.
        monkeypatch.setenv("NO_COLOR", "1")
    return build_app(picture_snapshot(), ascii=mode == "ascii", records=PictureRecords(), **kwargs)


def _scroll_to(heading: str):
    """Scroll the screen's body so the section whose text starts with ``heading`` is at
    the top (the pictures sit below the signals and alerts)."""

    async def run_before(pilot) -> None:
        screen = pilot.app.screen

        def found() -> Lines | None:
            for lines in screen.query(Lines):
                text = lines.text
                if heading in text:
                    return lines
            return None

        await until(pilot, lambda: found() is not None)
        target = found()
        assert target is not None
        body = screen._body
        offset = target.region.y - body.region.y + body.scroll_y
        line = next(i for i, t in enumerate(target.text.split("\n")) if heading in t)
        body.scroll_to(y=offset + line, animate=False, immediate=True)
        await pilot.pause()

    return run_before


DETAIL_PICTURES = {
    "signals": "Signals over the release",
    "canary": "Canary vs stable",
    "timeline": "The release on one axis",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("picture", DETAIL_PICTURES)
def test_detail_pictures(snap_compare, monkeypatch, picture, size, mode):
    app = _app(mode, monkeypatch)
    heading = DETAIL_PICTURES[picture]

    async def open_and_scroll(pilot) -> None:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReleaseDetailScreen))
        await _scroll_to(heading)(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=open_and_scroll)


METRICS_PICTURES = {
    "over-time": "DORA over time",
    "spreads": "Lead time: spread",
    "time-and-batches": "Where the time goes",
    "how-it-felt": "How it felt",
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("picture", METRICS_PICTURES)
def test_metrics_pictures(snap_compare, monkeypatch, picture, size, mode):
    app = _app(mode, monkeypatch)
    heading = METRICS_PICTURES[picture]

    async def open_and_scroll(pilot) -> None:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(pilot.app.screen, MetricsScreen))
        await _scroll_to(heading)(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=open_and_scroll)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES)
def test_wall_verdicts(snap_compare, monkeypatch, size, mode):
    app = _app(mode, monkeypatch, wall=True)
    assert snap_compare(app, terminal_size=SIZES[size])
