"""Cockpits of one team in one test: each an engine with its own adapters (whose requests
are counted) and its own connection to the shared PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.engine.database import Database, open_database
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.engine.poll_coordinator import Role
from release_cockpit.engine.postgres_file import PostgresTarget


class Counting(httpx.AsyncBaseTransport):
    """Counts every request one cockpit sends to any backend."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Member:
    name: str
    engine: Engine
    database: Database
    transport: Counting

    def roles(self) -> set[Role]:
        assert self.engine.team is not None
        sharing = self.engine.team.coordinator.sharing
        return {sharing[s].role for s in self.engine.loops if s in sharing}

    async def close(self) -> None:
        await self.engine.stop()
        await asyncio.to_thread(self.database.close)


async def member(config_text: str, target: PostgresTarget, name: str) -> Member:
    """A cockpit named ``name`` (its identity, as the audit and the sources screen show)."""
    config = parse_config(config_text, "<team>", kinds=adapter_kinds())
    transport = Counting()
    database = await asyncio.to_thread(open_database, target)
    assert database.error is None, database.error
    assert database.audit is not None
    assert database.intents is not None
    database.audit.identity = name
    database.intents.who = name
    engine = Engine(config, build_adapters(config, {}, transport=transport), database=database)
    return Member(name, engine, database, transport)


async def wait_for(check: Callable[[], bool], what: str, within: float = 30.0) -> float:
    """Seconds until ``check()`` held; fails naming ``what`` after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not check():
        if loop.time() - start > within:
            raise AssertionError(f"{what} did not happen within {within:.0f}s")
        await asyncio.sleep(0.05)
    return loop.time() - start
