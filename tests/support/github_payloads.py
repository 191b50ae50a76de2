"""GitHub payloads for tests: recorded fixtures re-labelled with the runs, deployments and
statuses a test needs (ids, refs, states, times)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from tests.support.adapters import load


def run_payload(*branches: str) -> dict:
    """Recorded runs (2022 shape) re-labelled with release tags, newest first."""
    base = load("github/actions-workflow-runs-page1-link.json")["workflow_runs"][0]
    runs = []
    for index, branch in enumerate(branches):
        run = copy.deepcopy(base)
        run["id"] = 1000 - index
        run["run_number"] = 100 - index
        run["head_branch"] = branch
        runs.append(run)
    return {"total_count": len(runs), "workflow_runs": runs}


SHA_A = "a" * 40
SHA_B = "b" * 40


def t(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 20, hour, minute, tzinfo=UTC)


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def status_payload(*states: tuple[str, datetime]) -> list[dict]:
    """Recorded statuses re-labelled with states and times, newest first like GitHub."""
    base = load("github/deployment-statuses-list-queued.json")[0]
    items = []
    for index, (state, when) in enumerate(states):
        item = copy.deepcopy(base)
        item["id"] = 1000 + index
        item["state"] = state
        item["created_at"] = item["updated_at"] = iso(when)
        items.append(item)
    return list(reversed(items))


def deployment_payload(ident: int, sha: str, created: datetime, env="production") -> dict:
    item = copy.deepcopy(load("github/deployments-list.json")[1])
    item.update(id=ident, sha=sha, ref=sha, environment=env, created_at=iso(created))
    return item
