from release_cockpit.engine.store import Store
from release_cockpit.engine.tick_reads import TickReads
from tests.support.db import database_at, off_loop
from tests.support.fakes import make_config


async def test_ticks_of_a_version_seen_first_are_read_off_the_loop(tmp_path):
    database = database_at(tmp_path / "audit.db", user="ana")
    off_loop(database.audit.tick, "checkout", "1.2.0", "Migration reviewed", True)
    store = Store(make_config(), {})
    read: list[bool] = []
    reads = TickReads(store, database, lambda: read.append(True))
    store.ticks_wanted.add(("checkout", "1.2.0"))
    reads.read()
    assert reads.pending
    assert not store.ticks_wanted
    await reads.wait()
    assert store.ticks[("checkout", "1.2.0")]["Migration reviewed"].by == "ana"
    assert read == [True]
    assert reads.problem is None
    off_loop(database.close)


def test_without_a_running_loop_the_versions_stay_wanted(tmp_path):
    store = Store(make_config(), {})
    database = database_at(tmp_path / "audit.db")
    store.ticks_wanted.add(("checkout", "1.2.0"))
    TickReads(store, database, lambda: None).read()
    assert store.ticks_wanted == {("checkout", "1.2.0")}
    off_loop(database.close)
