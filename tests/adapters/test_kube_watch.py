"""Kubernetes lists kept by watches: events applied, 410 re-lists, refusals fall back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from release_cockpit.adapters.http import HttpClient, json_client
from release_cockpit.adapters.kube_watch import (
    REFUSED_PAUSE,
    WATCH_SECONDS,
    KubeLists,
    WatchedList,
    WatchExpired,
    apply_event,
    list_state,
)
from release_cockpit.errors import BadResponse
from tests.support.adapters import FIXTURES, TOKEN, Backend, load, make_settings
from tests.support.watch_stream import Stream, event, settle

PATH = "/api/v1/namespaces/default/pods"
STREAM = (FIXTURES / "kubernetes/watch-stream-added-modified-deleted.ndjson").read_bytes()
"""A recorded watch of one Pod (ManageIQ/kubeclient): ADDED 1389, MODIFIED 1390, DELETED 1398."""


def pod(name: str, version: str, phase: str = "Running") -> dict:
    meta = {"name": name, "namespace": "default", "resourceVersion": version}
    return {"kind": "Pod", "metadata": meta, "status": {"phase": phase}}


def listing(version: str, *items: dict) -> httpx.Response:
    return httpx.Response(
        200,
        json={"kind": "PodList", "metadata": {"resourceVersion": version}, "items": list(items)},
    )


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[HttpClient]:
    client = json_client(make_settings("kubernetes"), transport=backend.transport)
    yield client
    await client.aclose()


# -- the pure parts -------------------------------------------------------------------------


def test_a_recorded_stream_adds_modifies_and_deletes_by_namespace_and_name():
    items: dict[str, dict] = {}
    added, modified, deleted = STREAM.splitlines()
    assert apply_event(items, added, "pods") == ("1389", True)
    assert items["default/php"]["status"] == {"phase": "Pending"}
    assert apply_event(items, modified, "pods") == ("1390", True)
    assert items["default/php"]["status"]["host"] == "127.0.0.1"
    assert apply_event(items, modified, "pods") == ("1390", False)  # the same object again
    assert apply_event(items, deleted, "pods") == ("1398", True)
    assert items == {}


def test_a_bookmark_moves_the_version_on_and_changes_nothing():
    items = {"default/a": pod("a", "5")}
    mark = {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "12746"}}
    assert apply_event(items, event("BOOKMARK", mark), "pods") == ("12746", False)
    assert items == {"default/a": pod("a", "5")}


def test_an_expired_error_event_asks_for_a_new_list():
    # In a stream, the 410 Status arrives as an ERROR event with HTTP 200.
    status = load("kubernetes/status-410-expired.json")
    with pytest.raises(WatchExpired, match="too old"):
        apply_event({}, event("ERROR", status), "pods")


def test_other_error_events_and_non_events_are_bad_responses():
    forbidden = {"kind": "Status", "status": "Failure", "reason": "Forbidden", "code": 403}
    with pytest.raises(BadResponse, match="Forbidden"):
        apply_event({}, event("ERROR", forbidden), "pods")
    # A server that ignored watch=1 sends the list itself.
    with pytest.raises(BadResponse, match="not a watch event"):
        apply_event({}, json.dumps({"kind": "PodList", "items": []}).encode(), "pods")
    with pytest.raises(BadResponse, match="not JSON"):
        apply_event({}, b"<html>proxy error</html>", "pods")
    with pytest.raises(BadResponse, match="unknown type"):
        apply_event({}, event("RESYNC", pod("a", "1")), "pods")


def test_list_state_keys_items_and_refuses_a_non_list():
    items, version = list_state(
        {"metadata": {"resourceVersion": "7"}, "items": [pod("a", "6")]}, "x"
    )
    assert (list(items), version) == (["default/a"], "7")
    assert list_state({"items": None}, "x") == ({}, "")
    with pytest.raises(BadResponse, match="no 'items'"):
        list_state({"kind": "Status"}, "x")


# -- listing and watching ----------------------------------------------------------------------


async def test_one_list_then_the_watch_keeps_the_items(backend, http):
    stream = Stream()
    backend.on("GET", PATH, listing("10", pod("a", "9")))
    backend.on("WATCH", PATH, stream.reply)
    watched = WatchedList(http, PATH, "pods")
    first = await watched.read()
    assert [i["metadata"]["name"] for i in first] == ["a"]
    await settle()
    assert watched.watching
    (request,) = backend.watches
    assert dict(request.url.params) == {
        "watch": "1",
        "resourceVersion": "10",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": str(WATCH_SECONDS),
    }
    assert request.headers["authorization"] == f"Bearer {TOKEN}"

    await stream.queue.put(
        event("MODIFIED", pod("a", "11", "Failed")) + event("ADDED", pod("b", "12"))
    )
    await settle()
    second = await watched.read()
    assert [(i["metadata"]["name"], i["status"]["phase"]) for i in second] == [
        ("a", "Failed"),
        ("b", "Running"),
    ]
    assert second[0] is not first[0]  # a changed item is a new object
    third = await watched.read()
    assert all(a is b for a, b in zip(third, second, strict=True))  # nothing new: the same
    assert len(backend.requests) == 1  # every read after the first came from the watch
    await watched.aclose()
    assert not watched.watching


async def test_an_expired_watch_lists_again_and_watches_from_the_new_version(backend, http):
    first, second = Stream(), Stream()
    backend.on("GET", PATH, listing("10", pod("a", "9")), listing("20", pod("a", "19")))
    backend.on("WATCH", PATH, first.reply, second.reply)
    watched = WatchedList(http, PATH, "pods")
    await watched.read()
    await settle()
    await first.queue.put(event("ERROR", load("kubernetes/status-410-expired.json")))
    await settle()
    assert not watched.watching
    listed = await watched.read()
    assert listed[0]["metadata"]["resourceVersion"] == "19"
    await settle()
    assert [r.url.params["resourceVersion"] for r in backend.watches] == ["10", "20"]
    assert watched.watching
    assert watched.refusal == ""
    await watched.aclose()


async def test_a_410_answer_to_the_watch_itself_lists_again(backend, http):
    gone = httpx.Response(410, json=load("kubernetes/status-410-expired.json"))
    backend.on("GET", PATH, listing("10", pod("a", "9")), listing("20", pod("a", "19")))
    backend.on("WATCH", PATH, gone, Stream().reply)
    watched = WatchedList(http, PATH, "pods")
    await watched.read()
    await settle()
    assert not watched.watching
    assert watched.refusal == ""  # expired, not refused: the next read lists and watches
    await watched.read()
    await settle()
    assert watched.watching
    assert [r.url.params["resourceVersion"] for r in backend.watches] == ["10", "20"]
    await watched.aclose()


async def test_a_watch_the_server_ends_reconnects_from_the_last_version(backend, http):
    first, second = Stream(), Stream()
    backend.on("GET", PATH, listing("10", pod("a", "9")))
    backend.on("WATCH", PATH, first.reply, second.reply)
    clock = [0.0]
    watched = WatchedList(http, PATH, "pods", clock=lambda: clock[0])
    await watched.read()
    await settle()
    mark = {"kind": "Pod", "metadata": {"resourceVersion": "15"}}
    await first.queue.put(event("BOOKMARK", mark))
    clock[0] = float(WATCH_SECONDS)  # the server's timeoutSeconds is up
    await first.queue.put(None)
    await settle()
    assert [r.url.params["resourceVersion"] for r in backend.watches] == ["10", "15"]
    assert watched.watching
    assert len(backend.requests) == 1
    await watched.aclose()


async def test_a_refused_watch_falls_back_to_listing_and_says_why(backend, http):
    backend.on("GET", PATH, listing("10", pod("a", "9")))  # no WATCH route: 403 Forbidden
    clock = [0.0]
    lists = KubeLists(http, clock=lambda: clock[0])
    await lists.read(PATH, "pods")
    await settle()
    await lists.read(PATH, "pods")
    await lists.read(PATH, "pods")
    assert len(backend.requests) == 3
    assert len(backend.watches) == 1
    assert "watching 0 of 1 lists" in lists.note()
    assert "cannot watch resource" in lists.note()
    clock[0] = REFUSED_PAUSE + 1  # after the pause, a watch is tried again
    await lists.read(PATH, "pods")
    await settle()
    assert len(backend.watches) == 2
    await lists.aclose()


async def test_a_server_that_ignores_watch_is_listed_every_poll(backend, http):
    backend.on("GET", PATH, listing("10", pod("a", "9")))
    backend.on("WATCH", PATH, listing("10", pod("a", "9")))  # the list again, not events
    watched = WatchedList(http, PATH, "pods")
    await watched.read()
    await settle()
    assert not watched.watching
    assert "not a watch event" in watched.refusal
    await watched.read()
    assert len(backend.requests) == 2
    assert len(backend.watches) == 1


async def test_a_server_that_ends_every_watch_at_once_is_not_watched(backend, http):
    backend.on("GET", PATH, listing("10", pod("a", "9")))
    backend.on("WATCH", PATH, httpx.Response(200, content=b""))
    watched = WatchedList(http, PATH, "pods")
    await watched.read()
    await settle()
    assert len(backend.watches) == 3
    assert watched.refusal == "the server ends every watch at once"


async def test_a_broken_stream_lists_again_at_the_next_read(backend, http):
    async def broken() -> AsyncIterator[bytes]:
        yield event("MODIFIED", pod("a", "11"))
        raise httpx.ReadError("connection reset by peer")

    backend.on("GET", PATH, listing("10", pod("a", "9")), listing("30", pod("a", "29")))
    backend.on("WATCH", PATH, lambda _: httpx.Response(200, content=broken()), Stream().reply)
    watched = WatchedList(http, PATH, "pods")
    await watched.read()
    await settle()
    assert not watched.watching
    assert watched.refusal == ""
    assert (await watched.read())[0]["metadata"]["resourceVersion"] == "29"
    assert len(backend.requests) == 2
    await watched.aclose()


async def test_secrets_are_scrubbed_from_watched_objects(backend, http):
    stream = Stream()
    backend.on("GET", PATH, listing("10"))
    backend.on("WATCH", PATH, stream.reply)
    watched = WatchedList(http, PATH, "pods")
    await watched.read()
    await settle()
    leaky = pod("a", "11")
    leaky["metadata"]["annotations"] = {"debug": f"Authorization: Bearer {TOKEN}"}
    await stream.queue.put(event("ADDED", leaky))
    await settle()
    (item,) = await watched.read()
    assert TOKEN not in json.dumps(item)
    await watched.aclose()


async def test_watch_false_lists_every_read(backend, http):
    backend.on("GET", PATH, listing("10", pod("a", "9")))
    lists = KubeLists(http, watch=False)
    await lists.read(PATH, "pods")
    await settle()
    await lists.read(PATH, "pods")
    assert len(backend.requests) == 2
    assert backend.watches == []
    assert lists.note() == ""


async def test_forget_lists_a_namespace_again_after_an_own_write(backend, http):
    other = "/api/v1/namespaces/other/pods"
    backend.on("GET", PATH, listing("10", pod("a", "9")))
    backend.on("GET", other, listing("10"))
    backend.on("WATCH", PATH, Stream().reply, Stream().reply)
    backend.on("WATCH", other, Stream().reply)
    lists = KubeLists(http)
    await lists.read(PATH, "pods")
    await lists.read(other, "pods")
    await settle()
    await lists.forget("default")
    await lists.read(PATH, "pods")
    await lists.read(other, "pods")
    assert [r.url.path for r in backend.requests] == [PATH, other, PATH]
    await lists.aclose()
