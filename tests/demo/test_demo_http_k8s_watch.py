"""The demo's Kubernetes watches over real HTTP, and the cockpit's adapter following one."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.deploy.argo_rollouts import ArgoRollouts
from release_cockpit.domain import Action, RolloutPhase, Target
from release_cockpit.errors import Unreachable
from release_cockpit_demo import DemoServer
from release_cockpit_demo.k8s_watch import BadWatch, watch_events, watch_seconds

ROLLOUTS = "/k8s/apis/argoproj.io/v1alpha1/namespaces/production/rollouts"
REPLICASETS = "/k8s/apis/apps/v1/namespaces/production/replicasets"


def events(client: httpx.Client, path: str, **params: str) -> list[dict]:
    with client.stream("GET", path, params={"watch": "1", **params}) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        return [json.loads(line) for line in response.iter_lines() if line]


def list_version(client: httpx.Client, path: str) -> str:
    return client.get(path).json()["metadata"]["resourceVersion"]


def test_a_quiet_watch_from_the_current_version_ends_with_a_bookmark(client: httpx.Client):
    version = list_version(client, ROLLOUTS)
    began = time.monotonic()
    got = events(
        client, ROLLOUTS, resourceVersion=version, timeoutSeconds="1", allowWatchBookmarks="true"
    )
    assert 0.9 <= time.monotonic() - began < 4
    assert got == [
        {
            "type": "BOOKMARK",
            "object": {
                "kind": "Rollout",
                "apiVersion": "argoproj.io/v1alpha1",
                "metadata": {"resourceVersion": version},
            },
        }
    ]


def test_a_watch_from_another_version_first_gets_every_object(client: httpx.Client):
    got = events(client, ROLLOUTS, resourceVersion="1", timeoutSeconds="1")
    assert [e["type"] for e in got] == ["MODIFIED"] * 6  # no bookmarks unless asked for
    assert [e["object"]["metadata"]["name"] for e in got] == [
        "checkout",
        "payments",
        "ledger",
        "auth",
        "catalog",
        "notifications",
    ]


def test_a_change_reaches_an_open_watch(client: httpx.Client):
    version = list_version(client, ROLLOUTS)
    seen: list[dict] = []
    reader = threading.Thread(
        target=lambda: seen.extend(
            events(client, ROLLOUTS, resourceVersion=version, timeoutSeconds="3")
        )
    )
    reader.start()
    time.sleep(0.3)
    answer = client.patch(
        f"{ROLLOUTS}/checkout",
        content=json.dumps({"spec": {"paused": True}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert answer.status_code == 200
    reader.join(10)
    changed = [e for e in seen if e["object"]["metadata"]["name"] == "checkout"]
    assert changed
    assert changed[-1]["type"] == "MODIFIED"
    assert changed[-1]["object"]["spec"]["paused"] is True


def test_replicaset_lists_are_watchable_too(client: httpx.Client):
    got = events(client, REPLICASETS, resourceVersion="1", timeoutSeconds="1")
    assert got
    assert {e["object"]["kind"] for e in got} == {"ReplicaSet"}


def test_a_bad_timeout_is_a_400_status(client: httpx.Client):
    answer = client.get(ROLLOUTS, params={"watch": "true", "timeoutSeconds": "soon"})
    assert answer.status_code == 400
    assert answer.json()["reason"] == "BadRequest"


def test_stopping_the_server_ends_open_watches(clock):
    server = DemoServer(clock=clock)
    url = server.start()
    done = threading.Event()

    def watch() -> None:
        with (
            httpx.Client(base_url=url, timeout=30) as http,
            http.stream("GET", ROLLOUTS, params={"watch": "1", "timeoutSeconds": "60"}) as r,
        ):
            try:
                for _ in r.iter_lines():
                    pass
            except httpx.HTTPError:
                pass
        done.set()

    threading.Thread(target=watch, daemon=True).start()
    time.sleep(0.5)
    server.stop()
    assert done.wait(5)


def test_watch_seconds_reads_timeout_seconds():
    assert watch_seconds(None) == 300
    assert watch_seconds("20") == 20
    assert watch_seconds("99999") == 1800
    with pytest.raises(BadWatch):
        watch_seconds("-1")
    with pytest.raises(BadWatch):
        watch_seconds("1.5")


def test_watch_events_send_additions_changes_and_deletions():
    def item(name: str, value: int) -> dict:
        return {"metadata": {"namespace": "ns", "name": name}, "value": value}

    states = iter(
        [
            ([item("a", 1), item("b", 1)], 10),
            ([item("a", 2), item("b", 1), item("c", 1)], 12),
            ([item("a", 2), item("c", 1)], 13),
        ]
    )
    now = [0.0]

    class Ticking(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            now[0] += timeout or 0
            return False

    lines = watch_events(
        lambda: next(states),
        since="10",
        seconds=2,
        bookmarks=True,
        kind="Thing",
        api_version="v1",
        closing=Ticking(),
        clock=lambda: now[0],
    )
    got = [json.loads(line) for line in lines]
    assert [(e["type"], e["object"]["metadata"].get("name")) for e in got] == [
        ("MODIFIED", "a"),
        ("ADDED", "c"),
        ("DELETED", "b"),
        ("BOOKMARK", None),
    ]
    assert got[-1]["object"]["metadata"] == {"resourceVersion": "13"}


CATALOG = Target.of(namespace="production", rollout="catalog")


def cluster_at(url: str, timeout: float) -> ArgoRollouts:
    """The cockpit's Argo Rollouts adapter on the demo server at ``url``."""
    return ArgoRollouts(
        BackendSettings(
            name="cluster", type="argo-rollouts", url=f"{url}/k8s", token=None, timeout=timeout
        )
    )


