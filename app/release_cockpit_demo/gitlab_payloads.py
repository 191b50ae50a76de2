"""World state -> GitLab JSON: REST v4 pipelines, jobs, projects, deployments, compare, and
the GraphQL ``projects(fullPaths:)`` answer.

Shapes follow GitLab's API documentation (https://docs.gitlab.com/api/pipelines/,
https://docs.gitlab.com/api/jobs/, https://docs.gitlab.com/api/deployments/,
https://docs.gitlab.com/api/repositories/) and the GraphQL types ``Pipeline`` and
``CiJob`` (https://docs.gitlab.com/api/graphql/reference/): REST says ``success``, GraphQL
``SUCCESS``; GraphQL ids are global ids (``gid://gitlab/Ci::Pipeline/12``) and its links
are paths (``path``, ``webPath``) below the instance, here the world's ``/gitlab`` mount.
"""

from __future__ import annotations

import hashlib

from release_cockpit_demo.ci_runs import Run
from release_cockpit_demo.ci_state import JobState, State, job_states, view
from release_cockpit_demo.deployments import DeploymentState, PastDeployment
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON, rfc3339

PROJECT_IDS = 2_000
_GROUPS = {
    State.CREATED: ("created", "status_created"),
    State.PENDING: ("pending", "status_pending"),
    State.RUNNING: ("running", "status_running"),
    State.SUCCESS: ("passed", "status_success"),
    State.FAILED: ("failed", "status_failed"),
    State.CANCELED: ("canceled", "status_canceled"),
    State.SKIPPED: ("skipped", "status_skipped"),
    State.MANUAL: ("blocked", "status_manual"),
}


def _time(at: float | None) -> str | None:
    return rfc3339(at) if at is not None else None


def project_id(line: Line) -> int:
    return PROJECT_IDS + line.spec.index


def project_json(line: Line, web: str) -> JSON:
    path = line.spec.repo
    return {
        "id": project_id(line),
        "name": line.service,
        "path": line.service,
        "path_with_namespace": path,
        "name_with_namespace": f"Acme / {line.service}",
        "default_branch": "main",
        "web_url": f"{web}/{path}",
        "visibility": "internal",
    }


def _user(login: str, web: str) -> JSON:
    return {
        "id": 10 + sum(login.encode()) % 900,
        "username": login,
        "name": login,
        "state": "active",
        "web_url": f"{web}/{login}",
    }


def _tag(run: Run) -> bool:
    return not run.branch.startswith("hotfix/")


def _detailed(state: State, path: str) -> JSON:
    label, icon = _GROUPS[state]
    return {
        "icon": icon,
        "text": label,
        "label": label,
        "group": state.value if state is not State.MANUAL else "manual",
        "tooltip": label,
        "has_details": True,
        "details_path": path,
        "illustration": None,
        "favicon": f"/assets/ci_favicons/favicon_{icon}.png",
    }


def pipeline_json(line: Line, run: Run, now: float, web: str) -> JSON:
    """``GET /projects/:id/pipelines/:pipeline_id`` (also the answer of retry and cancel)."""
    seen = view(run, now)
    state, started, finished = seen.state, seen.started_at, seen.finished_at
    path = f"/{line.spec.repo}/-/pipelines/{run.id}"
    return {
        "id": run.id,
        "iid": run.number,
        "project_id": project_id(line),
        "name": f"Release {run.branch}",
        "sha": run.sha,
        "ref": run.branch,
        "status": state.value,
        "source": "push",
        "created_at": rfc3339(run.created_at),
        "updated_at": rfc3339(run.updated_at(now)),
        "web_url": f"{web}{path}",
        "before_sha": "0" * 40,
        "tag": _tag(run),
        "yaml_errors": None,
        "user": _user(run.actor, web),
        "started_at": _time(started),
        "finished_at": _time(finished),
        "committed_at": rfc3339(run.created_at - 120),
        "duration": round(finished - started) if started and finished else None,
        "queued_duration": 2,
        "coverage": None,
        "detailed_status": _detailed(state, path),
    }


def job_json(line: Line, run: Run, job: JobState, state: State, web: str) -> JSON:
    """One REST job (``GET /projects/:id/pipelines/:pipeline_id/jobs``, play's answer)."""
    payload: JSON = {
        "id": job.id,
        "status": job.state.value,
        "stage": job.stage,
        "name": job.name,
        "ref": run.branch,
        "tag": _tag(run),
        "coverage": None,
        "allow_failure": False,
        "created_at": rfc3339(job.created_at),
        "started_at": _time(job.started_at),
        "finished_at": _time(job.finished_at),
        "erased_at": None,
        "duration": job.duration,
        "queued_duration": 1.0 if job.started_at is not None else None,
        "user": _user(run.actor, web),
        "commit": {
            "id": run.sha,
            "short_id": run.sha[:8],
            "title": f"Release {run.branch}",
            "author_name": run.actor,
            "author_email": f"{run.actor}@acme.example",
            "created_at": rfc3339(run.created_at - 120),
        },
        "pipeline": {
            "id": run.id,
            "project_id": project_id(line),
            "ref": run.branch,
            "sha": run.sha,
            "status": state.value,
        },
        "web_url": f"{web}/{line.spec.repo}/-/jobs/{job.id}",
        "project": {"ci_job_token_scope_enabled": False},
        "artifacts": [],
        "runner": None,
        "tag_list": ["docker"],
    }
    if job.failure:
        payload["failure_reason"] = job.failure
    return payload


def jobs_of(run: Run, now: float, *, retried: bool) -> list[JobState]:
    """A pipeline's jobs as the jobs list sends them: newest id first."""
    return sorted(job_states(run, now, retried=retried), key=lambda j: j.id, reverse=True)


