"""The real clock is steady: a jump of the system clock moves nothing the engine measures."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from release_cockpit.engine.clock import SystemClock, jump_note


def test_a_system_clock_jump_does_not_move_now(monkeypatch: pytest.MonkeyPatch):
    clock = SystemClock()
    real_time = time.time
    before = clock.now()
    monkeypatch.setattr(time, "time", lambda: real_time() + 7200)
    after = clock.now()
    assert (after - before).total_seconds() < 5
    assert 7190 < clock.jump() < 7210


def test_the_note_names_the_jump_and_the_way_on():
    at = datetime(2026, 12, 4, 14, 2, 0, tzinfo=UTC)
    assert jump_note(30.0, at) == ""  # NTP-sized corrections are not news
    note = jump_note(-7265.0, at)
    assert note.startswith("system clock jumped -2h01m (noticed 14:02:00)")
    assert "restart the cockpit if the new system time is right" in note
    assert jump_note(95.0, at).startswith("system clock jumped +1m35s")
