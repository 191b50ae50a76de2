"""DemoServer lifecycle, loopback-only binding, silence on the terminal, and speed at scale."""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import threading
import time

import httpx
import pytest

from release_cockpit_demo import DemoServer
from tests.support.demo_clock import START


def test_start_returns_a_loopback_url_and_stop_frees_the_port():
    server = DemoServer(clock=lambda: START)
    url = server.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert server.url == url
    assert server.start() == url  # a second start is harmless
    with httpx.Client(base_url=url) as client:
        assert client.get("/prometheus/-/ready").status_code == 200
    port = int(url.rsplit(":", 1)[1])
    server.stop()
    server.stop()
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=1),
    ):
        pass


def test_context_manager_serves_and_stops():
    with DemoServer(clock=lambda: START) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/alertmanager/api/v2/status").status_code == 200
    with pytest.raises(RuntimeError, match="start"):
        _ = server.url


def test_stop_closes_idle_keep_alive_connections():
    server = DemoServer(clock=lambda: START)
    server.start()
    client = httpx.Client(base_url=server.url)
    try:
        assert client.get("/k8s/version").status_code == 200  # the connection stays pooled
        started = time.perf_counter()
        server.stop()
        assert time.perf_counter() - started < 2
    finally:
        client.close()


def test_wait_blocks_until_another_thread_stops_the_server():
    server = DemoServer(clock=lambda: START)
    server.start()
    assert server.wait(timeout=0.05) is False
    stopper = threading.Timer(0.1, server.stop)
    stopper.start()
    assert server.wait() is True
    stopper.join()
    assert server.wait() is True  # stopped: returns at once


def test_serve_forever_runs_in_the_calling_thread_until_stopped():
    server = DemoServer(clock=lambda: START)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while True:
        try:
            url = server.url
            break
        except RuntimeError:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    with httpx.Client(base_url=url) as client:
        assert client.get("/prometheus/-/healthy").status_code == 200
    server.stop()
    worker.join(timeout=5)
    assert not worker.is_alive()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_only_loopback_addresses_are_accepted(host: str):
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(host=host)


def test_unknown_prefix_is_404(client: httpx.Client):
    assert client.get("/bitbucket/2.0/repositories").status_code == 404
    assert client.get("/gitlab/api/v4/projects/acme%2Fcheckout").status_code == 404
    assert client.get("/").json() == {
        "backends": [
            "/alertmanager",
            "/argocd",
            "/datadog",
            "/flagd",
            "/github",
            "/gitlab",
            "/jenkins",
            "/k8s",
            "/loadtester",
            "/prometheus",
            "/unleash",
        ]
    }


def test_nothing_is_written_to_the_terminal(capfd: pytest.CaptureFixture[str]):
    with DemoServer(clock=lambda: START) as server, httpx.Client(base_url=server.url) as client:
        client.get("/github/repos/acme/checkout/actions/runs")
        client.get("/nowhere")
        client.post("/prometheus/api/v1/query", data={"query": "up"})
        client.patch("/k8s/apis/argoproj.io/v1alpha1/namespaces/x/rollouts/y", content=b"{")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_a_200_release_world_answers_list_calls_quickly():
    with (
        DemoServer(200, clock=lambda: START) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        path = "/k8s/apis/argoproj.io/v1alpha1/namespaces/prod-a/rollouts"
        assert len(client.get(path).json()["items"]) == 67
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        assert statistics.median(timings) < 0.1
        alerts = client.get("/alertmanager/api/v2/alerts")
        assert alerts.elapsed.total_seconds() < 0.1


def test_the_demo_package_loads_neither_textual_nor_httpx():
    code = (
        "import sys, release_cockpit_demo, release_cockpit_demo.server; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
