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
