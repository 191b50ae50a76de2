"""Hostile backend strings, and a loopback world whose backends answer with them.

Every string a backend controls (job and step names, run titles, commit authors, alert
labels and annotations, rollout messages, URLs, error bodies) carries Rich markup, ANSI
CSI and OSC sequences, C0/C1 controls, bidi overrides, or is very long.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from tests.support import fault_backends
from tests.support.fault_server import Fault, FaultServer

MARKUP = "[bold red]PWNED[/] [link=https://evil.example]click[/link]"
CSI = "\x1b[31mRED\x1b[0m\x1b[2J\x1b[H\x1b[5A"
OSC = "\x1b]0;owned-title\x07\x1b]8;;https://evil.example\x1b\\osc-link\x1b]8;;\x1b\\"
CONTROLS = "bel\x07 nul\x00 bs\x08 cr\x0d ff\x0c del\x7f c1-csi\x9b31m c1-osc\x9d0;t\x9c nel\x85"
BIDI = "\u202eevil\u202c \u2066iso\u2069 \u202aemb\u202b\u202c\u202d"
HOSTILE = f"{MARKUP} {CSI} {OSC} {CONTROLS} {BIDI}"
"""One string with every trick; the visible words survive, the tricks must not."""
LONG = "LONG " + "x" * 3000 + " " + "表" * 1500 + " end"
"""A very long line, with double-width characters."""
HOSTILE_URL = f"https://evil.example/{MARKUP}{CSI}"

ESCAPES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters that must never reach a terminal from backend text."""
SGR = re.compile(r"\x1b\[[0-9;]*m")
"""Rich's own colour codes, the only escape sequences our output may hold."""


def _github() -> fault_backends.HappyBackend:
    runs = copy.deepcopy(fault_backends.GITHUB_RUNS)
    for run in runs["workflow_runs"]:
        run["name"] = f"release {HOSTILE}"
        run["display_title"] = f"{HOSTILE} {LONG}"
        run["html_url"] = HOSTILE_URL
        run["actor"] = {"login": f"mallory {HOSTILE}"}
    jobs = copy.deepcopy(fault_backends.GITHUB_JOBS)
    for job in jobs["jobs"]:
        job["name"] = f"{job['name']} {HOSTILE}"
        job["html_url"] = HOSTILE_URL
        job["conclusion"] = "failure" if job["name"].startswith("test") else "success"
        for step in job["steps"]:
            step["name"] = f"step {HOSTILE} {LONG}"
            step["conclusion"] = job["conclusion"]
    compare = copy.deepcopy(fault_backends.GITHUB_COMPARE)
    for commit in compare["commits"]:
        commit["commit"]["message"] = f"{HOSTILE}\n\n{LONG}"
        commit["author"] = {"login": f"eve {HOSTILE}"}
    compare["html_url"] = HOSTILE_URL
    return fault_backends.replace_payloads(
        fault_backends.GITHUB,
        {
            "/repos/o/r/actions/runs": runs,
            "/repos/o/r/actions/runs/1/jobs": jobs,
            "/repos/o/r/compare/v1...v2": compare,
        },
    )


def _alertmanager() -> fault_backends.HappyBackend:
    alert = {
        "labels": {
            "alertname": f"Burning {HOSTILE}",
            "service": "checkout",
            "severity": "critical",
            f"label {HOSTILE}": f"value {HOSTILE}",
        },
        "annotations": {
            "summary": f"{HOSTILE} {LONG}",
            "description": f"desc {HOSTILE}",
            "runbook_url": HOSTILE_URL,
        },
        "startsAt": "2026-11-27T11:00:00Z",
        "fingerprint": "f00d",
        "generatorURL": HOSTILE_URL,
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }
    return fault_backends.replace_payloads(fault_backends.ALERTMANAGER, {"/api/v2/alerts": [alert]})


def _argo() -> fault_backends.HappyBackend:
    rollouts = copy.deepcopy(fault_backends.ROLLOUT_LIST)
    status = rollouts["items"][0]["status"]
    status["phase"] = "Degraded"
    status["message"] = f"RolloutAborted: {HOSTILE} {LONG}"
    status["abort"] = True
    return fault_backends.replace_payloads(
        fault_backends.ARGO_ROLLOUTS,
        {"/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts": rollouts},
    )


def _prometheus() -> fault_backends.HappyBackend:
    def instant(request: Any) -> dict[str, Any]:
        answer = fault_backends._instant(request)
        answer["data"]["result"][0]["metric"] = {f"pod {HOSTILE}": HOSTILE}
        answer["warnings"] = [f"warning {HOSTILE}"]
        return answer

    return fault_backends.replace_payloads(fault_backends.PROMETHEUS, {"/api/v1/query": instant})


BROKEN = Fault(
    "hostile-error",
    status=500,
    body=json.dumps({"status": "error", "errorType": "execution", "error": HOSTILE}).encode(),
)


@dataclass(frozen=True, slots=True)
class HostileWorld:
    config: dict[str, Any]
    servers: dict[str, FaultServer]

    def write(self, directory: Path) -> Path:
        path = directory / "hostile.toml"
        path.write_text(tomli_w.dumps(self.config), encoding="utf-8")
        return path


@contextmanager
def hostile_world() -> Iterator[HostileWorld]:
    """Four hostile backends plus a Prometheus whose errors are hostile, on loopback."""
    entries = {
        "github": _github(),
        "prometheus": _prometheus(),
        "alertmanager": _alertmanager(),
        "cluster": _argo(),
        "broken": fault_backends.PROMETHEUS,
    }
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(FaultServer(entry.routes)) for name, entry in entries.items()
        }
        servers["broken"].set_fault(BROKEN)
        signal = {**fault_backends.PROMETHEUS.section}
        config = {
            "polling": {"timeout": "5s"},
            "backends": {
                name: {"type": entry.type, "url": servers[name].url}
                for name, entry in entries.items()
            },
            "services": {
                "checkout": {
                    "environment": "production",
                    "ci": {
                        "backend": "github",
                        **fault_backends.GITHUB.section,
                        "build": ["build*"],
                        "test": ["test*"],
                    },
                    "deploy": {"backend": "cluster", **fault_backends.ARGO_ROLLOUTS.section},
                    "signals": [
                        {"backend": "prometheus", **signal},
                        {"backend": "broken", **signal, "name": "latency"},
                    ],
                    "alerts": {"backend": "alertmanager", **fault_backends.ALERTMANAGER.section},
                }
            },
        }
        yield HostileWorld(config, servers)
