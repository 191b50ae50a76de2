"""The fault matrix: every adapter against every way a backend fails, through the real cockpit.

Each row runs the real engine on a fake clock, with the adapter under test pointed at a
misbehaving loopback server and every other source healthy, and checks what an on-call
engineer would see:

- the cockpit keeps running: every poll loop is alive;
- only the faulty source goes DOWN, with the right error on the Sources screen of the
  real ``CockpitApp``; the release it feeds turns UNKNOWN once its data is stale, the
  other release keeps updating;
- the backoff grows while it fails and resets when it recovers;
- recovery needs no restart: the server heals and the source is OK at its next poll.

Most rows render the Sources screen from the engine's snapshot at two moments (failing,
recovered); the flapping rows run the app live with the engine as its feed throughout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio

from release_cockpit.domain import CockpitSnapshot, SourceState, VerdictLevel
from release_cockpit.errors import RateLimited
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.sources import SourcesScreen
from tests.support.clock import START
from tests.support.fault_backends import HAPPY
from tests.support.fault_catalogue import CASES, FaultCase
from tests.support.fault_server import FaultServer
from tests.support.fault_world import (
    BYSTANDER,
    FAULTY,
    FAULTY_HOST,
    INTERVAL,
    VICTIM,
    Drive,
    build_engine,
    matrix_config,
    wait_until,
)
from tests.support.ui import FixedFeed

MATRIX = [
    pytest.param(backend, case, id=f"{backend}-{case.id}") for backend in HAPPY for case in CASES
]
SCREEN = (160, 60)
pytestmark = pytest.mark.asyncio(loop_scope="module")


def flat(text: str) -> str:
    return " ".join(text.split())


def source_row(text: str, name: str) -> str:
    row = next((line for line in text.splitlines() if line.startswith(f"{name} ")), None)
    assert row is not None, f"no row for {name} on the Sources screen:\n{text}"
    return row


def row_state(text: str, name: str) -> str:
    return source_row(text, name).split()[1]


async def sources_text(app: CockpitApp, snapshot: CockpitSnapshot | None) -> str:
    """The Sources screen's text once it shows ``snapshot``."""

    def showing() -> bool:
        screen = app.screen
        return (
            isinstance(screen, SourcesScreen) and screen.is_mounted and screen.snapshot is snapshot
        )

    await wait_until(showing, "the Sources screen to show the snapshot")
    screen = app.screen
    assert isinstance(screen, SourcesScreen)
    return screen.text


class Screens:
    """The real app, shown the engine's snapshot at the moments a test looks at it.

    One app serves every row of the module (starting one per row would double the
    matrix's run time); each row points it at its own engine and fake clock.
    """

    def __init__(self) -> None:
        self.feed = FixedFeed(None)
        self.drive: Drive | None = None
        self.app = CockpitApp(self.feed, clock=self.now)

    def now(self) -> datetime:
        return self.drive.clock.now() if self.drive is not None else START

    async def sources(self) -> str:
        """The Sources screen's text for the engine's latest snapshot."""
        assert self.drive is not None
        snapshot = self.drive.snapshot
        self.feed.push(snapshot)
        if not isinstance(self.app.screen, SourcesScreen):
            self.app.action_sources()
        return await sources_text(self.app, snapshot)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def shared_screens() -> AsyncIterator[Screens]:
    screens = Screens()
    async with screens.app.run_test(size=SCREEN):
        yield screens


@pytest.fixture
def screens(shared_screens: Screens) -> Iterator[Screens]:
    yield shared_screens
    shared_screens.drive = None


def assert_healthy_world(drive: Drive, *, except_source: str | None = None) -> None:
    for source in drive.snapshot.sources:
        if source.name != except_source:
            assert source.state is SourceState.OK, f"{source.name}: {source.error}"
            assert source.error == ""


async def start_world(drive: Drive) -> None:
    await drive.settle()
    assert_healthy_world(drive)
    assert drive.release(VICTIM).verdict.level is VerdictLevel.OK
    assert drive.release(BYSTANDER).verdict.level is VerdictLevel.OK


@pytest.mark.parametrize(("backend", "case"), MATRIX)
async def test_fault(backend: str, case: FaultCase, peers, resolver, small_body_cap, screens):
    entry = HAPPY[backend]
    with FaultServer(entry.routes) as faulty:
        resolver.zone[FAULTY_HOST] = faulty
        url = f"http://{FAULTY_HOST}:{faulty.port}"
        config = matrix_config(entry, url, {kind: s.url for kind, s in peers.items()})
        engine = build_engine(config)
        drive = Drive(engine)
        if case.flaps:
            await flapping(drive, faulty, case)
            return
        screens.drive = drive
        await engine.start()
        try:
            await start_world(drive)
            await failing_then_recovering(drive, screens, faulty, case)
            assert drive.loops_alive()
        finally:
            await engine.stop()


