"""A team on one PostgreSQL: backend load, takeover, and one promote among twenty.

Runs 1, 5 and 20 headless cockpits (each its own process: an engine, its adapters and
its connections) against the simulated world (one ``demo-world`` process) and one
PostgreSQL (Debian's, started in a temporary directory, as the integration tests do), and
prints one JSON line:

- ``requests_per_minute``: backend requests all the cockpits together sent, per count
  (target: the figure for 20 within 10% of the figure for 1);
- ``takeover``: the cockpit that polls is killed with SIGKILL; seconds until every backend
  it polled is polled by another, per backend and in that backend's intervals (target:
  under 2);
- ``promote_race``: 20 cockpits press promote on one rollout at the same instant (target:
  exactly one sent, 19 refused naming the holder, 20 audit records).

Usage: ``python -m benchmarks.team [--counts 1,5,20] [--window 30]``; with
``TEAM_BENCH_LOGS=DIR`` each member logs (the election, its requests) to ``DIR/NAME.log``.
A member is this module run with ``--member NAME`` (it reads commands on stdin, reports
on stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import _harness as h

RACE_KEY = "notifications"  # a canary paused at a step, promotable from the start
PASSWORD_ENV = "TEAM_BENCH_PG_PASSWORD"


# -- a member: one headless cockpit ------------------------------------------------------


async def _member(name: str, config_path: Path) -> None:
    import logging

    import httpx

    if os.environ.get("TEAM_BENCH_LOGS"):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import load_config
    from release_cockpit.domain import Action
    from release_cockpit.engine.database import choose_database, open_database
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters
    from release_cockpit.errors import ActionRefused

    class Counting(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()
            self.requests = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.requests += 1
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            await self.inner.aclose()

    config = load_config(config_path, kinds=adapter_kinds())
    target = choose_database(None, os.environ)
    database = await asyncio.to_thread(open_database, target)
    if database.error is not None:
        raise SystemExit(str(database.error))
    transport = Counting()
    engine = Engine(
        config, build_adapters(config, os.environ, transport=transport), database=database
    )
    await engine.start()
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()
    loop.add_reader(sys.stdin.fileno(), lambda: commands.put_nowait(sys.stdin.readline()))

    def say(document: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps({"name": name, **document}) + "\n")
        sys.stdout.flush()

    async def report() -> None:
        while True:
            team = engine.team
            roles: dict[str, str] = {}
            if team is not None:
                sharing = team.coordinator.sharing
                roles = {s: sharing[s].role.value if s in sharing else "" for s in team.loops}
            say({"requests": transport.requests, "roles": roles, "t": time.monotonic()})
            await asyncio.sleep(0.25)

    reporter = asyncio.create_task(report())
    try:
        while True:
            line = (await commands.get()).split()
            if not line or line[0] == "quit":
                break
            if line[0] == "promote":
                at = float(line[1])
                try:
                    plan = engine.controls.check(RACE_KEY, Action.PROMOTE)
                except ActionRefused as refused:
                    say({"promote": "unavailable", "text": refused.message})
                    continue
                await asyncio.sleep(max(at - time.monotonic(), 0))
                typed = plan.service if plan.type_to_confirm else None
                try:
                    outcome = await engine.controls.run(plan, typed)
                    say({"promote": "sent" if outcome.ok else "failed", "text": outcome.text})
                except ActionRefused as refused:
                    say({"promote": "refused", "text": refused.message, "rule": refused.rule})
    finally:
        reporter.cancel()
        await engine.stop()
        await asyncio.to_thread(database.close)


# -- the conductor -----------------------------------------------------------------------


def _log_file(name: str) -> Any:
    """A member's log (warnings of the election) where ``--logs DIR`` asked for one."""
    folder = os.environ.get("TEAM_BENCH_LOGS")
    if not folder:
        return subprocess.DEVNULL
    return open(Path(folder) / f"{name}.log", "a", encoding="utf-8")


