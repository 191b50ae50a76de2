"""Notifications: once per worsening, never repeated while the state holds; OSC sequences."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.domain import CockpitSnapshot, Verdict, VerdictLevel
from release_cockpit.ui.notifier import Notifier, desktop_mode, osc_sequence
from tests.support.ui import build_app
from tests.support.world import NOW, waiting_for_promote


def snapshot_with(level: VerdictLevel, generation: int) -> CockpitSnapshot:
    release = waiting_for_promote()
    release = replace(release, verdict=Verdict(level, f"reason {level.name}"))
    return CockpitSnapshot(taken_at=NOW, releases=(release,), sources=(), generation=generation)


async def test_one_notification_per_worsening():
    app = build_app()
    async with app.run_test():
        notifier = Notifier(app, bell=True, desktop="off")
        levels = [
            VerdictLevel.OK,
            VerdictLevel.WARNING,  # worse: 1
            VerdictLevel.WARNING,  # holds: nothing
            VerdictLevel.UNKNOWN,  # stale data: not announced, not a new baseline
            VerdictLevel.WARNING,  # same as before the gap: nothing
            VerdictLevel.FAILING,  # worse: 2
            VerdictLevel.OK,
            VerdictLevel.FAILING,  # worse again after recovering: 3
        ]
        for generation, level in enumerate(levels):
            notifier.snapshot(snapshot_with(level, generation))
        assert [line.split(":")[0] for line in notifier.sent] == [
            "payments warning",
            "payments failing",
            "payments failing",
        ]


async def test_a_release_failing_at_start_is_announced_once():
    app = build_app()
    async with app.run_test():
        notifier = Notifier(app, bell=False, desktop="off")
        notifier.snapshot(snapshot_with(VerdictLevel.FAILING, 1))
        notifier.snapshot(snapshot_with(VerdictLevel.FAILING, 2))
        assert len(notifier.sent) == 1


def test_desktop_mode_follows_the_terminal():
    assert desktop_mode("auto", {"TERM_PROGRAM": "iTerm.app"}) == "osc9"
    assert desktop_mode("auto", {"TERM_PROGRAM": "WezTerm"}) == "osc9"
    assert desktop_mode("auto", {"VTE_VERSION": "7600"}) == "osc777"
    assert desktop_mode("auto", {"TERM": "xterm-256color"}) == "off"
    assert desktop_mode("osc777", {"TERM_PROGRAM": "iTerm.app"}) == "osc777"


def test_osc_sequences_carry_no_control_characters():
    assert osc_sequence("osc9", "payments failing", "5xx\x07 high") == (
        "\x1b]9;payments failing: 5xx high\x07"
    )
    assert osc_sequence("osc777", "a;b", "c") == "\x1b]777;notify;a,b;c\x07"
    assert osc_sequence("off", "a", "b") == ""


def at(seconds: float):
    from datetime import timedelta

    return NOW + timedelta(seconds=seconds)


def many(level: VerdictLevel, count: int, seconds: float = 0) -> CockpitSnapshot:
    base = waiting_for_promote()
    releases = tuple(
        replace(base, key=f"svc-{i}", service=f"svc-{i}", verdict=Verdict(level, f"reason {i}"))
        for i in range(count)
    )
    return CockpitSnapshot(taken_at=at(seconds), releases=releases, sources=(), generation=1)


async def test_a_flip_that_does_not_hold_is_not_news():
    from datetime import timedelta

    app = build_app()
    async with app.run_test():
        notifier = Notifier(app, bell=True, desktop="off", hold=timedelta(seconds=20))
        steps = [
            (0, VerdictLevel.OK),
            (5, VerdictLevel.INCONCLUSIVE),  # a canary step: not enough data for a poll
            (10, VerdictLevel.OK),
            (15, VerdictLevel.INCONCLUSIVE),
            (20, VerdictLevel.OK),
        ]
        for seconds, level in steps:
            snapshot = replace(snapshot_with(level, 1), taken_at=at(seconds))
            notifier.snapshot(snapshot)
            notifier.tick(at(seconds + 4))
        assert notifier.sent == []
        # Inconclusive that holds for 20 s is news, once, even with no new snapshot.
        notifier.snapshot(replace(snapshot_with(VerdictLevel.INCONCLUSIVE, 2), taken_at=at(30)))
        notifier.tick(at(45))
        assert notifier.sent == []
        notifier.tick(at(50))
        assert [line.split(":")[0] for line in notifier.sent] == ["payments inconclusive"]
        notifier.tick(at(90))
        assert len(notifier.sent) == 1


async def test_at_most_three_toasts_the_rest_summarised():
    app = build_app()
    async with app.run_test():
        notifier = Notifier(app, bell=False, desktop="off")
        notifier.snapshot(many(VerdictLevel.FAILING, 8))
        assert len(notifier.sent) == 8
        assert len(notifier.toasted) == 3
        assert notifier.toasted[-1].startswith("6 more need attention: svc-2 failing, svc-3")
        # A fourth piece of news waits for a free slot rather than stacking a column.
        notifier.action_done(type("Outcome", (), {"ok": True, "text": "abort sent"})())
        assert len(notifier.toasted) == 3


async def test_no_toast_over_a_modal_the_news_waits_for_the_board():
    from release_cockpit.ui.screens.help import HelpScreen
    from tests.support.ui import until

    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen_stack and not isinstance(app.screen, HelpScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rings: list[bool] = []
        app.bell = lambda: rings.append(True)  # type: ignore[method-assign]
        notifier = Notifier(app, bell=True, desktop="off")
        notifier.snapshot(many(VerdictLevel.FAILING, 2))
        assert len(notifier.sent) == 2
        assert rings == [True]  # the bell still rings, once for the batch
        assert notifier.toasted == []
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        notifier.tick(at(1))
        assert [line.split(":")[0] for line in notifier.toasted] == [
            "svc-0 failing",
            "svc-1 failing",
        ]


async def test_the_wall_never_shows_toasts():
    app = build_app(wall=True)
    async with app.run_test(size=(120, 40)):
        notifier = Notifier(app, bell=False, desktop="off")
        notifier.snapshot(many(VerdictLevel.FAILING, 2))
        notifier.tick(at(60))
        assert len(notifier.sent) == 2
        assert notifier.toasted == []
