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
from tests.support.buildbot_master import BUILDER, SCHEDULER, start_master
from tests.support.exporter import Exporter
from tests.support.integration import BUILD_VERSION, Running, buildbot_adapter, finished_build
from tests.support.loki_server import find_loki, loki_config
from tests.support.servers import Server, find_binary, free_port, wait_until


@pytest.fixture(scope="package")
def exporter() -> Iterator[Exporter]:
    served = Exporter()
    yield served
    served.close()


@pytest.fixture(scope="package")
def prometheus(tmp_path_factory, exporter) -> Iterator[Running]:
    binary = find_binary(["prometheus"], "sudo apt-get install prometheus")
    home = tmp_path_factory.mktemp("prometheus")
    (home / "prometheus.yml").write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: exporter\n"
        "    static_configs:\n"
        f"      - targets: ['{exporter.target}']\n",
        encoding="utf-8",
    )
    port = free_port()
    server = Server(
        "prometheus",
        [
            binary,
            f"--config.file={home / 'prometheus.yml'}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        cwd=home,
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(f"{url}/-/ready")
        # rate() needs two scrapes of every series before the tests can read true values.
        wait_until(
            lambda: _prometheus_has_rates(url),
            "Prometheus to have scraped the exporter twice",
        )
        yield Running(url, server)
    finally:
        server.stop()


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
    binary = find_binary(
        ["prometheus-alertmanager", "alertmanager"], "sudo apt-get install prometheus-alertmanager"
    )
    home = tmp_path_factory.mktemp("alertmanager")
    (home / "alertmanager.yml").write_text(
        "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n", encoding="utf-8"
    )
    port = free_port()
    server = Server(
        "alertmanager",
        [
            binary,
            f"--config.file={home / 'alertmanager.yml'}",
            f"--storage.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            # An empty address turns clustering off: no gossip port, no settling wait.
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        cwd=home,
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_ready(f"{url}/-/ready")
        yield Running(url, server)
    finally:
        server.stop()


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


@pytest.fixture
def unique() -> str:
    """A suffix that keeps one test's alerts and services apart from the others'."""
    return uuid.uuid4().hex[:8]
