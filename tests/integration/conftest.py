"""Real servers for the integration tier, one of each for this package's tests.

- ``exporter``: the in-process metrics exporter (``tests/support/exporter.py``);
- ``prometheus``: Debian's ``prometheus`` scraping it every second;
- ``alertmanager``: Debian's ``prometheus-alertmanager``, cluster mode off;
- ``loki``: Grafana Loki, single process, filesystem storage (when a binary exists: see
  ``tests/support/loki_server.py`` for why it usually does not);
- ``buildbot``: a Buildbot master with a local worker (``tests/support/buildbot_master.py``), and
  ``pipeline_build``: one finished build of its pipeline for version 2.4.0.

All listen on 127.0.0.1 on ports picked at start, keep their data under pytest's temp
dir, and are stopped by pid once the last test here has run (package scope, so they do
not load the machine while the rest of the suite runs). A missing server skips its tests
locally and fails them under CI (``servers.unavailable``).

Under pytest-xdist every test that uses these servers carries the ``integration-servers``
xdist group, and the suite runs with ``--dist loadgroup``: one worker runs them all, so
each server starts once rather than once per worker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest

from release_cockpit.domain import CIRun
from tests.support.buildbot_master import (
    BUILDER,
    SCHEDULER,
    UNTAGGED,
    UNTAGGED_SCHEDULER,
    start_master,
)
from tests.support.exporter import Exporter
from tests.support.integration import (
    BUILD_VERSION,
    Running,
    buildbot_adapter,
    finished_build,
    finished_untagged_build,
    start_alertmanager,
    start_prometheus,
)
from tests.support.loki_server import find_loki, loki_config
from tests.support.servers import Server, free_port, wait_until


@pytest.fixture(scope="package")
def exporter() -> Iterator[Exporter]:
    served = Exporter()
    yield served
    served.close()


@pytest.fixture(scope="package")
def prometheus(tmp_path_factory, exporter) -> Iterator[Running]:
    running = start_prometheus(tmp_path_factory.mktemp("prometheus"), exporter.target)
    try:
        # rate() needs two scrapes of every series before the tests can read true values.
        wait_until(
            lambda: _prometheus_has_rates(running.url),
            "Prometheus to have scraped the exporter twice",
        )
        yield running
    finally:
        running.server.stop()


@pytest.fixture
def own_prometheus(tmp_path, exporter) -> Iterator[Running]:
    """A Prometheus of this test's own, which it may freeze (SIGSTOP) or stop."""
    running = start_prometheus(tmp_path / "prometheus", exporter.target)
    try:
        yield running
    finally:
        running.server.resume()
        running.server.stop()


def _prometheus_has_rates(url: str) -> bool:
    query = 'count(rate(http_requests_total{service="checkout"}[10s]) > 0)'
    try:
        body = httpx.post(f"{url}/api/v1/query", data={"query": query}, timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return False
    result = body.get("data", {}).get("result", [])
    return bool(result) and float(result[0]["value"][1]) >= 4


@pytest.fixture(scope="package")
def alertmanager(tmp_path_factory) -> Iterator[Running]:
    running = start_alertmanager(tmp_path_factory.mktemp("alertmanager"))
    try:
        yield running
    finally:
        running.server.stop()


@pytest.fixture
def own_alertmanager(tmp_path) -> Iterator[Running]:
    """An Alertmanager of this test's own, which it may stop mid-run."""
    running = start_alertmanager(tmp_path / "alertmanager")
    try:
        yield running
    finally:
        running.server.stop()


@pytest.fixture(scope="package")
def loki(tmp_path_factory) -> Iterator[Running]:
    binary = find_loki()
    home = tmp_path_factory.mktemp("loki")
    port, grpc = free_port(), free_port()
    (home / "loki.yaml").write_text(loki_config(home, port, grpc), encoding="utf-8")
    server = Server(
        "loki", [binary, f"-config.file={home / 'loki.yaml'}", "-target=all"], cwd=home
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(f"{url}/ready", timeout=90)
        yield Running(url, server)
    finally:
        server.stop()


@pytest.fixture(scope="package")
def buildbot(tmp_path_factory) -> Iterator[Running]:
    server, url = start_master(tmp_path_factory.mktemp("buildbot"))
    try:
        yield Running(url, server)
    finally:
        server.stop()


@pytest.fixture(scope="package")
def pipeline_build(buildbot) -> CIRun:
    """One finished pipeline build for version 2.4.0, forced through the adapter."""

    async def force_and_wait() -> CIRun:
        adapter = buildbot_adapter(buildbot.url)
        try:
            await adapter.force(
                SCHEDULER,
                BUILDER,
                reason=f"release {BUILD_VERSION}",
                fields={
                    "version": BUILD_VERSION,
                    "branch": f"release/{BUILD_VERSION}",
                    "revision": "9f1c2e7a4b",
                },
            )
            return await finished_build(adapter, BUILD_VERSION)
        finally:
            await adapter.aclose()

    return asyncio.run(force_and_wait())


@pytest.fixture(scope="package")
def untagged_build(buildbot) -> CIRun:
    """One finished build of the ``untagged`` builder: on ``main``, no version property."""

    async def force_and_wait() -> CIRun:
        adapter = buildbot_adapter(buildbot.url)
        try:
            await adapter.force(
                UNTAGGED_SCHEDULER,
                UNTAGGED,
                reason="nightly",
                fields={"branch": "main", "revision": "5e2b7c1d9a"},
            )
            return await finished_untagged_build(adapter, UNTAGGED)
        finally:
            await adapter.aclose()

    return asyncio.run(force_and_wait())


@pytest.fixture
def unique() -> str:
    """A suffix that keeps one test's alerts and services apart from the others'."""
    return uuid.uuid4().hex[:8]
