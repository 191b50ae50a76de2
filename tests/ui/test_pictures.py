"""The pictures as a person meets them: the detail leads with signals and alerts, names are
never cut with room to spare, clocks tick on every screen, the metrics keys work, and the
wall shows verdicts in large letters without toasts."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.ui.glyphs import Glyphs
from release_cockpit.ui.screens.audit import AuditScreen
from release_cockpit.ui.screens.metrics import MetricsScreen
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from release_cockpit.ui.widgets.detail_pictures import signal_charts
from tests.support.pictures import (
    PictureRecords,
    picture_events,
    picture_release,
    picture_snapshot,
)
from tests.support.ui import build_app, screen_text, until
from tests.support.world import NOW


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


async def test_the_detail_at_80x24_shows_signals_and_alerts_before_metadata():
    app = build_app(picture_snapshot())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReleaseDetailScreen))
        await until(pilot, lambda: "Signals" in screen_text(app))
        first_screen = screen_text(app)
        assert "5xx ratio" in first_screen
        assert "Alerts" in first_screen
        text = app.screen.text
        assert text.index("Signals") < text.index("Alerts") < text.index("\nRelease\n")
        assert text.index("Alerts") < text.index("Change set")


def test_signal_charts_start_at_the_deploy_not_at_the_plan():
    release = picture_release()
    assert release.started_at is not None
    assert release.rollout is not None
    assert release.rollout.started_at is not None
    assert release.started_at < release.rollout.started_at  # planned 15 minutes earlier
    lines = [
        c.plain for c in signal_charts(release, picture_events(), NOW, Glyphs.for_mode(True), 80, 4)
    ]
    axes = [line.split() for line in lines if line.rstrip().endswith("now")]
    assert axes
    assert {axis[0] for axis in axes} == {release.rollout.started_at.strftime("%H:%M")}


def test_a_clock_tick_rebuilds_few_rows_of_the_signal_charts():
    release, events, glyphs = picture_release(), picture_events(), Glyphs.for_mode(False)

    def rows(second: int) -> list[str]:
        now = NOW + timedelta(seconds=second)
        return [c.plain for c in signal_charts(release, events, now, glyphs, 118, 6)]

    changed = sum(
        sum(a != b for a, b in zip(rows(s - 1), rows(s), strict=True)) for s in range(1, 31)
    )
    assert changed / 30 < 2.5  # of 29 rows; 6.9 when the axis ended exactly at now


async def test_signal_names_are_not_cut_at_120_columns():
    app = build_app(picture_snapshot())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReleaseDetailScreen))
        table = app.screen.text.split("Signals\n", 1)[1].split("\n\n", 1)[0]
        names = [line.split("  ", 1)[0] for line in table.splitlines()[1:] if line[:1] != " "]
        assert names == ["5xx ratio", "p99 latency", "p99 canary vs stable"]


async def test_the_clock_ticks_on_the_audit_and_metrics_screens():
    clock = Clock()
    records = PictureRecords()
    app = build_app(picture_snapshot(), clock=clock, records=records)
    async with app.run_test(size=(120, 40)) as pilot:
        for screen in (
            AuditScreen(app.ctx, app.snapshot, records.audit_entries, "cockpit.db"),
            MetricsScreen(app.ctx, app.snapshot, records.history_bundle),
        ):
            await app.push_screen(screen)
            await until(pilot, lambda screen=screen: app.screen is screen)
            await until(pilot, lambda: "10:00:00Z" in screen_text(app).splitlines()[0])
            clock.now += timedelta(seconds=7)
            app.tick()
            await until(pilot, lambda: "Z" in screen_text(app).splitlines()[0])
            stamp = clock.now.strftime("%H:%M:%SZ")
            await until(pilot, lambda stamp=stamp: stamp in screen_text(app).splitlines()[0])
            await pilot.press("escape")
            clock.now = NOW


async def test_metrics_keys_group_the_figures_and_change_the_chart():
    app = build_app(picture_snapshot(), records=PictureRecords())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        screen = app.screen
        await until(pilot, lambda: "DORA over time: everything" in screen.text)
        assert "by service" in screen.text
        assert "How it felt" in screen.text
        # search has two answers: hidden, with its count; payments has enough.
        felt = screen.text.split("How it felt", 1)[1]
        search = next(line for line in felt.splitlines() if line.startswith("search"))
        assert "n=2, hidden" in search
        await pilot.press("g")
        await until(pilot, lambda: "by team" in screen.text)
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: "DORA over time: team " in screen.text)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await until(pilot, lambda: "DORA over time: service " in screen.text)


async def test_the_wall_shows_verdicts_in_large_letters_and_no_toasts():
    app = build_app(picture_snapshot(), wall=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: "▀" in screen_text(app))
        app.notify("a toast nobody would dismiss")
        await pilot.pause()
        assert "toast" not in screen_text(app)
        assert not app._notifications
