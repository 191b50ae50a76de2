"""The log of what an action sent: noted before sending, answered or not."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from release_cockpit.adapters.http import HttpClient
from release_cockpit.adapters.sent_requests import (
    note_answer,
    note_sending,
    sent_requests,
    unanswered,
)
from release_cockpit.errors import Unreachable
from tests.support.adapters import make_settings


def test_outside_a_log_nothing_is_noted():
    assert note_sending("POST /x") is None
    note_answer(None, 200)  # no error either


def test_a_request_without_its_answer_is_unanswered():
    with sent_requests() as log:
        first = note_sending("PATCH /a")
        note_answer(first, 200)
        assert not unanswered(log)
        note_sending("PATCH /b")
    assert log == ["PATCH /a -> 200", "PATCH /b"]
    assert unanswered(log)


async def test_the_client_notes_each_request_and_its_status_in_the_callers_task_only():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/refused":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(409 if request.method == "POST" else 200, json={})

    settings = make_settings("prometheus", name="ci", url="http://ci.example")
    client = HttpClient(settings, transport=httpx.MockTransport(answer))
    try:
        with sent_requests() as log:
            await asyncio.gather(client.get_json("/runs"), _poll_elsewhere(client))
            await client.send("POST", "/runs/1/cancel", allow=frozenset({409}))
            with pytest.raises(Unreachable):
                await client.send("POST", "/refused")
    finally:
        await client.aclose()
    refused = ["POST /refused (not sent: no connection)"] * 3  # each attempt is noted
    assert log == ["GET /runs -> 200", "POST /runs/1/cancel -> 409", *refused]

    assert not unanswered(log)


async def _poll_elsewhere(client: HttpClient) -> None:
    """A poll in another task: its requests are not the action's."""
    with sent_requests() as other:
        await client.get_json("/other")
    assert other == ["GET /other -> 200"]
