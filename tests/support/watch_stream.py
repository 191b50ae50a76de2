"""A Kubernetes watch answer for the scripted backend: events sent when a test says."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx


def event(kind: str, obj: dict) -> bytes:
    """One line of a watch stream."""
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


class Stream:
    """A watch answer that stays open until the test puts ``None`` on ``queue``."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def body(self) -> AsyncIterator[bytes]:
        while (piece := await self.queue.get()) is not None:
            yield piece

    def reply(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=self.body())


async def settle() -> None:
    """Let the watch task take what was sent (a few turns of the event loop)."""
    for _ in range(20):
        await asyncio.sleep(0)
