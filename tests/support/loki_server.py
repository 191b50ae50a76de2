"""A real Grafana Loki for the integration tier: finding it, its config, pushing log lines.

**Where Loki comes from.** No registry this project's machines reach ships Grafana Loki:
Debian's package named ``loki`` is an unrelated program (MCMC linkage analysis on
pedigrees, ``apt-cache show loki``), Debian has no ``grafana-loki``/``promtail``, and the
PyPI and npm packages named after Loki are logging handlers, query clients or Docker
Compose wrappers that download images. So the Loki tests look for a Grafana Loki binary
(``$LOKI_BINARY``, else ``loki`` on PATH that says ``loki, version`` when asked) and skip
with that reason when there is none, also under CI, unless CI says it installed one
(``RELEASE_COCKPIT_EXPECT_LOKI=1``, which ``.ci/run`` sets only when it finds a real
Loki): a server that cannot be installed is not a broken CI setup, but a Loki that was
installed and then not found is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

EXPECT_ENV = "RELEASE_COCKPIT_EXPECT_LOKI"
BINARY_ENV = "LOKI_BINARY"
NOT_PACKAGED = (
    "Grafana Loki is not installable from the registries this project reaches: Debian's "
    "'loki' package is an unrelated program (MCMC linkage analysis, `apt-cache show loki`), "
    "Debian has no grafana-loki or promtail package, and no PyPI or npm package ships the "
    "Loki server binary. Point LOKI_BINARY at a Grafana Loki binary (or put one named "
    "'loki' on PATH) to run this test"
)


def expected() -> bool:
    return os.environ.get(EXPECT_ENV, "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip; fail instead when CI declared that it installed Loki."""
    if expected():
        pytest.fail(f"{reason} ({EXPECT_ENV} is set: CI installed Loki)", pytrace=False)
    pytest.skip(reason)


def is_grafana_loki(binary: str) -> bool:
    """True when ``binary -version`` prints Grafana Loki's banner (``loki, version 3...``).

    Debian's ``loki`` (a biology program) does not; its output never says that.
    """
    try:
        done = subprocess.run(
            [binary, "-version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"loki, version" in done.stdout + done.stderr


def find_loki() -> str:
    """The Grafana Loki binary, or a skip (a fail when CI expects one) saying why not."""
    named = os.environ.get(BINARY_ENV, "").strip()
    if named:
        if is_grafana_loki(named):
            return named
        missing(f"{BINARY_ENV}={named} is not a Grafana Loki binary (no 'loki, version')")
    found = shutil.which("loki")
    if found and is_grafana_loki(found):
        return found
    missing(NOT_PACKAGED)


def loki_config(home: Path, http_port: int, grpc_port: int) -> str:
    """A single-process Loki with everything on local disk and loopback, no telemetry.

    After Loki's own "local" example (https://grafana.com/docs/loki/latest/configure/examples/
    configuration-examples/): filesystem storage, an in-memory ring, one replica; old
    samples are accepted so a test may push lines from the last minutes.
    """
    return f"""auth_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: {http_port}
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: {grpc_port}
  log_level: warn
common:
  instance_addr: 127.0.0.1
  path_prefix: {home}
  storage:
    filesystem:
      chunks_directory: {home}/chunks
      rules_directory: {home}/rules
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
schema_config:
  configs:
    - from: 2020-10-24
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
limits_config:
  reject_old_samples: false
analytics:
  reporting_enabled: false
"""


def push(url: str, labels: dict[str, str], lines: list[str], spread: float = 60.0) -> None:
    """``POST /loki/api/v1/push`` one stream: ``lines`` spread over the last ``spread`` s.

    Wire format: https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs
    (values are ``[<unix epoch in nanoseconds as a string>, <line>]``, oldest first).
    """
    now = time.time_ns()
    step = int(spread * 1e9 / max(len(lines), 1))
    values = [[str(now - (len(lines) - i) * step), line] for i, line in enumerate(lines)]
    body = {"streams": [{"stream": labels, "values": values}]}
    response = httpx.post(
        f"{url}/loki/api/v1/push",
        content=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 204, f"push failed: {response.status_code} {response.text}"
