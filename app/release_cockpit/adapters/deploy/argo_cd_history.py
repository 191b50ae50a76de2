"""An Argo CD application's ``status.history`` as release history, for the DORA backfill.

Argo CD appends one entry per successful sync (``RevisionHistory`` in
``pkg/apis/application/v1alpha1/types.go``, argoproj/argo-cd), keeping
``spec.revisionHistoryLimit`` of them (10 by default): an id, the git revision, when the
sync started and when it finished. It keeps no failed syncs and no images. So:

- the version of a record is the git revision, shortened (no image tags are kept);
- an entry that deploys the same revision as the one before is a re-sync, not a release;
- an entry that goes back to an older revision (``argocd app rollback``, or a revert)
  marks the release before it ``rolled_back``, restored when that entry was deployed;
- every other entry ``succeeded``: failed syncs are not in the history at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from release_cockpit.adapters.deploy.argo_cd_parsing import Application
from release_cockpit.domain import ReleaseLine
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord

SHORT_SHA = 7


def history_records(app: Application, line: ReleaseLine, since: datetime) -> list[ReleaseRecord]:
    """Releases of ``line`` that ``app`` deployed since ``since``, oldest first."""
    production = line.environment.strip().lower() in PRODUCTION_NAMES
    records: list[ReleaseRecord] = []
    seen: list[str] = []  # revisions released so far, oldest first
    for entry in app.history:
        if entry.redeploy:
            continue
        if entry.revision in seen[:-1] and records:
            # Back to an older revision: the release before this entry was rolled back.
            records[-1] = replace(
                records[-1],
                finished_at=entry.deployed_at,
                outcome=ReleaseOutcome.ROLLED_BACK,
                restored_at=entry.deployed_at,
            )
            seen.append(entry.revision)
            continue
        seen.append(entry.revision)
        records.append(
            ReleaseRecord(
                key=line.key,
                service=line.service,
                team=line.team,
                environment=line.environment,
                version=entry.revision[:SHORT_SHA] or f"history-{entry.id}",
                started_at=entry.started_at or entry.deployed_at,
                deployed_at=entry.deployed_at,
                finished_at=entry.deployed_at,
                outcome=ReleaseOutcome.SUCCEEDED,
                source="argo-cd-history",
                production=production,
            )
        )
    return [r for r in records if r.started_at is None or r.started_at >= since]
