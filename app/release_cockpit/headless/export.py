"""`release-cockpit export RELEASE`: one release's full story for a retrospective.

Markdown (ready to paste into a retro document) or JSON: the record (outcome, times, the
DORA durations), the timeline (stages, verdicts with reasons, alerts, actions) and every
action attempt from the audit log with who and the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from release_cockpit.domain.audit import AuditEntry
from release_cockpit.domain.charts import row_text
from release_cockpit.domain.delivery import stage_spans
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.history import ReleaseRecord, TimelineEvent
from release_cockpit.domain.human import Answer
from release_cockpit.domain.release_picture import timeline_picture
from release_cockpit.domain.text import clean_text

PICTURE_WIDTH = 100
"""Columns of the timeline picture in Markdown (a code block keeps it aligned)."""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


def _span(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "-"


def _cell(text: str) -> str:
    """A Markdown table cell: no newlines, pipes escaped, control characters gone."""
    return clean_text(text, 500).replace("\n", " ").replace("|", "\\|")


def export_json(
    record: ReleaseRecord,
    events: Sequence[TimelineEvent],
    audits: Sequence[AuditEntry],
    answers: Sequence[Answer] = (),
) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "release": record.id,
        "key": record.key,
        "service": record.service,
        "team": record.team,
        "environment": record.environment,
        "version": record.version,
        "outcome": record.outcome.value,
        "source": record.source,
        "started_at": iso(record.started_at),
        "first_commit_at": iso(record.first_commit_at),
        "deployed_at": iso(record.deployed_at),
        "failed_at": iso(record.failed_at),
        "restored_at": iso(record.restored_at),
        "finished_at": iso(record.finished_at),
        "lead_time_seconds": record.lead_time.total_seconds() if record.lead_time else None,
        "restore_seconds": record.restore_time.total_seconds() if record.restore_time else None,
        "timeline": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind.value,
                "title": e.title,
                "detail": e.detail,
                "who": e.who,
            }
            for e in events
        ],
        "actions": [a.to_json() for a in audits],
        "commits": record.commits,
        "pull_requests": record.pull_requests,
        "stages": {
            stage.value: {
                "start": span.start.isoformat(),
                "end": iso(span.end),
                "seconds": span.seconds,
                "state": span.state.value,
            }
            for stage, span in stage_spans(events).items()
        },
        "answers": [a.to_json() for a in answers],
    }


def timeline_block(record: ReleaseRecord, events: Sequence[TimelineEvent]) -> list[str]:
    """The release on one axis (stages, rollout steps, actions) as a text code block; ASCII
    so every Markdown renderer and font shows it aligned."""
    spans = stage_spans(events)
    now = record.ended_at or max((e.at for e in events), default=record.started_at)
    if now is None:
        return []
    rows = timeline_picture(spans, events, (), now, PICTURE_WIDTH, ascii_only=True, live=False)
    if not rows:
        return []
    return ["```text", *(row_text(row).rstrip() for row in rows), "```", ""]


def export_markdown(
    record: ReleaseRecord,
    events: Sequence[TimelineEvent],
    audits: Sequence[AuditEntry],
    answers: Sequence[Answer] = (),
) -> str:
    team = f" (team {record.team})" if record.team else ""
    lines = [
        f"# Release {_cell(record.id)}",
        "",
        "| | |",
        "|---|---|",
        f"| Service | {_cell(record.service + team)} |",
        f"| Environment | {_cell(record.environment)} |",
        f"| Version | {_cell(record.version)} |",
        f"| Outcome | **{record.outcome.value.replace('_', ' ')}** |",
        f"| Started | {_when(record.started_at)} UTC |",
        f"| Deploy completed | {_when(record.deployed_at)} |",
        f"| First failing | {_when(record.failed_at)} |",
        f"| Restored | {_when(record.restored_at)} |",
        f"| Time to restore | {_span(record.restore_time)} |",
        f"| Finished | {_when(record.finished_at)} |",
        f"| Lead time (first commit to deploy) | {_span(record.lead_time)} |",
        f"| Recorded by | {_cell(record.source)} |",
        f"| Change set | {_batch(record)} |",
        "",
        "## Timeline (UTC)",
        "",
        *timeline_block(record, events),
    ]
    if events:
        lines += ["| time | what | detail | who |", "|---|---|---|---|"]
        lines += [
            f"| {_when(e.at)} | {_cell(e.title)} | {_cell(e.detail)} | {_cell(e.who)} |"
            for e in events
        ]
    else:
        lines.append("No timeline was recorded for this release.")
    lines += ["", "## Actions (audit log)", ""]
    if audits:
        lines += ["| time | who | action | result | took |", "|---|---|---|---|---|"]
        for entry in sorted(audits, key=lambda a: a.started_at):
            took = f"{entry.duration_ms / 1000:.1f}s" if entry.duration_ms is not None else "-"
            who = f"{entry.user}@{entry.host}"
            what = f"{entry.action} ({entry.target})"
            lines.append(
                f"| {_when(entry.started_at)} | {_cell(who)} | {_cell(what)} "
                f"| {_cell(entry.result_text)} | {took} |"
            )
    else:
        lines.append("No actions were taken on this release from the cockpit.")
    lines += ["", "## How it went (confidence and friction, 1-5)", ""]
    if answers:
        lines += ["| time | who | asked after | confidence | friction | note |"]
        lines += ["|---|---|---|---|---|---|"]
        for answer in answers:
            lines.append(
                f"| {_when(answer.at)} | {_cell(answer.who)} | {answer.moment.value} "
                f"| {_score(answer.confidence)} | {_score(answer.friction)} "
                f"| {_cell(answer.note)} |"
            )
    else:
        lines.append("Nobody answered for this release.")
    return "\n".join(lines) + "\n"


def _score(value: int | None) -> str:
    return f"{value} of 5" if value is not None else "skipped"


def _batch(record: ReleaseRecord) -> str:
    if record.commits is None and record.pull_requests is None:
        return "unknown"
    parts = []
    if record.commits is not None:
        parts.append(f"{record.commits} commits")
    if record.pull_requests is not None:
        parts.append(f"{record.pull_requests} pull requests")
    return ", ".join(parts)
