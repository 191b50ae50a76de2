"""`watch`: a line per change, not per measurement; the exit code says how it ended."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from release_cockpit.domain import CockpitSnapshot, Verdict, VerdictLevel
from release_cockpit.headless.watch import (
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_GONE,
    NotOnBoard,
    Until,
    watch,
)
from tests.support.world import NOW, done, failing_canary, waiting_for_promote


class ScriptedFeed:
    """Publishes a list of snapshots, one per loop turn, once started."""

    def __init__(self, pictures: list[CockpitSnapshot]) -> None:
        self.pictures = pictures
        self.callbacks: list[Callable[[CockpitSnapshot], None]] = []
        self.stopped = False
        self._task: asyncio.Task | None = None

    @property
    def snapshot(self):
        return None

    def subscribe(self, callback):
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def refresh(self, source=None):
        pass

    async def start(self):
        async def play():
            for picture in self.pictures:
                await asyncio.sleep(0)
                for callback in list(self.callbacks):
                    callback(picture)

        self._task = asyncio.create_task(play())

    async def stop(self):
        self.stopped = True


def board(*releases) -> CockpitSnapshot:
    return CockpitSnapshot(taken_at=NOW, releases=tuple(releases), sources=(), generation=1)


def as_payments(release):
    return replace(release, key="payments-prod", service="payments")


async def run(pictures, wanted="payments", **kwargs) -> tuple[int, list[str]]:
    lines: list[str] = []
    feed = ScriptedFeed(pictures)
    code = await watch(feed, wanted, write=lines.append, clock=lambda: NOW, **kwargs)
    assert feed.stopped
    return code, lines


async def test_a_line_per_change_until_done():
    waiting = waiting_for_promote()
    # Two polls that only move a measurement: the same state, no new line.
    noisy = replace(waiting, verdict=Verdict(VerdictLevel.OK, "5xx ratio 0.2%, 3 measurements"))
    finished = as_payments(done())
    code, lines = await run([board(waiting), board(noisy), board(finished)])
    assert code == EXIT_DONE
    assert len(lines) == 3
    assert lines[0].startswith("10:00:00Z payments/production@5.1.0 WAITING")
    assert " OK " in lines[1]
    assert lines[2].endswith(" done")


async def test_until_failed_stops_at_the_first_failing():
    failing = as_payments(failing_canary())
    code, lines = await run([board(waiting_for_promote()), board(failing)], until=Until.FAILED)
    assert code == EXIT_FAILED
    assert "FAILING" in lines[-2]
    assert lines[-1].split(" ", 2)[2].startswith("failing: ")


async def test_an_aborted_rollout_is_a_failure_for_good():
    waiting = waiting_for_promote()
    aborted = replace(waiting, rollout=replace(waiting.rollout, aborted=True))
    code, lines = await run([board(waiting), board(aborted)], until=Until.PROMOTED)
    assert code == EXIT_FAILED
    assert lines[-1].endswith("failed: the rollout was aborted")


async def test_a_release_that_leaves_the_board_ends_with_1():
    code, lines = await run([board(waiting_for_promote()), board(done())])
    assert code == EXIT_GONE
    assert "no longer in flight" in lines[-1]


async def test_an_unknown_name_is_bad_input():
    with pytest.raises(NotOnBoard, match="no release named 'nope'") as caught:
        await run([board(waiting_for_promote())], wanted="nope")
    assert caught.value.bad_input
    assert "payments-prod" in caught.value.hint


async def test_timeout_gives_up_with_1():
    code, lines = await run([board(waiting_for_promote())], give_up_after=timedelta(seconds=0.2))
    assert code == EXIT_GONE
    assert "--timeout" in lines[-1]