def graphql_pipeline(line: Line, run: Run, now: float, prefix: str, jobs: int) -> JSON:
    """One ``Pipeline`` node with its latest jobs (``retried: false``), first ``jobs``."""
    seen = view(run, now)
    state, started, finished = seen.state, seen.started_at, seen.finished_at
    latest = seen.jobs
    ref_path = f"refs/tags/{run.branch}" if _tag(run) else f"refs/heads/{run.branch}"
    return {
        "id": f"gid://gitlab/Ci::Pipeline/{run.id}",
        "iid": str(run.number),
        "name": f"Release {run.branch}",
        "status": state.value.upper(),
        "ref": run.branch,
        "refPath": ref_path,
        "sha": run.sha,
        "source": "push",
        "path": f"{prefix}/{line.spec.repo}/-/pipelines/{run.id}",
        "warnings": False,
        "createdAt": rfc3339(run.created_at),
        "updatedAt": rfc3339(run.updated_at(now)),
        "startedAt": _time(started),
        "finishedAt": _time(finished),
        "duration": round(finished - started) if started and finished else None,
        "user": {"username": run.actor},
        "jobs": {
            "nodes": [_graphql_job(line, job, prefix) for job in latest[:jobs]],
            "pageInfo": {"hasNextPage": len(latest) > jobs},
        },
    }


def _graphql_job(line: Line, job: JobState, prefix: str) -> JSON:
    return {
        "id": f"gid://gitlab/Ci::Build/{job.id}",
        "name": job.name,
        "status": job.state.value.upper(),
        "allowFailure": False,
        "retried": job.retried,
        "webPath": f"{prefix}/{line.spec.repo}/-/jobs/{job.id}",
        "createdAt": rfc3339(job.created_at),
        "startedAt": _time(job.started_at),
        "finishedAt": _time(job.finished_at),
        "duration": round(job.duration) if job.duration is not None else None,
        "failureMessage": "script failure" if job.failure else None,
        "stage": {"name": job.stage},
    }


_DEPLOYMENT_STATUS = {
    DeploymentState.QUEUED: "created",
    DeploymentState.IN_PROGRESS: "running",
    DeploymentState.SUCCESS: "success",
    # GitLab has no "inactive": a deployment a newer one replaced stays a success.
    DeploymentState.INACTIVE: "success",
    DeploymentState.FAILURE: "failed",
    DeploymentState.ERROR: "failed",
}


def deployment_json(line: Line, deployment: PastDeployment, now: float, web: str) -> JSON:
    """One past deployment as ``GET /projects/:id/deployments`` lists it, with its deploy
    job (``deployable``) and the deployed commit's author time (lead time starts there)."""
    statuses = deployment.statuses_at(now)
    final = statuses[-1] if statuses else None
    status = _DEPLOYMENT_STATUS[final.state] if final else "created"
    finished = final.created_at if final and status in ("success", "failed") else None
    seed = int(hashlib.sha256(deployment.sha.encode()).hexdigest()[:6], 16)
    authored = deployment.created_at - 3600.0 * (2 + seed % 30)
    return {
        "id": deployment.id,
        "iid": deployment.id % 100_000,
        "ref": deployment.ref,
        "sha": deployment.sha,
        "status": status,
        "created_at": rfc3339(deployment.created_at),
        "updated_at": rfc3339(deployment.updated_at(now)),
        "user": _user(deployment.creator, web),
        "environment": {
            "id": 300 + (0 if deployment.environment == "production" else 1),
            "name": deployment.environment,
            "external_url": f"https://{line.service}.acme.example",
        },
        "deployable": {
            "id": deployment.id + 7,
            "name": "deploy-production",
            "stage": "deploy",
            "status": status,
            "ref": deployment.ref,
            "tag": deployment.ref.startswith("v"),
            "created_at": rfc3339(deployment.created_at),
            "started_at": rfc3339(deployment.created_at),
            "finished_at": _time(finished),
            "commit": {
                "id": deployment.sha,
                "short_id": deployment.sha[:8],
                "title": deployment.description,
                "author_name": deployment.creator,
                "authored_date": rfc3339(authored),
                "created_at": rfc3339(authored),
            },
        },
    }


def environment_json(line: Line, name: str, web: str) -> JSON:
    return {
        "id": 300 + (0 if name == "production" else 1),
        "name": name,
        "slug": name,
        "external_url": f"https://{line.service}.acme.example",
        "state": "available",
        "tier": "production" if name == "production" else "staging",
    }


def compare_json(github_compare: JSON, line: Line, base: str, head: str, web: str) -> JSON:
    """The demo's commit range (``github_payloads.compare_json``) in GitLab's words."""
    commits = []
    for item in github_compare.get("commits", []):
        commit = item["commit"]
        message = commit["message"]
        commits.append(
            {
                "id": item["sha"],
                "short_id": item["sha"][:11],
                "title": message.split("\n", 1)[0],
                "message": message,
                "author_name": commit["author"]["name"],
                "author_email": commit["author"]["email"],
                "authored_date": commit["author"]["date"],
                "created_at": commit["author"]["date"],
                "parent_ids": [],
                "web_url": f"{web}/{line.spec.repo}/-/commit/{item['sha']}",
            }
        )
    return {
        "commit": commits[-1] if commits else None,
        "commits": commits,
        "diffs": [],
        "compare_timeout": False,
        "compare_same_ref": base == head,
        "web_url": f"{web}/{line.spec.repo}/-/compare/{base}...{head}",
    }
