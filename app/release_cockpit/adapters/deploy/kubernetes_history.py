"""A Deployment's ReplicaSet revisions as release history, for the DORA backfill.

The Deployment controller keeps one ReplicaSet per pod template, numbered by the
``deployment.kubernetes.io/revision`` annotation (what ``kubectl rollout history``
lists, https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#checking-rollout-history-of-a-deployment),
and on a ReplicaSet adopted again by ``kubectl rollout undo`` the revisions it had before
(``deployment.kubernetes.io/revision-history``, kubernetes
``pkg/controller/deployment/util/deployment_util.go``). Pure: the adapter reads, this maps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from release_cockpit.adapters.deploy.kubernetes_parsing import parse_deployment
from release_cockpit.adapters.deploy.kubernetes_revisions import Revision, deployment_revisions
from release_cockpit.domain import ReleaseLine, RolloutPhase, RolloutState
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord

REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
"""Set by the Deployment controller on a ReplicaSet that an undo (or a re-deploy of the
same template) adopted again: the revision numbers it had before."""


def revision_records(
    deployment: Mapping[str, Any],
    replicasets: Sequence[object],
    line: ReleaseLine,
    since: datetime,
    *,
    container: str | None = None,
) -> list[ReleaseRecord]:
    """A Deployment's ReplicaSet revisions as release history, oldest first.

    What Kubernetes keeps, and so what this can say: each revision's pod template and when
    its ReplicaSet was created (when that template first rolled out), and, on a ReplicaSet
    adopted again by ``kubectl rollout undo``, the revision numbers it had before. What it
    does not keep: when an older revision finished rolling out, or whether it failed. So
    only the newest revision gets ``deployed_at`` (from the ``Progressing`` condition once
    the rollout is complete); a revision replaced by an undo is ``rolled_back``; any other
    replaced revision reads as ``succeeded``, because nothing recorded says otherwise.
    ReplicaSets pruned by ``spec.revisionHistoryLimit`` (10 by default) are gone.
    """
    revisions = sorted(
        deployment_revisions(deployment, replicasets, container), key=lambda r: r.number
    )
    newest = parse_deployment(deployment, replicasets, container=container)
    production = line.environment.strip().lower() in PRODUCTION_NAMES
    records = []
    for index, revision in enumerate(revisions):
        later = revisions[index + 1] if index + 1 < len(revisions) else None
        outcome, deployed, finished = _course(revision, later, newest)
        if revision.created_at is not None and revision.created_at < since:
            continue
        records.append(
            ReleaseRecord(
                key=line.key,
                service=line.service,
                team=line.team,
                environment=line.environment,
                version=revision.version or revision.template_hash or f"r{revision.number}",
                started_at=revision.created_at,
                deployed_at=deployed,
                finished_at=finished,
                outcome=outcome,
                source="kubernetes-replicasets",
                production=production,
            )
        )
    return records


def _course(
    revision: Revision, later: Revision | None, newest: RolloutState
) -> tuple[ReleaseOutcome, datetime | None, datetime | None]:
    """(outcome, deployed_at, finished_at) of one revision, from what the cluster keeps."""
    if later is None:
        if newest.finished_at is not None:
            return ReleaseOutcome.SUCCEEDED, newest.finished_at, newest.finished_at
        if newest.phase is RolloutPhase.DEGRADED:
            return ReleaseOutcome.FAILED, None, None
        return ReleaseOutcome.IN_PROGRESS, None, None
    if later.annotations.get(REVISION_HISTORY_ANNOTATION):
        # The next revision is an older template adopted again: this one was undone.
        return ReleaseOutcome.ROLLED_BACK, None, None
    return ReleaseOutcome.SUCCEEDED, None, later.created_at
