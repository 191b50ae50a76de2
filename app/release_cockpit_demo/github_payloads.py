"""World state -> GitHub REST JSON: workflow runs, jobs, compare, deployments, rate limit.

Shapes follow GitHub's OpenAPI description (``workflow-run``, ``job``, ``commit-comparison``,
``deployment``, ``deployment-status``) and recordings of api.github.com (PyGithub's
tests/ReplayData).
API URLs inside the payloads point at the demo server (``api_base``); ``html_url`` values
look like github.com's.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

from release_cockpit_demo.ci_runs import JobTiming, Outcome, Run, StepTiming
from release_cockpit_demo.deployments import PastDeployment, PastStatus, past_deployments
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON, rfc3339
from release_cockpit_demo.scenarios import WORKFLOW_FILE, parse_version, tag

WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"

AUTHORS: tuple[tuple[str, str], ...] = (
    ("Maja Kowalski", "mkowalski"),
    ("Jordan Rivera", "jrivera"),
    ("Anika Patel", "apatel"),
    ("Lei Chen", "lchen"),
    ("Sade Okafor", "sokafor"),
    ("Duc Nguyen", "dnguyen"),
    ("Ines Moreau", "imoreau"),
    ("Tomas Lindqvist", "tlindqvist"),
)
MESSAGES: tuple[str, ...] = (
    "feat({service}): add idempotency keys to write endpoints",
    "fix({service}): retry upstream timeouts with jittered backoff",
    "chore(deps): bump grpcio from 1.66.1 to 1.67.0",
    "perf({service}): cache feature flags for 30s",
    "fix: handle empty carts in the price calculator",
    "refactor({service}): split the repository layer by aggregate",
    "feat({service}): expose /healthz/ready for the load balancer",
    "fix({service}): close DB connections on shutdown",
    "docs: document the release runbook",
    "test({service}): cover currency rounding edge cases",
    "feat: structured logging with request ids",
    "fix({service}): validate pagination cursors",
)
# Backend text is untrusted: this message carries Rich markup and an ANSI escape on purpose,
# so the cockpit's cleaning and escaping is exercised by the demo itself.
HOSTILE_MESSAGE = "fix: handle [bold]markup[/bold] in names \x1b[31m"


def user(login: str) -> JSON:
    user_id = zlib.crc32(login.encode()) % 90_000_000 + 1_000_000
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_kgDO{user_id:08d}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "html_url": f"{WEB}/{login}",
        "type": "User",
        "site_admin": False,
    }


def workflow_id(line: Line) -> int:
    return 60_000_000 + line.spec.index


def _repository(line: Line, api_base: str) -> JSON:
    repo = line.spec.repo
    return {
        "id": 700_000_000 + line.spec.index,
        "name": line.service,
        "full_name": repo,
        "private": True,
        "owner": {"login": "acme", "type": "Organization", "html_url": f"{WEB}/acme"},
        "html_url": f"{WEB}/{repo}",
        "url": f"{api_base}/repos/{repo}",
    }


def run_json(line: Line, run: Run, now: float, api_base: str) -> JSON:
    repo = line.spec.repo
    api = f"{api_base}/repos/{repo}/actions/runs/{run.id}"
    status, conclusion = run.status(now)
    attempt = run.attempt
    title = "Hotfix" if run.branch.startswith("hotfix/") else "Release"
    return {
        "id": run.id,
        "name": "release",
        "node_id": f"WFR_kwLO{run.id}",
        "head_branch": run.branch,
        "head_sha": run.sha,
        "path": f".github/workflows/{WORKFLOW_FILE}",
        "display_title": f"{title} {tag(run.version)}",
        "run_number": run.number,
        "event": "push",
        "status": status,
        "conclusion": conclusion,
        "workflow_id": workflow_id(line),
        "check_suite_id": run.id + 1_000_000_000,
        "url": api,
        "html_url": f"{WEB}/{repo}/actions/runs/{run.id}",
        "pull_requests": [],
        "created_at": rfc3339(run.created_at),
        "updated_at": rfc3339(run.updated_at(now)),
        "actor": user(run.actor),
        "run_attempt": attempt.number,
        "referenced_workflows": [],
        "run_started_at": rfc3339(attempt.started_at),
        "triggering_actor": user(attempt.actor),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": (
            f"{api}/attempts/{attempt.number - 1}" if attempt.number > 1 else None
        ),
        "workflow_url": f"{api_base}/repos/{repo}/actions/workflows/{workflow_id(line)}",
        "head_commit": {
            "id": run.sha,
            "tree_id": hashlib.sha1(run.sha.encode(), usedforsecurity=False).hexdigest(),
            "message": f"Release {tag(run.version)}",
            "timestamp": rfc3339(run.created_at - 120),
            "author": {"name": run.actor, "email": f"{run.actor}@acme.example"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": _repository(line, api_base),
        "head_repository": _repository(line, api_base),
    }


def visible_runs(line: Line, now: float) -> list[Run]:
    """Runs that exist at ``now``, newest first (GitHub's order for the runs list)."""
    runs = [run for run in line.runs if run.created_at <= now]
    return sorted(runs, key=lambda run: run.created_at, reverse=True)


def _step_json(step: StepTiming, now: float) -> JSON:
    started = step.started_at
    if started is None or now < started:
        done = step.outcome is Outcome.SKIPPED and now >= step.ends_at
        return {
            "name": step.name,
            "status": "completed" if done else "queued",
            "conclusion": "skipped" if done else None,
            "number": step.number,
            "started_at": rfc3339(step.ends_at) if done else None,
            "completed_at": rfc3339(step.ends_at) if done else None,
        }
    finished = now >= step.ends_at
    return {
        "name": step.name,
        "status": "completed" if finished else "in_progress",
        "conclusion": step.outcome.value if finished else None,
        "number": step.number,
        "started_at": rfc3339(started),
        "completed_at": rfc3339(step.ends_at) if finished else None,
    }


def job_json(line: Line, run: Run, job: JobTiming, now: float, api_base: str) -> JSON:
    repo = line.spec.repo
    skipped = job.outcome is Outcome.SKIPPED
    if now < job.started_at or (skipped and now < job.ends_at):
        status, conclusion, started, completed = "queued", None, job.created_at, None
    elif now < job.ends_at:
        status, conclusion, started, completed = "in_progress", None, job.started_at, None
    else:
        status, conclusion = "completed", job.outcome.value
        started, completed = job.started_at, job.ends_at
    running = status != "queued" and not skipped
    return {
        "id": job.job_id,
        "run_id": run.id,
        "workflow_name": "release",
        "head_branch": run.branch,
        "run_url": f"{api_base}/repos/{repo}/actions/runs/{run.id}",
        "run_attempt": job.attempt,
        "node_id": f"CR_kwDO{job.job_id}",
        "head_sha": run.sha,
        "url": f"{api_base}/repos/{repo}/actions/jobs/{job.job_id}",
        "html_url": f"{WEB}/{repo}/actions/runs/{run.id}/job/{job.job_id}",
        "status": status,
        "conclusion": conclusion,
        "created_at": rfc3339(job.created_at),
        "started_at": rfc3339(started),
        "completed_at": rfc3339(completed) if completed is not None else None,
        "name": job.plan.name,
        "steps": [_step_json(step, now) for step in job.steps] if running else [],
        "check_run_url": f"{api_base}/repos/{repo}/check-runs/{job.job_id}",
        "labels": ["ubuntu-latest"],
        "runner_id": (job.job_id % 50 + 1) if running else None,
        "runner_name": f"GitHub Actions {job.job_id % 50 + 1}" if running else None,
        "runner_group_id": 2 if running else None,
        "runner_group_name": "GitHub Actions" if running else None,
    }


def jobs_of(run: Run, latest: bool) -> Sequence[JobTiming]:
    return run.latest_jobs() if latest else run.all_jobs()


def _tag_version(ref: str) -> str | None:
    version = ref.removeprefix("v")
    try:
        parse_version(version)
    except ValueError:
        return None
    return version


def _ref_version(line: Line, ref: str, world_start: float) -> str | None:
    """A release tag (``v1.4.0``) or the sha of a commit the line deployed -> its version
    (the backfill compares deployed shas: https://docs.github.com/en/rest/commits/commits#compare-two-commits
    takes any commit-ish)."""
    version = _tag_version(ref)
    if version is not None:
        return version
    return next((d.version for d in past_deployments(line.spec, world_start) if d.sha == ref), None)


def _released_at(line: Line, version: str, world_start: float) -> float:
    """When ``version`` was first deployed (any environment), else the world's start: its
    commits are dated before that, so lead times from them are never negative."""
    times = [d.created_at for d in past_deployments(line.spec, world_start) if d.version == version]
    return min([*times, world_start])


def compare_json(
    line: Line, base: str, head: str, world_start: float, api_base: str
) -> JSON | None:
    """The comparison between two release tags or deployed shas, or None when one does
    not exist."""
    old, new = _ref_version(line, base, world_start), _ref_version(line, head, world_start)
    if old is None or new is None:
        return None
    repo = line.spec.repo
    seed = zlib.crc32(f"{repo}|{old}|{new}".encode())
    count = 3 + seed % 38
    order = (parse_version(new) > parse_version(old)) - (parse_version(new) < parse_version(old))
    ahead = count if order > 0 else 0
    anchor = _released_at(line, new, world_start)
    commits = [_commit(line, seed, i, count, anchor) for i in range(ahead)]
    return {
        "url": f"{api_base}/repos/{repo}/compare/{base}...{head}",
        "html_url": f"{WEB}/{repo}/compare/{base}...{head}",
        "permalink_url": f"{WEB}/{repo}/compare/acme:{base[:7]}...acme:{head[:7]}",
        "status": {1: "ahead", 0: "identical", -1: "behind"}[order],
        "ahead_by": ahead,
        "behind_by": count if order < 0 else 0,
        "total_commits": ahead,
        "commits": commits,
        "files": [],
    }


def _commit(line: Line, seed: int, i: int, count: int, anchor: float) -> JSON:
    repo = line.spec.repo
    sha = hashlib.sha1(f"{repo}|{seed}|{i}".encode(), usedforsecurity=False).hexdigest()
    name, login = AUTHORS[(seed // 7 + i * 3) % len(AUTHORS)]
    if i == 1:
        message = HOSTILE_MESSAGE
    else:
        template = MESSAGES[(seed + i * 5) % len(MESSAGES)]
        message = template.format(service=line.service)
    message = f"{message} (#{100 + (seed // 13 + i * 37) % 900})"
    if i % 4 == 3:
        message += "\n\nCo-authored-by: Release Bot <bot@acme.example>"
    # Commits are spread over the days before the release, oldest first.
    date = rfc3339(anchor - (count - i) * 4 * 3600.0 - (seed % 3600))
    person = {"name": name, "email": f"{login}@acme.example", "date": date}
    return {
        "sha": sha,
        "node_id": f"C_kwDO{sha[:12]}",
        "commit": {
            "author": person,
            "committer": {"name": "GitHub", "email": "noreply@github.com", "date": date},
            "message": message,
            "tree": {"sha": sha[::-1]},
            "comment_count": 0,
        },
        "html_url": f"{WEB}/{repo}/commit/{sha}",
        "author": user(login),
        "committer": user("web-flow"),
        "parents": [],
    }


def _environment_url(line: Line, environment: str) -> str:
    if environment == "production":
        return f"https://{line.service}.acme.example"
    return f"https://{line.service}.{environment}.acme.example"


def deployment_json(line: Line, deployment: PastDeployment, now: float, api_base: str) -> JSON:
    """A ``deployment`` object as ``GET /repos/{o}/{r}/deployments`` lists it."""
    repo = line.spec.repo
    url = f"{api_base}/repos/{repo}/deployments/{deployment.id}"
    return {
        "url": url,
        "id": deployment.id,
        "node_id": f"DE_kwDO{deployment.id}",
        "sha": deployment.sha,
        "ref": deployment.ref,
        "task": "deploy",
        "payload": {},
        "original_environment": deployment.environment,
        "environment": deployment.environment,
        "description": deployment.description,
        "creator": user(deployment.creator),
        "created_at": rfc3339(deployment.created_at),
        "updated_at": rfc3339(deployment.updated_at(now)),
        "statuses_url": f"{url}/statuses",
        "repository_url": f"{api_base}/repos/{repo}",
        "transient_environment": False,
        "production_environment": deployment.production,
        "performed_via_github_app": None,
    }


def deployment_status_json(
    line: Line, deployment: PastDeployment, status: PastStatus, api_base: str
) -> JSON:
    """A ``deployment-status`` object as ``GET .../deployments/{id}/statuses`` lists it."""
    repo = line.spec.repo
    deployment_url = f"{api_base}/repos/{repo}/deployments/{deployment.id}"
    # The deploy workflow's run page; its id is derived so it is the same every run.
    log_url = f"{WEB}/{repo}/actions/runs/{8_800_000_000 + deployment.id % 100_000_000}"
    return {
        "url": f"{deployment_url}/statuses/{status.id}",
        "id": status.id,
        "node_id": f"DES_kwDO{status.id}",
        "state": status.state.value,
        "creator": user(status.creator),
        "description": status.description,
        "environment": deployment.environment,
        "target_url": log_url,
        "created_at": rfc3339(status.created_at),
        "updated_at": rfc3339(status.created_at),
        "deployment_url": deployment_url,
        "repository_url": f"{api_base}/repos/{repo}",
        "environment_url": _environment_url(line, deployment.environment),
        "log_url": log_url,
        "performed_via_github_app": None,
    }


def rate_limit_json(limit: int, remaining: int, reset: int) -> JSON:
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": limit - remaining}
    other = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return {
        "resources": {"core": core, "search": other, "graphql": dict(core)},
        "rate": core,
    }


def error_json(message: str, status: int, doc: str = "") -> JSON:
    """GitHub's "basic-error" body."""
    return {"message": message, "documentation_url": doc or DOCS, "status": str(status)}
