"""GitLab control actions: the exact REST request for each, with the effect it has.

Pure: each function returns an ``ActionRequest`` (method, path below ``/api/v4``, body)
and the sentence the confirmation shows, so what a person confirms and what is sent come
from one place. Sources: https://docs.gitlab.com/api/pipelines/ (retry, cancel) and
https://docs.gitlab.com/api/jobs/ (play, retry), ``Ci::RetryPipelineService`` and the
``cancelable`` scope of ``Ci::HasStatus`` in gitlab-org/gitlab.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from release_cockpit.adapters.ci.ci_parsing import (
    ActionOffer,
    ActionRequest,
    join_names,
    short_sha,
)
from release_cockpit.adapters.ci.gitlab_rest import GitLabJob, GitLabPipeline, project_ref
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus
from release_cockpit.domain.actions import TITLES, ActionWords, run_label
from release_cockpit.domain.ci import CIRun
from release_cockpit.domain.rollout import Action

# -- control actions ---------------------------------------------------------------------


class GitLabAction(Enum):
    RETRY_PIPELINE = "retry-pipeline"
    CANCEL_PIPELINE = "cancel-pipeline"
    PLAY_JOB = "play-job"
    RETRY_JOB = "retry-job"


_CANCELABLE = frozenset(
    {
        GitLabStatus.CREATED,
        GitLabStatus.WAITING_FOR_RESOURCE,
        GitLabStatus.PREPARING,
        GitLabStatus.PENDING,
        GitLabStatus.RUNNING,
        GitLabStatus.SCHEDULED,
    }
)
"""``Ci::HasStatus`` ``cancelable`` scope: what a pipeline cancel stops."""
_RETRYABLE = frozenset({GitLabStatus.FAILED, GitLabStatus.CANCELED})


def retry_pipeline(project: str | int, pipeline: GitLabPipeline) -> ActionRequest:
    """``POST /projects/:id/pipelines/:pipeline_id/retry``.

    GitLab "retries failed or canceled jobs in a pipeline. If there are no failed or
    canceled jobs in the pipeline, calling this endpoint has no effect"
    (https://docs.gitlab.com/api/pipelines/#retry-jobs-in-a-pipeline).
    ``Ci::RetryPipelineService`` clones each retryable failed/canceled job (a new job id;
    the old attempt stays in the history) and re-processes the latest skipped jobs, so
    later stages that were skipped because of the failure run again.
    """
    failed = [j.name for j in pipeline.latest_jobs if j.status in _RETRYABLE]
    which = f" ({join_names(failed)})" if failed else ""
    effect = (
        f"GitLab re-runs the failed and canceled jobs{which} of pipeline {pipeline.label} on "
        f"commit {short_sha(pipeline.sha) or '?'}: each gets a new job id and the old attempt "
        "stays in the job history; jobs that passed are not run again, and jobs that were "
        "skipped because of the failure run when their stage is reached. The pipeline keeps "
        "its id. If nothing failed or was canceled, nothing happens."
    )
    return ActionRequest(
        kind=GitLabAction.RETRY_PIPELINE,
        title=f"Retry pipeline {pipeline.label}",
        method="POST",
        path=f"/projects/{project_ref(project)}/pipelines/{pipeline.id}/retry",
        effect=effect,
    )


def cancel_pipeline(project: str | int, pipeline: GitLabPipeline) -> ActionRequest:
    """``POST /projects/:id/pipelines/:pipeline_id/cancel``.

    Cancels the jobs still in a cancelable status (created, waiting for resource,
    preparing, pending, running, scheduled). GitLab answers 200 "regardless of the
    pipeline's state" (https://docs.gitlab.com/api/pipelines/#cancel-all-jobs-for-a-pipeline,
    issue 414963), so the adapter must re-read the pipeline to know what happened.
    """
    open_jobs = [j.name for j in pipeline.latest_jobs if j.status in _CANCELABLE]
    which = f" ({join_names(open_jobs)})" if open_jobs else ""
    effect = (
        f"GitLab cancels every job of pipeline {pipeline.label} that has not finished{which}: "
        "running jobs are stopped, queued and scheduled jobs never start. Finished jobs keep "
        "their result and nothing is rolled back. GitLab answers OK even when there was "
        "nothing to cancel; the cockpit re-reads the pipeline to confirm."
    )
    return ActionRequest(
        kind=GitLabAction.CANCEL_PIPELINE,
        title=f"Cancel pipeline {pipeline.label}",
        method="POST",
        path=f"/projects/{project_ref(project)}/pipelines/{pipeline.id}/cancel",
        effect=effect,
    )


def play_job(
    project: str | int,
    pipeline: GitLabPipeline,
    job: GitLabJob,
    variables: Mapping[str, str] | None = None,
) -> ActionRequest:
    """``POST /projects/:id/jobs/:job_id/play``: start a manual job.

    "Triggers a manual action to start a job" (https://docs.gitlab.com/api/jobs/#run-a-job).
    The same job id goes to pending (``jobs_spec.rb`` "plays the job"); optional
    ``job_variables_attributes`` are sent as the job's variables.
    """
    body: dict[str, object] | None = None
    if variables:
        body = {"job_variables_attributes": [{"key": k, "value": v} for k, v in variables.items()]}
    then = (
        " The pipeline is blocked on it: later stages run once it passes."
        if job.blocking
        else " It is optional: the pipeline does not wait for it."
    )
    names = f" with variables {join_names(sorted(variables))}" if variables else ""
    effect = (
        f"GitLab starts manual job '{job.name}' (stage {job.stage or '?'}) of pipeline "
        f"{pipeline.label} now{names}: the same job is queued for a runner and runs its "
        f"script, on commit {short_sha(pipeline.sha or job.sha) or '?'}.{then}"
    )
    return ActionRequest(
        kind=GitLabAction.PLAY_JOB,
        title=f"Play job {job.name}",
        method="POST",
        path=f"/projects/{project_ref(project)}/jobs/{job.id}/play",
        effect=effect,
        json_body=body,
    )


def retry_job(project: str | int, pipeline: GitLabPipeline, job: GitLabJob) -> ActionRequest:
    """``POST /projects/:id/jobs/:job_id/retry``: a new attempt of one job.

    The answer is the *new* job (new id, ``pending``); the old one keeps its status
    (``jobs_spec.rb`` "retries non-running job": the original stays ``canceled``).
    """
    effect = (
        f"GitLab creates a new attempt of job '{job.name}' (stage {job.stage or '?'}) in "
        f"pipeline {pipeline.label} and queues it, with a new job id; attempt {job.id} keeps "
        f"its result ({job.status.value}) and log. Other jobs are not re-run."
    )
    return ActionRequest(
        kind=GitLabAction.RETRY_JOB,
        title=f"Retry job {job.name}",
        method="POST",
        path=f"/projects/{project_ref(project)}/jobs/{job.id}/retry",
        effect=effect,
    )


def action_offers(project: str | int, pipeline: GitLabPipeline) -> tuple[ActionOffer, ...]:
    """Every action on a pipeline and its latest jobs, each with why it would do nothing.

    Blocking manual jobs come first (they are what the release waits for), then retry and
    cancel of the pipeline, then per-job retries of failed or canceled jobs.
    """
    latest = sorted(pipeline.latest_jobs, key=lambda j: j.id)
    offers: list[ActionOffer] = []
    for job in sorted((j for j in latest if j.manual), key=lambda j: not j.blocking):
        offers.append(ActionOffer(play_job(project, pipeline, job)))
    retryable = [j for j in latest if j.status in _RETRYABLE]
    offers.append(
        ActionOffer(
            retry_pipeline(project, pipeline),
            ""
            if retryable or pipeline.status in _RETRYABLE
            else f"no job of pipeline {pipeline.label} failed or was canceled",
        )
    )
    finished = pipeline.status in (
        GitLabStatus.SUCCESS,
        GitLabStatus.FAILED,
        GitLabStatus.CANCELED,
        GitLabStatus.SKIPPED,
    )
    cancelable = any(j.status in _CANCELABLE for j in latest)
    offers.append(
        ActionOffer(
            cancel_pipeline(project, pipeline),
            ""
            if cancelable or (not finished and not latest)
            else f"pipeline {pipeline.label} has no job left to cancel",
        )
    )
    offers.extend(ActionOffer(retry_job(project, pipeline, job)) for job in retryable)
    return tuple(offers)


# -- the cockpit's actions -----------------------------------------------------------------

_PIPELINE_ACTIONS = {
    Action.RETRY_CI: GitLabAction.RETRY_PIPELINE,
    Action.CANCEL_CI: GitLabAction.CANCEL_PIPELINE,
}


_UNSEEN = {
    Action.APPROVE: "GitLab starts the pipeline's blocking manual job; later stages run once "
    "it passes.",
    Action.RETRY_CI: "GitLab re-runs only the failed and canceled jobs of the pipeline; jobs "
    "that passed are not run again. If nothing failed, nothing happens.",
    Action.CANCEL_CI: "GitLab cancels the pipeline's unfinished jobs; finished jobs keep their "
    "result and nothing is rolled back.",
}


def action_offer(action: Action, pipeline: GitLabPipeline) -> ActionOffer | None:
    """The offer that performs the cockpit's ``action`` on ``pipeline`` now.

    APPROVE plays the first blocking manual job: only such a job holds a pipeline (and is
    why it is WAITING); None when there is none. RETRY_CI and CANCEL_CI act on the
    pipeline, with why they would do nothing now.
    """
    if action is Action.APPROVE:
        blocking = sorted((j for j in pipeline.latest_jobs if j.blocking), key=lambda j: j.id)
        return ActionOffer(play_job(pipeline.project, pipeline, blocking[0])) if blocking else None
    wanted = _PIPELINE_ACTIONS.get(action)
    offers = action_offers(pipeline.project, pipeline)
    return next((o for o in offers if o.request.kind is wanted), None)


def action_words(action: Action, run: CIRun, pipeline: GitLabPipeline | None) -> ActionWords:
    """What the confirmation says ``action`` will do to ``run``: GitLab's effect of the
    request ``action_offer`` builds, or, when the pipeline was not read in this session,
    GitLab's rule without job names."""
    label = run_label(run.id, run.number)
    if pipeline is None:
        return ActionWords(
            f"pipeline {label}", run.status.value, TITLES[action].lower(), _UNSEEN[action]
        )
    current = f"pipeline {label} {run.status.value} on {pipeline.ref or '?'}"
    offer = action_offer(action, pipeline)
    if offer is None:
        return ActionWords(
            f"pipeline {label}",
            current,
            "nothing",
            f"nothing to {TITLES[action].lower()}: pipeline {label} has no blocking manual "
            "job; the cockpit sends nothing",
        )
    goals = {
        Action.APPROVE: f"{offer.request.title.removeprefix('Play job ')} running",
        Action.RETRY_CI: "failed and canceled jobs running again",
        Action.CANCEL_CI: f"pipeline {label} canceled",
    }
    effect = offer.request.effect
    if not offer.applies:
        effect = f"Nothing to do now: {offer.unavailable}; the cockpit sends nothing."
    return ActionWords(
        f"{offer.request.title.lower()} of {pipeline.project}", current, goals[action], effect
    )
