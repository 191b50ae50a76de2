"""Jenkins control actions: the exact request for each, with the effect it has; CSRF crumbs.

Pure. Sources:

- ``build`` and ``buildWithParameters``: https://www.jenkins.io/doc/book/using/remote-access-api/
- The input step's ``proceedEmpty`` / ``abort`` endpoints (jenkinsci/pipeline-input-step-plugin
  ``InputStepExecution``): both ``@RequirePOST``; abort throws
  ``FlowInterruptedException(Result.ABORTED)``.
- CSRF: https://www.jenkins.io/doc/book/security/csrf-protection/

Auth: HTTP Basic with ``user:API-token``. Requests authenticated with an API token do not
need a CSRF crumb (Jenkins 2.96 and later); with a password or anonymously, fetch
``/crumbIssuer/api/json`` and send ``<crumbRequestField>: <crumb>`` *in the same web
session* (the default crumb issuer binds the crumb to the session), which is why the
adapter should use API tokens. ``ActionRequest.needs_crumb`` marks the POSTs that need it
otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote, urlsplit

from release_cockpit.adapters.ci.ci_parsing import (
    ActionOffer,
    ActionRequest,
    join_names,
    short_sha,
)
from release_cockpit.adapters.ci.jenkins_builds import JenkinsBuild, QueueItem, QueueState
from release_cockpit.adapters.ci.jenkins_jobs import JenkinsJob
from release_cockpit.adapters.ci.jenkins_pipeline import PendingInput
from release_cockpit.adapters.payload import (
    require_dict,
)
from release_cockpit.domain.actions import TITLES, ActionWords
from release_cockpit.domain.ci import CIRun
from release_cockpit.domain.rollout import Action
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import BadResponse

# -- request building ------------------------------------------------------------------


class JenkinsAction(Enum):
    BUILD = "build"
    REBUILD = "rebuild"
    STOP = "stop"
    CANCEL_QUEUED = "cancel-queued"
    INPUT_PROCEED = "input-proceed"
    INPUT_ABORT = "input-abort"


def job_path(path: Sequence[str]) -> str:
    """``/job/team/job/app/job/release%252F1.4``: each name percent-encoded as a segment.

    A multibranch job name already holds ``%2F`` (``NameEncoder``), which becomes
    ``%252F`` in the URL, as in Jenkins' own job URLs.
    """
    return "".join(f"/job/{quote(name, safe='')}" for name in path)


def root_relative(href: str, root_path: str = "") -> str:
    """A server path or URL from Jenkins (``/jenkins/job/x/11/input/ab/abort``) made
    relative to the Jenkins root, so it can be joined with the configured Jenkins URL.

    ``root_path`` is the path part of that URL (``/jenkins``); "" for a root install.
    """
    path = urlsplit(href).path if "://" in href else href
    prefix = "/" + root_path.strip("/") if root_path.strip("/") else ""
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :]
    return path if path.startswith("/") else "/" + path


def _next(job: JenkinsJob) -> str:
    return f"#{job.next_build_number}" if job.next_build_number else "a new build"


def _param_text(parameters: Sequence[tuple[str, str]]) -> str:
    shown = [f"{k}={clean_text(v, 40)}" for k, v in parameters]
    return join_names(shown, limit=6)


def build_request(job: JenkinsJob, parameters: Mapping[str, str] | None = None) -> ActionRequest:
    """``POST /job/<path>/buildWithParameters`` (or ``/build`` without parameters).

    Jenkins answers 201 with ``Location: .../queue/item/<id>/``; the build starts when the
    queue item gets ``executable`` (``parse_queue_item``). Jenkins' queue folds a request
    identical to one already waiting into it (not re-checked for this module).
    """
    pairs = tuple((k, v) for k, v in (parameters or {}).items())
    if pairs:
        path = f"{job_path(job.path)}/buildWithParameters"
        with_text = f" with {_param_text(pairs)}"
    else:
        path = f"{job_path(job.path)}/build"
        with_text = " with the job's default parameters" if job.parameter_names else ""
    effect = (
        f"Jenkins queues a new build of {job.display}{with_text}; it becomes {_next(job)} "
        "when an executor takes it (a higher number if another build starts first). "
        "Nothing that already ran changes."
    )
    return ActionRequest(
        kind=JenkinsAction.BUILD,
        title=f"Build {job.display}",
        method="POST",
        path=path,
        effect=effect,
        form=pairs,
        needs_crumb=True,
    )


def rebuild_offer(job: JenkinsJob, build: JenkinsBuild) -> ActionOffer:
    """Run the job again with the parameters of ``build`` (core ``buildWithParameters``).

    This is not Pipeline "Replay" (which re-runs a possibly edited script): the new build
    reads the Jenkinsfile and the branch as they are now. Parameters Jenkins does not show
    (password and file parameters) cannot be replayed; the offer then says so.
    """
    missing = [name for name, value in build.parameters if value is None]
    pairs = tuple((name, value) for name, value in build.parameters if value is not None)
    path = f"{job_path(job.path)}/{'buildWithParameters' if pairs else 'build'}"
    result = build.result.value.lower() if build.result is not None else build.status.value
    commit = (
        f"; it builds the branch as it is then, which may not be commit {short_sha(build.sha)} "
        f"that #{build.number} built"
        if build.sha
        else ""
    )
    with_text = (
        f" with the same parameters as #{build.number} ({_param_text(pairs)})" if pairs else ""
    )
    effect = (
        f"Jenkins queues {_next(job)} of {job.display}{with_text}{commit}. "
        f"#{build.number} stays in the history as {result}; nothing is re-run in place."
    )
    request = ActionRequest(
        kind=JenkinsAction.REBUILD,
        title=f"Rebuild {job.display} #{build.number}",
        method="POST",
        path=path,
        effect=effect,
        form=pairs,
        needs_crumb=True,
    )
    if missing:
        return ActionOffer(
            request,
            f"#{build.number} has parameters Jenkins does not show ({join_names(missing)}); "
            "rebuild it in Jenkins",
        )
    if build.building:
        return ActionOffer(request, f"#{build.number} is still running")
    return ActionOffer(request)


def stop_request(job: JenkinsJob, build: JenkinsBuild) -> ActionRequest:
    """``POST /job/<path>/<N>/stop``: abort a running build.

    The build is interrupted and ends ABORTED; a Pipeline runs its ``post``/``finally``
    blocks first (and may need ``/term`` then ``/kill`` if it does not stop).
    """
    effect = (
        f"Jenkins aborts {job.display} #{build.number}: running steps are interrupted "
        "(a Pipeline still runs its post and finally blocks) and the build ends ABORTED. "
        "Nothing it already did is undone."
    )
    return ActionRequest(
        kind=JenkinsAction.STOP,
        title=f"Stop {job.display} #{build.number}",
        method="POST",
        path=f"{job_path(job.path)}/{build.number}/stop",
        effect=effect,
        needs_crumb=True,
    )


def cancel_queued_request(job: JenkinsJob, item: QueueItem) -> ActionRequest:
    """``POST /queue/cancelItem?id=<id>``: drop a build that has not started."""
    effect = (
        f"Jenkins removes the queued build of {job.display} (queue item {item.id}) before it "
        "starts; nothing runs and no build number is used."
    )
    return ActionRequest(
        kind=JenkinsAction.CANCEL_QUEUED,
        title=f"Cancel queued build of {job.display}",
        method="POST",
        path="/queue/cancelItem",
        effect=effect,
        params=(("id", str(item.id)),),
        needs_crumb=True,
    )


def input_offers(
    job: JenkinsJob, build_number: int, pending: PendingInput, *, root_path: str = ""
) -> tuple[ActionOffer, ActionOffer]:
    """Proceed and abort for a waiting ``input`` step, POSTed to the URLs Jenkins gave.

    ``proceedEmpty`` answers without parameter values; ``abort`` throws
    ``FlowInterruptedException(ABORTED)`` into the step. Jenkins refuses both (403) for a
    user who is not among the input's ``submitter`` (abort: or lacks Job/Cancel).
    """
    label = f"{job.display} #{build_number}"
    asked = f"'{pending.message}'" if pending.message else f"input {pending.id}"
    proceed = ActionRequest(
        kind=JenkinsAction.INPUT_PROCEED,
        title=f"Proceed {label}",
        method="POST",
        path=root_relative(pending.proceed_url, root_path),
        effect=(
            f"Jenkins answers {asked} of {label} with Proceed: the input step returns and "
            "the Pipeline continues with the steps after it. Jenkins logs you as the approver."
        ),
        needs_crumb=True,
    )
    abort = ActionRequest(
        kind=JenkinsAction.INPUT_ABORT,
        title=f"Abort {label}",
        method="POST",
        path=root_relative(pending.abort_url, root_path),
        effect=(
            f"Jenkins answers {asked} of {label} with Abort: the input step fails as rejected "
            f"by you and #{build_number} ends ABORTED (post and finally blocks still run) "
            "unless the Jenkinsfile catches the rejection."
        ),
        needs_crumb=True,
    )
    proceed_why = ""
    if not pending.proceed_url:
        proceed_why = "Jenkins gave no proceed URL"
    elif pending.parameters:
        proceed_why = f"the input asks for {pending.parameters} value(s); answer it in Jenkins"
    return (
        ActionOffer(proceed, proceed_why),
        ActionOffer(abort, "" if pending.abort_url else "Jenkins gave no abort URL"),
    )


def action_offers(job: JenkinsJob) -> tuple[ActionOffer, ...]:
    """Stop, rebuild and cancel-queued for a job, each with why it would do nothing now.

    Input proceed/abort need the run's ``pendingInputActions`` (``input_offers``).
    """
    offers: list[ActionOffer] = []
    last = job.last_build
    if last is not None:
        stop = stop_request(job, last)
        offers.append(ActionOffer(stop, "" if job.building else f"#{last.number} is not running"))
    done = job.last_completed or (last if last is not None and not job.building else None)
    if done is not None:
        offers.append(rebuild_offer(job, done))
    else:
        offers.append(ActionOffer(build_request(job)))
    item = job.queue_item
    if item is not None and item.state not in (QueueState.STARTED, QueueState.CANCELLED):
        offers.append(ActionOffer(cancel_queued_request(job, item)))
    return tuple(offers)


@dataclass(frozen=True, slots=True)
class Crumb:
    """A CSRF crumb: send ``field: value`` as a header with a POST of the same session."""

    field: str
    value: str

    @property
    def header(self) -> tuple[str, str]:
        return (self.field, self.value)


def parse_crumb(payload: object) -> Crumb:
    """``GET /crumbIssuer/api/json`` -> ``{"crumb": ..., "crumbRequestField": "Jenkins-Crumb"}``.

    A 404 there means CSRF protection is off (older Jenkins only). Not needed at all with
    an API token (see the module docstring).

    Raises:
        BadResponse: no crumb or field name in the answer.
    """
    body = require_dict(payload, "Jenkins crumb")
    value = body.get("crumb")
    field = body.get("crumbRequestField")
    if not isinstance(value, str) or not value or not isinstance(field, str) or not field:
        raise BadResponse(
            "Jenkins crumb issuer answered without a crumb",
            hint="use an API token (no crumb needed) or check the crumb issuer configuration",
        )
    # Header names and values must stay on one line: refuse anything but visible ASCII.
    if not re.fullmatch(r"[!-~]+", field) or not re.fullmatch(r"[!-~]+", value):
        raise BadResponse(
            "Jenkins crumb issuer sent a crumb that cannot be a header",
            hint="check for a proxy rewriting the answer",
        )
    return Crumb(field, value)


# -- the cockpit's actions -----------------------------------------------------------------

_ANSWERS = (Action.APPROVE, Action.REJECT)


def action_offer(
    action: Action,
    job: JenkinsJob,
    run: CIRun,
    build: JenkinsBuild | None,
    pending: PendingInput | None,
    *,
    root_path: str = "",
) -> ActionOffer | None:
    """The Jenkins request that performs the cockpit's ``action`` on ``run``: proceed or
    abort the input it waits on, rebuild the build, stop it or drop its queue item; None
    when Jenkins has nothing to act on."""
    if action in _ANSWERS:
        if pending is None or run.number is None:
            return None
        proceed, abort = input_offers(job, run.number, pending, root_path=root_path)
        return proceed if action is Action.APPROVE else abort
    if action is Action.CANCEL_CI and run.id.startswith("queue-"):
        item = job.queue_item
        if item is None or item.state in (QueueState.STARTED, QueueState.CANCELLED):
            return None
        return ActionOffer(cancel_queued_request(job, item))
    if build is None:
        return None
    if action is Action.RETRY_CI:
        return rebuild_offer(job, build)
    if action is Action.CANCEL_CI:
        request = stop_request(job, build)
        return ActionOffer(request, "" if build.building else f"#{build.number} is not running")
    return None


def action_words(
    action: Action,
    job: JenkinsJob,
    run: CIRun,
    offer: ActionOffer | None,
    pending: PendingInput | None,
) -> ActionWords:
    """What the confirmation says: the input asked (for approve and reject), where the
    build stands, and Jenkins' effect of the offer, or why nothing would be sent."""
    label = f"{job.display} #{run.number}" if run.number is not None else job.display
    current = f"{label} {run.status.value}"
    if offer is None:
        return ActionWords(
            label, current, "nothing", "Jenkins has nothing to answer; nothing is sent."
        )
    goals = {
        Action.APPROVE: f"{label} continues",
        Action.REJECT: f"{label} aborted",
        Action.RETRY_CI: f"a new build of {job.display}",
        Action.CANCEL_CI: f"{label} aborted",
    }
    effect = offer.request.effect
    if not offer.applies:
        effect = f"Nothing to do now: {offer.unavailable}; the cockpit sends nothing."
    asked = pending is not None and action in _ANSWERS
    target = f"input '{pending.message}' of {label}" if asked and pending else label
    return ActionWords(target, current, goals.get(action, TITLES[action].lower()), effect)
