"""Text no backend should send, through the real adapters, engine, history and JSON.

A lone surrogate (``"\\ud800"``, a legal JSON escape) in one branch name or alert name
used to make SQLite's history write raise ``UnicodeEncodeError`` inside ``publish``: every
source read "LOADING never" for as long as the value was served. Text is now made valid
once, at the adapter boundary.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import VerdictLevel
from release_cockpit.domain.serialize import snapshot_document
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from tests.support.db import database_at, off_loop

CONFIG = """
[backends.github]
type = "github-actions"
url = "https://github.test"
[backends.alerts]
type = "alertmanager"
url = "https://alerts.test"
[services.checkout]
environment = "staging"
[services.checkout.ci]
backend = "github"
project = "acme/checkout"
[services.checkout.alerts]
backend = "alerts"
matchers = ['service="checkout"']
"""
LONE = "\ud800"


def _run() -> dict[str, Any]:
    return {
        "id": 7,
        "name": "release",
        "head_branch": "v2.8.0",
        "head_sha": "8f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2",
        "display_title": f"Release{LONE} 2.8.0 \udfff",
        "run_number": 7,
        "run_attempt": 1,
        "event": "push",
        "status": "completed",
        "conclusion": "failure",
        "created_at": "2026-11-27T11:40:00Z",
        "updated_at": "2026-11-27T11:50:00Z",
        "html_url": "https://github.test/acme/checkout/actions/runs/7",
        "actor": {"login": f"ali{LONE}ce"},
    }


def _job() -> dict[str, Any]:
    return {
        "id": 70,
        "name": f"test{LONE}",
        "status": "completed",
        "conclusion": "failure",
        "started_at": "2026-11-27T11:41:00Z",
        "completed_at": "2026-11-27T11:44:00Z",
        "html_url": "https://github.test/acme/checkout/actions/runs/7/job/70",
        "steps": [],
    }


def _alert() -> dict[str, Any]:
    return {
        "labels": {"alertname": f"High{LONE}Errors", "service": "checkout", "severity": "critical"},
        "annotations": {"summary": f"5xx {LONE} up"},
        "startsAt": "2026-11-27T11:45:00Z",
        "fingerprint": "abc",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/actions/runs"):
        body: Any = {"total_count": 1, "workflow_runs": [_run()]}
    elif path.endswith("/jobs"):
        body = {"total_count": 1, "jobs": [_job()]}
    elif path == "/api/v2/alerts":
        body = [_alert()]
    else:
        return httpx.Response(404, json={"message": "Not Found"})
    # json.dumps escapes the lone surrogates as \ud800, exactly as a backend would send them.
    return httpx.Response(200, content=json.dumps(body).encode("ascii"))


async def test_lone_surrogates_from_backends_never_stop_a_snapshot_or_the_history(tmp_path):
    config = parse_config(CONFIG, "hostile.toml", kinds=adapter_kinds())
    database = database_at(tmp_path / "cockpit.db")
    adapters = build_adapters(config, {}, transport=httpx.MockTransport(handler))
    engine = Engine(config, adapters, database=database)
    try:
        snapshot = await engine.poll_once()
        release = snapshot.release("checkout")
        assert release is not None
        assert release.version == "2.8.0"
        assert release.verdict.level is VerdictLevel.FAILING  # the failed run, and the alert
        assert release.triggered_by == "ali\ufffdce"
        assert release.alerts[0].name == "High\ufffdErrors"
        assert all(s.error == "" for s in snapshot.sources)
        text = json.dumps(snapshot_document(snapshot), ensure_ascii=False)
        text.encode("utf-8")  # would raise on a lone surrogate
        assert engine.recorder is not None
        assert await engine.recorder.flush()
        assert engine.recorder.status.working
        assert database.history is not None
        titles = [e.title for e in off_loop(database.history.events, "checkout", "2.8.0")]
        assert "Alert High\ufffdErrors firing (critical)" in titles
    finally:
        await engine.stop()
        database.close()
