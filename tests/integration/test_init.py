"""`release-cockpit init` against a real Prometheus and Alertmanager: it finds the
service label and the request counter, and the config it writes passes `check` and
measures the service on the first `status`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.exporter import SERVICE

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]


def cockpit(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    for name in ("RELEASE_COCKPIT_CONFIG", "RELEASE_COCKPIT_DB", "RELEASE_COCKPIT_LOG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_init_maps_what_prometheus_has_and_check_accepts_it(tmp_path, prometheus, alertmanager):
    config = tmp_path / "config.toml"
    made = cockpit(
        "init",
        "--service",
        SERVICE,
        "--prometheus",
        prometheus.url,
        "--alertmanager",
        alertmanager.url,
        "--output",
        str(config),
        home=tmp_path,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"Found values of the service label: {SERVICE}" in made.stdout
    assert "http_requests_total" in made.stdout
    assert f"Probing prometheus at {prometheus.url} ..." in made.stdout
    text = config.read_text(encoding="utf-8")
    assert "No http_requests_total" not in text
    assert "No series has service=" not in text

    checked = cockpit("check", "--config", str(config), home=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "every backend ok" in checked.stdout

    status = cockpit("status", "--json", "--config", str(config), home=tmp_path)
    assert status.returncode != 2, status.stderr
    (release,) = json.loads(status.stdout)["releases"]
    (signal,) = release["signals"]
    assert signal["name"] == "5xx ratio"
    assert signal["recent"][-1]["outcome"] == "successful", signal
    assert 0 < signal["value"] < 1