class Member:
    def __init__(self, name: str, config: Path, env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.team", "--member", name, "--config", str(config)],
            cwd=h.REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=_log_file(name),
            text=True,
            bufsize=1,
        )
        os.set_blocking(self.process.stdout.fileno(), False)  # type: ignore[union-attr]
        self.requests = 0
        self.roles: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []
        self._buffer = ""

    def read(self) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(BlockingIOError, TypeError):
            self._buffer += self.process.stdout.read() or ""
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            with contextlib.suppress(ValueError):
                document = json.loads(line)
                if "requests" in document:
                    self.requests = document["requests"]
                    self.roles = document["roles"]
                else:
                    self.events.append(document)

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()

    def stop(self) -> None:
        self.send("quit")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def pump(members: list[Member], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        streams = [
            m.process.stdout
            for m in members
            if m.process.poll() is None and m.process.stdout is not None
        ]
        if streams:
            select.select(streams, [], [], 0.1)
        for member in members:
            member.read()


def wait(members: list[Member], check: Any, limit: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        pump(members, 0.05)
        if check():
            return time.monotonic() - start
    return None


def settled(members: list[Member], sources: set[str]) -> bool:
    """Every backend has exactly one poller among the cockpits alive, and no cockpit is
    still deciding (``""``) or polling alone."""
    alive = [m for m in members if m.process.poll() is None]
    if not sources or any(set(m.roles.values()) - {"leading", "following"} for m in alive):
        return False
    return all(sum(m.roles.get(s) == "leading" for m in alive) == 1 for s in sources)


def team_of(count: int, world: h.World, env: dict[str, str]) -> list[Member]:
    return [
        Member(
            f"cockpit-{i:02d}",
            world.config,
            {**env, "RELEASE_COCKPIT_IDENTITY": f"cockpit-{i:02d}"},
        )
        for i in range(count)
    ]


def measure_count(count: int, world: h.World, env: dict[str, str], window: float) -> dict[str, Any]:
    members = team_of(count, world, env)
    try:
        sources = set()
        ready = wait(members, lambda: bool(members[0].roles), 120)
        if ready is None:
            raise SystemExit(f"{count} cockpits did not start")
        sources = set(members[0].roles)
        if wait(members, lambda: settled(members, sources), 120) is None:
            roles = {m.name: m.roles for m in members}
            raise SystemExit(f"{count} cockpits did not settle on one poller per backend: {roles}")
        pump(members, 5)  # past the first polls (runs, change sets, backfills)
        before = sum(m.requests for m in members)
        pump(members, window)
        after = sum(m.requests for m in members)
        return {"requests_per_minute": round((after - before) * 60 / window, 1)}
    finally:
        for member in members:
            member.stop()


def takeover(
    world: h.World, env: dict[str, str], count: int, intervals: dict[str, float]
) -> dict[str, Any]:
    members = team_of(count, world, env)
    try:
        wait(members, lambda: bool(members[0].roles), 120)
        sources = set(members[0].roles)
        wait(members, lambda: settled(members, sources), 120)
        pump(members, 3)
        poller = max(members, key=lambda m: sum(r == "leading" for r in m.roles.values()))
        held = {s for s, r in poller.roles.items() if r == "leading"}
        killed_at = time.monotonic()
        poller.process.send_signal(signal.SIGKILL)
        poller.process.wait()
        rest = [m for m in members if m is not poller]
        taken: dict[str, float] = {}
        while time.monotonic() - killed_at < 60 and len(taken) < len(held):
            pump(rest, 0.05)
            for source in held - set(taken):
                if any(m.roles.get(source) == "leading" for m in rest):
                    taken[source] = round(time.monotonic() - killed_at, 2)
        in_intervals = {s: round(t / intervals.get(s, 1.0), 2) for s, t in taken.items()}
        return {
            "killed": poller.name,
            "backends": len(held),
            "seconds": taken,
            "intervals": in_intervals,
            "max_intervals": max(in_intervals.values()) if in_intervals else None,
            "all_taken": len(taken) == len(held),
        }
    finally:
        for member in members:
            member.stop()


def promote_race(
    world: h.World, env: dict[str, str], count: int, url: str, password: str
) -> dict[str, Any]:
    members = team_of(count, world, env)
    try:
        wait(members, lambda: bool(members[0].roles), 120)
        sources = set(members[0].roles)
        wait(members, lambda: settled(members, sources), 120)
        pump(members, 3)  # every board has the release waiting for its promotion
        at = time.monotonic() + 2.0
        for member in members:
            member.send(f"promote {at}")
        wait(members, lambda: all(m.events for m in members), 60)
        results = [m.events[0] for m in members if m.events]
    finally:
        for member in members:
            member.stop()
    import psycopg

    with psycopg.connect(url, password=password) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM audit_records WHERE release_key = %s AND kind != 'finished'"
            " AND action = 'promote'",
            (RACE_KEY,),
        ).fetchone()
    sent = [r for r in results if r.get("promote") == "sent"]
    refused = [r for r in results if r.get("promote") == "refused"]
    holder_named = [r for r in refused if " is promoting " in r.get("text", "")]
    return {
        "attempts": len(results),
        "sent": len(sent),
        "refused": len(refused),
        "refused_naming_holder": len(holder_named),
        "audit_records": int(rows[0]) if rows else 0,
        "example_refusal": holder_named[0]["text"] if holder_named else None,
        "other": [r for r in results if r.get("promote") not in ("sent", "refused")][:3],
    }


def intervals_of(config: Path) -> dict[str, float]:
    import tomllib

    from release_cockpit.domain.formatting import parse_duration

    document = tomllib.loads(config.read_text(encoding="utf-8"))
    found = {
        name: parse_duration(backend.get("interval", "3s")).total_seconds()
        for name, backend in document["backends"].items()
    }
    found["checklist"] = 10.0
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--counts", default="1,5,20")
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured per count")
    parser.add_argument("--member", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--config", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.member:
        asyncio.run(_member(args.member, Path(args.config)))
        return
    sys.path.insert(0, str(h.REPO))
    from tests.support.postgres_server import PASSWORD, running_postgres

    counts = [int(n) for n in args.counts.split(",") if n]
    figures: dict[str, Any] = {"requests_per_minute": {}}
    with running_postgres() as server, h.world(7) as world:
        base = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
        env = {**base, PASSWORD_ENV: PASSWORD, "PGPASSWORD": PASSWORD}
        for count in counts:
            database = server.create_database("bench")
            env["RELEASE_COCKPIT_DB"] = server.url(database)
            found = measure_count(count, world, env, args.window)
            figures["requests_per_minute"][str(count)] = found["requests_per_minute"]
        one = figures["requests_per_minute"].get("1")
        most = figures["requests_per_minute"].get(str(max(counts)))
        figures["team_vs_one"] = round(most / one, 3) if one and most else None
        env["RELEASE_COCKPIT_DB"] = server.url(server.create_database("bench"))
        figures["takeover"] = takeover(world, env, 5, intervals_of(world.config))
    # A frozen world: the rollout waits at its step however long twenty cockpits take to
    # start (a promote still moves it).
    with running_postgres() as server, h.world(7, extra=["--freeze"]) as world:
        url = server.url(server.create_database("bench"))
        env["RELEASE_COCKPIT_DB"] = url
        figures["promote_race"] = promote_race(world, env, 20, url, PASSWORD)
    figures["targets"] = {
        "team_vs_one": "within 1.10",
        "takeover_max_intervals": "< 2",
        "promote_race": "1 sent, 19 refused naming the holder, 20 audit records",
    }
    h.emit(figures)


if __name__ == "__main__":
    main()
