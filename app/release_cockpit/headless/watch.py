"""`release-cockpit watch RELEASE`: one release in plain text, a line per change, until it
finishes; the exit code says how it ended (for CI pipelines, scripts, a tmux status line).

A line is printed when the release's state word, a stage's state or the rollout's step or
weight changes, not on every measurement (a failure count that grows each poll is the
same state):

    20:31:05Z payments/production@1.13.0 WAITING ok ok ok ok WAIT - | Deploy: step 4/7 ...

It ends when the release is done (exit 0) or has failed for good (a failed stage, an
aborted rollout: exit 4); ``--until promoted`` ends as soon as the rollout is fully
promoted (0), ``--until failed`` at the first FAILING (4, or 0 if it finishes first).
The release leaving the board (a newer version replaced it) or ``--timeout`` ends it
with 1, like `status`'s "unknown".
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from release_cockpit.domain import Attention, CockpitSnapshot, Release, StageState
from release_cockpit.engine.feed import SnapshotFeed
from release_cockpit.errors import CockpitError
from release_cockpit.headless.status_table import stage_words

EXIT_DONE = 0
EXIT_GONE = 1
EXIT_FAILED = 4


class NotOnBoard(CockpitError):
    title = "Release not found"
    bad_input = True


class Until(enum.Enum):
    DONE = "done"
    PROMOTED = "promoted"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Ending:
    code: int
    why: str


def find(releases: Sequence[Release], wanted: str) -> Release | None:
    """The release ``wanted`` names: its key, service or id exactly, else by prefix."""
    text = wanted.strip().lower()
    for exact in (True, False):
        for release in releases:
            names = (release.key.lower(), release.service.lower(), release.id.lower())
            if any(n == text if exact else n.startswith(text) for n in names):
                return release
    return None


def state_of(release: Release) -> tuple[object, ...]:
    """What counts as a change: the word, every stage's state, the rollout's step."""
    rollout = release.rollout
    step = (rollout.step_index, rollout.set_weight, rollout.phase) if rollout else None
    return (release.attention, tuple(s.state for s in release.stages), step)


def line(release: Release, now: datetime) -> str:
    return (
        f"{now:%H:%M:%S}Z {release.id} {release.attention.status_word} "
        f"{stage_words(release)} | {release.headline(now)}"
    )


def ending(release: Release, until: Until) -> Ending | None:
    """How watching ``release`` ends now, or None while it goes on."""
    failed_stage = next((s for s in release.stages if s.state is StageState.FAILED), None)
    aborted = release.rollout is not None and release.rollout.aborted
    if failed_stage is not None or aborted:
        what = f"{failed_stage.name.title} failed" if failed_stage else "the rollout was aborted"
        return Ending(EXIT_FAILED, f"failed: {what}")
    if until is Until.FAILED and release.attention is Attention.FAILING:
        return Ending(EXIT_FAILED, f"failing: {release.verdict.reason}")
    if release.attention is Attention.DONE:
        return Ending(EXIT_DONE, "done")
    promoted = release.rollout is not None and release.rollout.fully_promoted
    if until is Until.PROMOTED and promoted:
        return Ending(EXIT_DONE, "promoted")
    return None


async def watch(
    feed: SnapshotFeed,
    wanted: str,
    *,
    until: Until = Until.DONE,
    give_up_after: timedelta | None = None,
    write: Callable[[str], None] = print,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Follow ``wanted`` on ``feed`` (started here, stopped on the way out).

    Raises:
        CockpitError: no release on the board is named ``wanted`` (bad input).
    """
    snapshots: asyncio.Queue[CockpitSnapshot] = asyncio.Queue()
    unsubscribe = feed.subscribe(snapshots.put_nowait)
    await feed.start()
    try:
        return await asyncio.wait_for(
            _follow(feed, snapshots, wanted, until, write, clock),
            give_up_after.total_seconds() if give_up_after else None,
        )
    except TimeoutError:
        write(f"{clock():%H:%M:%S}Z {wanted}: still in flight after {give_up_after} (--timeout)")
        return EXIT_GONE
    finally:
        unsubscribe()
        await feed.stop()


async def _follow(
    feed: SnapshotFeed,
    snapshots: asyncio.Queue[CockpitSnapshot],
    wanted: str,
    until: Until,
    write: Callable[[str], None],
    clock: Callable[[], datetime],
) -> int:
    shown: tuple[object, ...] | None = None
    key: str | None = None
    if feed.snapshot is not None:
        snapshots.put_nowait(feed.snapshot)
    while True:
        snapshot = await snapshots.get()
        if key is None:
            found = find(snapshot.releases, wanted)
            if found is None:
                known = ", ".join(sorted(r.key for r in snapshot.releases)) or "none"
                raise NotOnBoard(
                    f"no release named {wanted!r} is on the board",
                    hint=f"name one by its key, service or id; keys: {known}",
                )
            key = found.key
        release = snapshot.release(key)
        if release is None:
            write(f"{clock():%H:%M:%S}Z {wanted}: no longer in flight (replaced or removed)")
            return EXIT_GONE
        state = state_of(release)
        if state != shown:
            shown = state
            write(line(release, clock()))
        end = ending(release, until)
        if end is not None:
            write(f"{clock():%H:%M:%S}Z {release.id} {end.why}")
            return end.code
