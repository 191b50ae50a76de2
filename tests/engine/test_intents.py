"""Action intents on both engines: one live claim per target, named to the second person;
released, expired or re-claimed by its own cockpit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from release_cockpit.engine.intents import MARGIN, IntentStore
from release_cockpit.engine.store_file import open_store

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def stores(target, clock):
    file, _ = open_store(target, "test")
    alice = IntentStore(file, who="alice", user="alice", host="b1", pid=1, clock=clock)
    bob = IntentStore(file, who="bob", user="bob", host="b2", pid=2, clock=clock)
    return file, alice, bob


def test_a_second_claim_is_refused_with_who_and_since_when(store_target):
    clock = Clock()
    file, alice, bob = stores(store_target, clock)
    mine, holder = alice.claim(
        "cluster: rollout shop/payments", "promote", "payments", timedelta(30)
    )
    assert mine is not None
    assert holder is None
    clock.now += timedelta(seconds=12)
    none, held = bob.claim("cluster: rollout shop/payments", "abort", "payments", timedelta(30))
    assert none is None
    assert held is not None
    assert held.sentence(clock.now) == "alice is promoting payments (started 12s ago)"
    assert set(bob.live()) == {"cluster: rollout shop/payments"}
    other, _ = bob.claim("cluster: rollout shop/checkout", "abort", "checkout", timedelta(30))
    assert other is not None  # another target is free
    alice.release(mine)
    again, _ = bob.claim("cluster: rollout shop/payments", "abort", "payments", timedelta(30))
    assert again is not None
    file.close()


def test_a_claim_left_by_a_dead_cockpit_expires(store_target):
    clock = Clock()
    file, alice, bob = stores(store_target, clock)
    alice.claim("t", "abort", "payments", timedelta(seconds=30))
    clock.now += timedelta(seconds=30) + MARGIN + timedelta(seconds=1)
    assert bob.live() == {}
    mine, holder = bob.claim("t", "abort", "payments", timedelta(seconds=30))
    assert mine is not None
    assert holder is None
    file.close()


def test_its_own_cockpit_may_claim_again(store_target):
    clock = Clock()
    file, alice, _ = stores(store_target, clock)
    alice.claim("t", "promote", "payments", timedelta(seconds=30))
    mine, holder = alice.claim("t", "promote", "payments", timedelta(seconds=30))
    assert mine is not None
    assert holder is None
    file.close()