async def test_the_adapter_follows_a_change_without_listing_again(server: DemoServer):
    argo = cluster_at(server.url, 5.0)
    target = CATALOG
    try:
        first = (await argo.rollouts([target]))[target]
        assert not isinstance(first, Exception)
        assert first.phase is not RolloutPhase.PAUSED
        # Someone else pauses it (kubectl argo rollouts pause), not this cockpit.
        async with httpx.AsyncClient(base_url=server.url) as kubectl:
            paused = await kubectl.patch(
                f"{ROLLOUTS}/catalog",
                content=json.dumps({"spec": {"paused": True}}),
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert paused.status_code == 200
        deadline = time.monotonic() + 10
        state = first
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            answer = (await argo.rollouts([target]))[target]
            assert not isinstance(answer, Exception)
            state = answer
            if state.phase is RolloutPhase.PAUSED:
                break
        assert state.phase is RolloutPhase.PAUSED
        watched = list(argo.lists._lists.values())
        assert [w.lists for w in watched] == [1, 1]  # one list each, then the watch
        assert all(w.watching for w in watched)
        assert argo.usage_note() == "watching 2 of 2 lists"
        # This cockpit's own action: the confirming read lists again instead of racing
        # the watch event.
        await argo.act(Action.RESUME, target)
        await argo.rollouts([target])
        assert [w.lists for w in watched] == [2, 2]
    finally:
        await argo.aclose()


async def test_a_cluster_that_goes_away_is_an_error_not_the_kept_list(clock):
    server = DemoServer(clock=clock)
    argo = cluster_at(server.start(), 2.0)
    target = CATALOG
    try:
        first = (await argo.rollouts([target]))[target]
        assert not isinstance(first, Exception)
        await asyncio.sleep(0.3)
        assert all(w.watching for w in argo.lists._lists.values())
        server.stop()
        answer: object = first
        for _ in range(50):  # the streams end with the server; the next read lists
            await asyncio.sleep(0.1)
            answer = (await argo.rollouts([target]))[target]
            if isinstance(answer, Exception):
                break
        assert isinstance(answer, Unreachable)
        assert "cluster" in str(answer)
    finally:
        await argo.aclose()
