"""Texts that follow the clock are read when shown, from the moments they count."""

from datetime import timedelta

from release_cockpit.domain.clock_text import Since, Until, clock_text, join_clock
from release_cockpit.domain.rollout import PauseKind, pause_clock
from tests.support.builders import paused
from tests.support.clock import START

LATER = START + timedelta(seconds=30)


def test_a_wait_and_a_countdown_read_differently_as_time_passes_but_stay_one_value():
    text = clock_text("waiting ", Since(START - timedelta(minutes=2)), " for promote")
    assert text.read(START) == "waiting 2m00s for promote"
    assert text.read(LATER) == "waiting 2m30s for promote"
    soak = clock_text("soak ", Until(START + timedelta(seconds=45)), " left")
    assert soak.read(LATER) == "soak 15s left"
    assert soak.read(LATER + timedelta(minutes=5)) == "soak 0s left"  # never below zero


def test_a_countdown_with_steps_after_it_never_reads_less_than_those_steps():
    eta = clock_text("ETA ", Until(START + timedelta(seconds=20), timedelta(minutes=1)))
    assert eta.read(START) == "ETA 1m20s"
    assert eta.read(LATER) == "ETA 1m00s"


def test_the_next_turn_is_the_soonest_countdown_still_ahead():
    first, second = START + timedelta(seconds=10), START + timedelta(seconds=50)
    text = join_clock(" · ", clock_text("a ", Until(second)), "", clock_text("b ", Until(first)))
    assert text.read(START) == "a 50s · b 10s"
    assert text.turn(START) == first
    assert text.turn(first) == second
    assert text.turn(second) is None
    assert clock_text("waited ", Since(START)).turn(START) is None  # a wait never runs out
    assert text.moments == (second, first)


def test_a_text_without_a_duration_is_plain():
    assert clock_text("waiting for promote").fixed == "waiting for promote"
    assert clock_text("soak ", Until(START)).fixed is None


def test_pause_texts_keep_their_moment():
    gate = pause_clock(paused(PauseKind.PROMOTION_GATE, ends_in=timedelta(minutes=8)))
    assert gate.read(START) == "waiting for promote, auto-promotes in 8m00s"
    assert gate.read(LATER) == "waiting for promote, auto-promotes in 7m30s"
    manual = pause_clock(paused(PauseKind.MANUAL))
    assert manual.read(LATER) == "paused by a person 2m30s ago"
