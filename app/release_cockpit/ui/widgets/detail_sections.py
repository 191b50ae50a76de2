"""Pure builders for the release detail screen's sections, each fitted to a width.

Every backend string (job and step names, alert text, rollout messages, URLs) goes
through ``plain``, so it is shown as typed and never interpreted as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import (
    Outcome,
    PauseKind,
    RunStatus,
    StageState,
    format_duration,
)
from release_cockpit.domain.history import TimelineKind
from release_cockpit.domain.rollout import pause_text
from release_cockpit.ui.glyphs import (
    ACTION_PHASE_STYLE,
    LEVEL_STYLE,
    LEVEL_WORD,
    SOURCE_STYLE,
    SOURCE_WORD,
    STAGE_STYLE,
    badge,
)
from release_cockpit.ui.textfit import (
    EMPTY,
    ago,
    clock_time,
    date_time,
    ellipsize,
    table,
    until,
    wrap,
)
from release_cockpit.ui.widgets.panel_lines import (
    FLAG_STYLE,
    changeset_text,
    environment_label,
    signal_sparkline,
    weight_text,
)

if TYPE_CHECKING:
    from release_cockpit.domain import (
        CIJob,
        Release,
        SignalStatus,
        SourceStatus,
    )
    from release_cockpit.domain.history import TimelineEvent
    from release_cockpit.ui.glyphs import (
        Glyphs,
    )

_RUN_STATE: dict[RunStatus, StageState] = {
    RunStatus.SUCCEEDED: StageState.PASSED,
    RunStatus.FAILED: StageState.FAILED,
    RunStatus.CANCELLED: StageState.FAILED,
    RunStatus.RUNNING: StageState.RUNNING,
    RunStatus.QUEUED: StageState.PENDING,
    RunStatus.WAITING: StageState.WAITING,
    RunStatus.SKIPPED: StageState.SKIPPED,
    RunStatus.UNKNOWN: StageState.UNKNOWN,
}


def heading(title: str) -> list[Content]:
    """A blank line, then the section title."""
    return [EMPTY, Content.styled(title, "bold $accent")]


def _facts(rows: Sequence[tuple[str, Content]], width: int, glyphs: Glyphs) -> list[Content]:
    cells = [[Content.styled(label, "dim"), value] for label, value in rows if value.cell_length]
    return table(cells, width, ellipsis=glyphs.ellipsis)


def summary(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """The verdict badge and its full reason, wrapped."""
    word, style = badge(release, glyphs)
    headline = release.headline(now) or "no reason given"
    reason = glyphs.plain(headline, LEVEL_STYLE[release.verdict.level])
    lines = [Content.styled(word, f"bold {style}")]
    lines += [Content.assemble("  ", line) for line in wrap(reason, width - 2, 6, glyphs.ellipsis)]
    return lines


def facts(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    service = glyphs.plain(release.service + (f" (team {release.team})" if release.team else ""))
    env = environment_label(release.environment, glyphs)
    if env.plain != release.environment:
        env = Content.assemble(env, " ", glyphs.plain(f"({release.environment})"))
    version = release.version or "?"
    if release.previous_version:
        version += f" (previous {release.previous_version})"
    kind = release.type_reason or release.release_type.value
    change = release.changeset
    change_text = ""
    if change is not None:
        change_text = f"{change.base[:12]}..{change.head[:12]}, {changeset_text(release)}"
        if change.pull_requests:
            change_text += " (" + ", ".join(f"#{n}" for n in change.pull_requests[:8]) + ")"
    started = ""
    if release.started_at is not None:
        started = f"{date_time(release.started_at)} ({ago(release.started_at, now)} ago)"
    eta = release.eta(now)
    rows = [
        ("Service", service),
        ("Environment", env),
        ("Version", glyphs.plain(version)),
        ("Type", glyphs.plain(kind)),
        ("Change set", glyphs.plain(change_text)),
        ("Compare", glyphs.plain(change.url if change else "")),
        ("Ref", glyphs.plain(release.ref)),
        ("Policy", glyphs.plain(release.policy or "service defaults")),
        ("ETA", glyphs.plain(f"{date_time(eta)} (in {until(eta, now)})" if eta else "")),
        ("Triggered by", glyphs.plain(release.triggered_by)),
        ("Started", glyphs.plain(started)),
        ("Runbook", glyphs.plain(release.runbook_url)),
    ]
    return [*heading("Release"), *_facts(rows, width, glyphs)]


def stages(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    rows = []
    for stage in release.stages:
        style = STAGE_STYLE[stage.state]
        duration = stage.duration(now)
        rows.append(
            [
                Content.styled(f"{glyphs.stage[stage.state]} {stage.name.title}", style),
                Content.styled(stage.state.value, style),
                Content(clock_time(stage.started_at)),
                Content(format_duration(duration) if duration is not None else "-"),
                glyphs.plain(stage.text(now)),
            ]
        )
    header = ("Stage", "State", "Started", "Duration", "Detail")
    return [*heading("Stages"), *table(rows, width, header=header, ellipsis=glyphs.ellipsis)]


def _job_duration(job: CIJob, now: datetime) -> str:
    if job.started_at is None:
        return "-"
    return format_duration((job.completed_at or now) - job.started_at)


def ci_jobs(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """CI jobs, failed ones first, with failed step names and the log URL of each failure."""
    run = release.ci_run
    if run is None:
        return [*heading("CI"), Content.styled("no CI run for this release", "dim")]
    state = _RUN_STATE[run.status]
    title = f"{run.name} #{run.number}" if run.number is not None else run.name
    parts: list[Content | str] = [
        "  ",
        Content.styled(f"{glyphs.stage[state]} {run.status.value}", STAGE_STYLE[state]),
    ]
    if run.attempt > 1:
        parts.append(f"  attempt {run.attempt}")
    tail = Content.assemble(*parts)
    # A long run name is cut, not the state after it (the line is clipped at the edge).
    name = ellipsize(glyphs.plain(title, "bold"), width - tail.cell_length, glyphs.ellipsis)
    lines = [*heading("CI"), Content.assemble(name, tail)]
    if run.url:
        lines.append(
            ellipsize(
                Content.assemble(Content.styled("run ", "dim"), glyphs.plain(run.url)),
                width,
                glyphs.ellipsis,
            )
        )
    # Why the run has no version (and how to give it one), and why its jobs are missing:
    # the stages are judged from this run, so the reader must see what it lacks.
    jobs_problem = f"jobs not read: {run.jobs_problem}" if run.jobs_problem else ""
    for problem in (run.version_problem if run.version is None else "", jobs_problem):
        if problem:
            lines += wrap(glyphs.plain(f"  {problem}", "bold"), width, 3, glyphs.ellipsis)
    jobs = sorted(run.jobs, key=lambda j: j.status not in (RunStatus.FAILED, RunStatus.CANCELLED))
    rows = []
    for job in jobs:
        job_state = _RUN_STATE[job.status]
        failed = ", ".join(s.name for s in job.failed_steps)
        rows.append(
            [
                Content.styled(
                    f"{glyphs.stage[job_state]} {job.status.value}", STAGE_STYLE[job_state]
                ),
                glyphs.plain(job.name),
                Content(_job_duration(job, now)),
                glyphs.plain(failed),
            ]
        )
    header = ("State", "Job", "Duration", "Failed steps")
    body = table(rows, width, header=header, flex=1, ellipsis=glyphs.ellipsis)
    lines += body[:1]
    for job, line in zip(jobs, body[1:], strict=False):
        lines.append(line)
        if job.url and job.status in (RunStatus.FAILED, RunStatus.CANCELLED):
            log = Content.assemble(Content.styled("    log ", "dim"), glyphs.plain(job.url))
            lines.append(ellipsize(log, width, glyphs.ellipsis))
    return lines


def outcome_marks(signal: SignalStatus, glyphs: Glyphs) -> str:
    """The last measurements, oldest first: passed, failed, inconclusive, error."""
    marks = {
        Outcome.SUCCESSFUL: glyphs.stage[StageState.PASSED],
        Outcome.FAILED: glyphs.stage[StageState.FAILED],
        Outcome.INCONCLUSIVE: "?",
        Outcome.ERROR: "!",
    }
    return "".join(marks[m.outcome] for m in signal.recent)


def signals(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    if not release.signals:
        return [*heading("Signals"), Content.styled("no health signals configured", "dim")]
    rows = []
    for signal in release.signals:
        style = "dim" if signal.not_compared else LEVEL_STYLE[signal.level]
        limit = "off" if signal.failure_limit < 0 else str(signal.failure_limit)
        marks = " (dry run)" if signal.dry_run else (" (critical)" if signal.critical else "")
        rows.append(
            [
                glyphs.plain(signal.name + marks),
                Content.styled(
                    "NOT COMPARED" if signal.not_compared else LEVEL_WORD[signal.level], style
                ),
                Content.styled(glyphs.flat(signal.value_text), f"bold {style}"),
                glyphs.plain(signal.threshold_text),
                Content(f"{signal.failures}/{limit}"),
                Content(f"{signal.inconclusive}/{signal.inconclusive_limit}"),
                Content(outcome_marks(signal, glyphs)),
                signal_sparkline(signal, glyphs, 16),
                Content(f"{ago(signal.measured_at, now)} ago" if signal.measured_at else "never"),
            ]
        )
    header = (
        *("Signal", "Level", "Value", "Condition", "Fail/limit", "Inc/limit", "Last"),
        *("Trend", "Measured"),
    )
    # The condition gives way first (the chart under the alerts draws it again), then the
    # columns on the right; the name is what people look for and is never cut for them.
    body = table(rows, width, header=header, flex=3, ellipsis=glyphs.ellipsis)
    lines = [*heading("Signals"), *body[:1]]
    for signal, line in zip(release.signals, body[1:], strict=False):
        lines.append(line)
        reason = glyphs.plain(signal.reason, "dim")
        lines += [Content.assemble("    ", r) for r in wrap(reason, width - 4, 2, glyphs.ellipsis)]
    return lines


def alerts(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    if not release.alerts:
        lines = [*heading("Alerts"), Content.styled("no active alerts", "dim")]
        return lines + suppressed(release, glyphs, width)
    lines = heading("Alerts")
    for alert in release.alerts:
        style = LEVEL_STYLE[release.alert_level(alert)]
        if release.alerts_as_of:  # the source is down: the last alerts known, no timer
            since = Content.styled(f"  {release.alerts_as_of}", "bold $source-stale")
        else:
            since = Content.styled(
                f"  firing {ago(alert.starts_at, now)}" if alert.starts_at else "", "dim"
            )
        word = "no data" if alert.no_data else alert.severity
        what = Content.assemble(
            Content.styled(f"{glyphs.warning} {glyphs.plain(word).plain}", f"bold {style}"),
            " ",
            glyphs.plain(alert.name, "bold"),
        )
        # Labels are the backend's: a long one is cut, never how long it has been firing.
        what = ellipsize(what, width - since.cell_length, glyphs.ellipsis)
        lines.append(Content.assemble(what, since))
        lines += [
            Content.assemble("    ", line)
            for line in wrap(glyphs.plain(alert.summary), width - 4, 3, glyphs.ellipsis)
        ]
        if alert.runbook_url:
            runbook = Content.assemble(
                Content.styled("    runbook ", "dim"), glyphs.plain(alert.runbook_url)
            )
            lines.append(ellipsize(runbook, width, glyphs.ellipsis))
    return lines + suppressed(release, glyphs, width)


def suppressed(release: Release, glyphs: Glyphs, width: int) -> list[Content]:
    """``HighLatency (warning): muted by offhours``: alerts that match the release but are
    silenced, inhibited or muted; listed so nobody wonders where they went, never counted."""
    lines: list[Content] = []
    for alert in release.suppressed_alerts:
        why = ", ".join(alert.suppressed_by) or "suppressed"
        text = f"{alert.name} ({alert.severity or 'no severity'}): {why}, not counted"
        lines += wrap(glyphs.plain(text, "dim"), width, 2, glyphs.ellipsis)
    return lines


def rollout(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    state = release.rollout
    if state is None:
        return [*heading("Rollout"), Content.styled("no rollout data", "dim")]
    step = ""
    if state.step_index is not None and state.step_count:
        step = f"{min(state.step_index + 1, state.step_count)}/{state.step_count}"
    pause = ""
    if state.pause_kind is not PauseKind.NONE or state.pause_ends_at is not None:
        pause = f"{state.pause_kind.value}: {pause_text(state, now)}"
        if state.pause_ends_at is not None:
            pause += f" (until {clock_time(state.pause_ends_at)}Z)"
    replicas = ""
    if state.replicas is not None:
        replicas = f"{state.ready_replicas if state.ready_replicas is not None else '?'}"
        replicas += f"/{state.replicas} ready"
    rows = [
        ("Phase", glyphs.plain(f"{state.phase.value}{' (aborted)' if state.aborted else ''}")),
        ("Strategy", glyphs.plain(f"{state.strategy} {state.namespace}/{state.name}".strip())),
        ("Step", Content(step)),
        ("Weights", Content(weight_text(state.set_weight, state.actual_weight))),
        ("Pause", glyphs.plain(pause)),
        (
            "Stable",
            glyphs.plain(f"{state.stable_version or '?'} rev {state.stable_revision or '?'}"),
        ),
        (
            "Canary",
            glyphs.plain(f"{state.canary_version or '?'} rev {state.canary_revision or '?'}"),
        ),
        ("Replicas", Content(replicas)),
        ("Message", glyphs.plain(state.message)),
    ]
    if release.cluster:
        where = f"{release.cluster} ({state.kind or 'Rollout'})"
        rows.insert(2, ("Cluster", glyphs.plain(where)))
    if release.soak_ends_at is not None and release.soak_ends_at > now:
        rows.append(("Soak", Content(f"{until(release.soak_ends_at, now)} left")))
    return [*heading("Rollout"), *_facts(rows, width, glyphs)]


def flags(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """Every flag guarding the release: its state in words, what it serves and why, and
    when it last changed; the first is the kill switch "flag off" acts on."""
    if not release.flags:
        return []
    rows = []
    for index, flag in enumerate(release.flags):
        details = [f"variant {flag.variant}" if flag.variant else ""]
        if flag.value and flag.on is not None:
            details.append(f"serves {flag.value}")
        details.append(f"reason {flag.reason}" if flag.reason else "")
        changed = f"{ago(flag.updated_at, now)} ago" if flag.updated_at else ""
        rows.append(
            [
                glyphs.plain(flag.key + (" (kill switch)" if index == 0 else ""), "bold"),
                glyphs.plain(flag.environment or "-"),
                glyphs.plain(flag.summary, FLAG_STYLE[flag.switch]),
                Content(changed),
                glyphs.plain("; ".join(d for d in details if d)),
            ]
        )
    header = ["Flag", "Environment", "State", "Changed", "Serves"]
    # A backend that says nothing of when or what (Unleash's booleans) gets no empty columns.
    keep = [i for i in range(len(header)) if i < 3 or any(row[i].cell_length for row in rows)]
    rows = [[row[i] for i in keep] for row in rows]
    header = [header[i] for i in keep]
    return [*heading("Feature flags"), *table(rows, width, header=header, ellipsis=glyphs.ellipsis)]


def source_rows(
    sources: Sequence[SourceStatus], now: datetime, glyphs: Glyphs
) -> list[list[Content]]:
    rows = []
    for source in sources:
        word = SOURCE_WORD[source.state]
        style = SOURCE_STYLE[source.state]
        error = f"{source.error_title}: {source.error}" if source.error_title else source.error
        rows.append(
            [
                glyphs.plain(source.name),
                Content.styled(word, style),
                Content(f"{ago(source.updated_at, now)} ago" if source.updated_at else "never"),
                glyphs.plain(error),
            ]
        )
    return rows


def sources(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    rows = source_rows(release.sources, now, glyphs)
    header = ("Source", "State", "Updated", "Last error")
    return [*heading("Sources"), *table(rows, width, header=header, ellipsis=glyphs.ellipsis)]


def controls(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """The last action and whether it took effect, and every runbook, beside the controls."""
    lines: list[Content] = []
    status = release.action
    if status is not None:
        text = f"{status.text} ({ago(status.at, now)} ago)"
        lines += wrap(
            glyphs.plain(text, ACTION_PHASE_STYLE[status.phase]), width, 3, glyphs.ellipsis
        )
    runbooks = [("service", release.runbook_url)] if release.runbook_url else []
    runbooks += [(f"alert {a.name}", a.runbook_url) for a in release.alerts if a.runbook_url]
    for label, url in runbooks:
        row = Content.assemble(
            Content.styled(f"runbook ({glyphs.flat(label)}) ", "dim"), glyphs.plain(url)
        )
        lines.append(ellipsize(row, width, glyphs.ellipsis))
    return [*heading("Last action and runbooks"), *lines] if lines else []


def checklist(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """Every readiness item with its state, who ticked it and when (c to tick)."""
    items = release.checklist
    if items is None:
        return []
    lines = heading(f"Readiness {items.summary} (c to tick)")
    rows = []
    for state in items.items:
        mark = "done" if state.done else "FAILED" if state.failed else "open"
        style = "$verdict-ok" if state.done else "bold $verdict-failing" if state.failed else "bold"
        rows.append(
            [
                Content.styled(mark, style),
                glyphs.plain(state.item.name),
                Content(state.item.kind.value),
                glyphs.plain(state.detail, "dim"),
            ]
        )
    return lines + table(rows, width, flex=3, ellipsis=glyphs.ellipsis)


def timeline(events: Sequence[TimelineEvent], glyphs: Glyphs, width: int) -> list[Content]:
    """What happened to the release, oldest first, as the history recorded it."""
    if not events:
        return []
    rows = [
        [
            Content.styled(event.at.strftime("%H:%M:%S"), "dim"),
            glyphs.plain(event.title, "bold" if event.kind is TimelineKind.ACTION else ""),
            glyphs.plain(event.detail, "dim"),
            glyphs.plain(event.who),
        ]
        for event in events[-40:]
    ]
    return [*heading("Timeline (UTC)"), *table(rows, width, flex=2, ellipsis=glyphs.ellipsis)]