async def failing_then_recovering(
    drive: Drive, screens: Screens, faulty: FaultServer, case: FaultCase
) -> None:
    assert row_state(await screens.sources(), FAULTY) == "ok"
    started = drive.clock.now()
    drive.set_fault(faulty, case.fault)

    first = await drive.poll(FAULTY)
    assert first.state is SourceState.DOWN
    assert first.error_title == case.title, first.error
    assert case.message in first.error
    assert first.consecutive_failures == 1
    delay_1 = drive.next_delay(FAULTY)
    second = await drive.poll(FAULTY)
    assert second.consecutive_failures == 2
    assert second.error_title == case.title
    delay_2 = drive.next_delay(FAULTY)
    error = drive.engine.store.sources[FAULTY].error
    asked = error.retry_after if isinstance(error, RateLimited) else None
    if case.retry_after is not None:
        assert asked == case.retry_after
    if asked is not None:
        # A backend that names its wait sets the floor (GitHub's floor is a minute).
        assert min(delay_1, delay_2) >= asked
        assert delay_2 >= delay_1
    else:
        assert delay_1 > INTERVAL.total_seconds()
        assert delay_2 > delay_1  # the backoff grows while it keeps failing

    # Let the faulty data age past its staleness limit while the others keep polling.
    record = drive.engine.store.sources[FAULTY]
    assert record.updated_at is not None
    assert record.next_poll_at is not None
    stale_at = record.updated_at + record.stale_after
    await drive.published_after(stale_at, limit=stale_at + timedelta(seconds=3))
    assert drive.loops_alive()
    victim, bystander = drive.release(VICTIM), drive.release(BYSTANDER)
    assert victim.verdict.level is VerdictLevel.UNKNOWN
    assert f"{FAULTY} data" in victim.verdict.reason
    assert bystander.verdict.level is VerdictLevel.OK
    assert all(s.updated_at is not None and s.updated_at > started for s in bystander.sources)
    assert_healthy_world(drive, except_source=FAULTY)
    fed = next(s for s in victim.sources if s.name == FAULTY)
    assert fed.state is SourceState.DOWN
    assert fed.error_title == case.title

    text = await screens.sources()
    assert row_state(text, FAULTY) == "DOWN"
    for source in drive.snapshot.sources:
        if source.name != FAULTY:
            assert row_state(text, source.name) == "ok"
    shown = drive.source(FAULTY)
    assert flat(f"{shown.error_title}: {shown.error}")[:70] in flat(text)

    drive.set_fault(faulty, None)
    healed = await drive.poll(FAULTY)
    assert healed.state is SourceState.OK
    assert healed.consecutive_failures == 0
    assert healed.error == ""
    assert drive.next_delay(FAULTY) == INTERVAL.total_seconds()  # the backoff is reset
    assert drive.release(VICTIM).verdict.level is VerdictLevel.OK
    assert drive.release(BYSTANDER).verdict.level is VerdictLevel.OK
    text = await screens.sources()
    assert row_state(text, FAULTY) == "ok"
    assert case.title not in text


async def flapping(drive: Drive, faulty: FaultServer, case: FaultCase) -> None:
    """Bad, good, bad, good, with the live app fed by the engine: each failure shows at
    once, each success clears it, the backoff never builds up, and the release keeps its
    data because it never goes stale.

    A failed query is a measurement error of its signal, so a flapping health source may
    warn (its signal's consecutive-error rule); it never reads as unknown or failing.
    """
    app = CockpitApp(drive.engine, clock=drive.clock.now)
    async with app.run_test(size=SCREEN):
        await start_world(drive)
        app.action_sources()
        assert row_state(await sources_text(app, drive.engine.snapshot), FAULTY) == "ok"
        for turn in range(4):
            bad = turn % 2 == 0
            drive.set_fault(faulty, case.fault if bad else None)
            status = await drive.poll(FAULTY)
            assert status.state is (SourceState.DOWN if bad else SourceState.OK)
            assert status.consecutive_failures == (1 if bad else 0)
            assert (status.error_title == case.title) is bad
            assert drive.next_delay(FAULTY) < 3 * INTERVAL.total_seconds()
            victim = drive.release(VICTIM).verdict
            if bad:
                assert victim.level in (VerdictLevel.OK, VerdictLevel.WARNING), victim
            else:
                assert victim.level is VerdictLevel.OK, victim
            assert drive.release(BYSTANDER).verdict.level is VerdictLevel.OK
            text = await sources_text(app, drive.engine.snapshot)
            assert row_state(text, FAULTY) == ("DOWN" if bad else "ok")
            assert (f"{case.title}: " in text) is bad
        assert drive.loops_alive()
