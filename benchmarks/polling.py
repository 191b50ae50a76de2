"""Requests per poll cycle and poll-cycle wall time for N = 10, 50, 200, 500 releases.

The simulated world runs in its own process; this process runs the real engine and
adapters against it, with an httpx transport that counts requests per backend. One cycle
is ``Engine.poll_once()`` (every source polled once). The first cycle also backfills
sparklines and fetches change sets, so the figure is the median of the cycles after it
(``steady``), each started ``--gap`` seconds after the previous one ended, like the poll
loops would; the first cycle is reported separately. ``cycle_cockpit_cpu_seconds`` is the
CPU this process spent in a cycle: the cockpit's share, the rest of the wall time being
the simulated world answering (its GitHub GraphQL runs in Python, in graphql-core).

``--ci`` builds every line on GitHub Actions (the default), GitLab CI or Jenkins, and
each CI backend's requests are split by kind: ``graphql`` (GitHub's and GitLab's batched
queries), ``tree`` (Jenkins' one ``/api/json``), ``wfapi`` (Jenkins' Pipeline stages:
running builds only) and ``rest`` (everything else: workflow ids, details, compare).
``ci_requests_per_cycle`` is the CI backend's own count, the figure the "requests per
cycle, 500 releases on GitHub" target is about; the other backends (deploy, metrics,
alerts) send the same few requests whatever the CI system. Tokens are resolved as the
cockpit does (the demo config names the world's own GitHub token: GraphQL needs one).

Usage::

    python -m benchmarks.polling [--sizes 10,50,200,500] [--cycles 5] [--gap 3]
    python -m benchmarks.polling --sizes 50 --ci gitlab,jenkins
    python -m benchmarks.polling --sizes 50,500 --ci github,github-rest
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import tomli_w

from benchmarks import _harness as h
from release_cockpit.adapters.base import Adapter
from release_cockpit.adapters.registry import adapter_kinds, create
from release_cockpit.config import load_config
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import settings_for

TARGET_REQUESTS = 20
TARGET_SECONDS = 1.0


def kind_of(request: httpx.Request) -> str:
    """What a CI request is for: graphql, tree, wfapi or rest."""
    path = request.url.path
    if path.endswith("/graphql"):
        return "graphql"
    if "/wfapi/" in path:
        return "wfapi"
    if path.endswith("/api/json") and "jobs[" in request.url.params.get("tree", ""):
        return "tree"
    return "rest"


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts every request a backend's client sends (retries included), and by kind."""

    def __init__(self, counts: Counter[str], backend: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counts = counts
        self.backend = backend

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[self.backend] += 1
        self.counts[f"{self.backend}:{kind_of(request)}"] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def cycles(world: h.World, count: int, gap: float) -> list[dict[str, Any]]:
    config = load_config(world.config, kinds=adapter_kinds())
    counts: Counter[str] = Counter()
    adapters: dict[str, Adapter] = {
        name: create(
            settings_for(config, name, os.environ), transport=CountingTransport(counts, name)
        )
        for name in config.backends
    }
    engine = Engine(config, adapters)
    results = []
    try:
        for index in range(count):
            if index:
                await asyncio.sleep(gap)
            counts.clear()
            started, cpu = time.perf_counter(), time.process_time()
            await engine.poll_once()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            total = sum(n for name, n in counts.items() if ":" not in name)
            results.append({"requests": total, "seconds": seconds, "cpu": cpu, **counts})
    finally:
        await engine.stop()
    return results


def rest_only(config: Path) -> None:
    """Turn GitHub's GraphQL off in a world's config (``graphql = false``): the REST
    reference, one runs list per repository, measured in the same run."""
    document = tomllib.loads(config.read_text(encoding="utf-8"))
    document["backends"]["github"]["graphql"] = False
    config.write_text(tomli_w.dumps(document), encoding="utf-8")


def measure(sizes: list[int], count: int, gap: float, ci: str = "github") -> dict[str, Any]:
    """Figures per size for lines built on ``ci``: github, github-rest (GitHub without
    GraphQL), gitlab or jenkins."""
    figures: dict[str, Any] = {}
    family = None if ci.startswith("github") else ci
    backend = "github" if family is None else ci
    for releases in sizes:
        with h.world(releases, ci=family) as world:
            if ci == "github-rest":
                rest_only(world.config)
            found = asyncio.run(cycles(world, count, gap))
        first, steady = found[0], found[1:] or found
        keys = {k for cycle in found for k in cycle if k not in ("requests", "seconds", "cpu")}
        backends = sorted(k for k in keys if ":" not in k)
        figures[str(releases)] = {
            "requests_per_cycle": h.median([c["requests"] for c in steady]),
            "ci_requests_per_cycle": h.median([c.get(backend, 0) for c in steady]),
            "cycle_seconds": h.median([c["seconds"] for c in steady]),
            # The cockpit's own share (this process); the rest is the world answering.
            "cycle_cockpit_cpu_seconds": h.median([c["cpu"] for c in steady]),
            "by_backend": {b: h.median([c.get(b, 0) for c in steady]) for b in backends},
            "ci_by_kind": {
                k.split(":", 1)[1]: h.median([c.get(k, 0) for c in steady])
                for k in sorted(keys)
                if k.startswith(f"{backend}:")
            },
            "first_cycle_requests": first["requests"],
            "first_cycle_ci_by_kind": {
                k.split(":", 1)[1]: first.get(k, 0)
                for k in sorted(keys)
                if k.startswith(f"{backend}:")
            },
            "first_cycle_seconds": round(first["seconds"], 3),
        }
    return {
        "sizes": figures,
        "target_requests_per_cycle_500": TARGET_REQUESTS,
        "target_cycle_seconds_500": TARGET_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="10,50,200,500")
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between cycles")
    parser.add_argument(
        "--ci",
        default="github",
        help="CI systems to build the lines on: github, github-rest (GraphQL off: the REST "
        "reference), gitlab, jenkins",
    )
    args = parser.parse_args()
    os.environ.pop("GITHUB_TOKEN", None)
    sizes = [int(n) for n in args.sizes.split(",") if n]
    systems = [s.strip() for s in args.ci.split(",") if s.strip()]
    if systems == ["github"]:
        h.emit({"benchmark": "polling", **measure(sizes, args.cycles, args.gap)})
        return
    h.emit(
        {
            "benchmark": "polling",
            "ci": {ci: measure(sizes, args.cycles, args.gap, ci) for ci in systems},
        }
    )


if __name__ == "__main__":
    main()
