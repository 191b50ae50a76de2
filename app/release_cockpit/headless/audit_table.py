"""`release-cockpit audit`: the audit log as a table, as lines in a pipe, or as JSON.

On a terminal: a table. In a pipe or a file: one line per attempt, ``when  release
action target  result``, the result last and whole (``plain_lines``); ``--wide`` adds who
and how long it took. The note about outcomes that are unknown is printed only when the
log holds one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from release_cockpit.domain.audit import AuditEntry, Outcome
from release_cockpit.headless.plain_lines import aligned_lines

UNKNOWN_CAPTION = (
    "outcome unknown: no answer came (the call timed out or the cockpit stopped during it); "
    "check the backend"
)


def audit_document(path: Path | str, entries: list[AuditEntry]) -> dict[str, Any]:
    """``{"database": ..., "entries": [...]}``, newest first."""
    return {"database": str(path), "entries": [e.to_json() for e in entries]}


def _took(entry: AuditEntry) -> str:
    return f"{entry.duration_ms / 1000:.1f}s" if entry.duration_ms is not None else "-"


def audit_lines(entries: list[AuditEntry], *, wide: bool = False) -> list[str]:
    """One line per attempt, the result last and never cut."""
    rows = []
    for entry in entries:
        when = entry.started_at.strftime("%Y-%m-%d %H:%M:%S")
        action = f"{entry.action} {entry.target}"
        if wide:
            who = f"{entry.user}@{entry.host}"
            rows.append([when, who, entry.release_id, action, _took(entry), entry.result_text])
        else:
            rows.append([when, entry.release_id, action, entry.result_text])
    return aligned_lines(rows)


def print_audit(
    path: Path | str,
    entries: list[AuditEntry],
    console: Console | None = None,
    *,
    wide: bool = False,
) -> None:
    """One row per attempt; text from backends goes in as plain text, never markup."""
    console = console or Console()
    if not entries:
        console.out(f"No actions recorded in {path}.", highlight=False)
        return
    if not console.is_terminal:
        for line in audit_lines(entries, wide=wide):
            console.out(line, highlight=False)
        return
    unknown = any(entry.outcome is Outcome.UNKNOWN for entry in entries)
    table = Table(title=f"audit log ({path})", caption=UNKNOWN_CAPTION if unknown else None)
    for column in ("when (UTC)", "who", "release", "action", "result", "took"):
        table.add_column(
            column,
            no_wrap=column not in ("result", "release", "action"),
            overflow="fold",
            min_width=18 if column == "result" else None,
        )
    for entry in entries:
        table.add_row(
            Text(entry.started_at.strftime("%Y-%m-%d %H:%M:%S")),
            Text(f"{entry.user}@{entry.host}"),
            Text(entry.release_id),
            Text(f"{entry.action} {entry.target}"),
            Text(entry.result_text),
            Text(_took(entry)),
        )
    console.print(table)
