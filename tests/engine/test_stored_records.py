from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.human import Answer, Moment
from release_cockpit.engine.audit_log import ActionStart
from release_cockpit.engine.stored_records import StoredRecords
from tests.support.clock import START
from tests.support.db import database_at, off_loop

ABORT = ActionStart("api", "api@1.0", "api", "production", "abort", "rollout api", {})


async def test_without_a_database_reads_are_empty_and_nobody_is_asked():
    stored = StoredRecords(None, set())
    assert await stored.entries() == []
    assert await stored.timeline("api", "1.0") == ()
    assert await stored.records(START) == []
    assert await stored.answered("api", "1.0")  # nowhere to keep an answer: never ask
    assert stored.who == ""


async def test_an_answer_is_kept_once_for_its_person(tmp_path):
    database = database_at(tmp_path / "audit.db", user="ana")
    stored = StoredRecords(database, set())
    assert stored.who == "ana"
    assert not await stored.answered("api", "1.0")
    await stored.answer(Answer("api", "1.0", "ana", START, Moment.PROMOTE, 4, None))
    assert await stored.answered("api", "1.0")
    off_loop(database.close)


async def test_a_call_still_running_here_reads_as_in_flight(tmp_path):
    database = database_at(tmp_path / "audit.db")
    in_flight: set[int] = set()
    stored = StoredRecords(database, in_flight)
    record = off_loop(database.audit.start, ABORT)
    assert (await stored.entries())[0].outcome is Outcome.UNKNOWN
    in_flight.add(record)  # the controls' own set, shared
    assert (await stored.entries())[0].outcome is Outcome.IN_FLIGHT
    off_loop(database.close)
