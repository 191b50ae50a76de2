"""`release-cockpit audit`: the audit log as a readable table or one JSON document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from release_cockpit.domain.audit import AuditEntry


def audit_document(path: Path | str, entries: list[AuditEntry]) -> dict[str, Any]:
    """``{"database": ..., "entries": [...]}``, newest first."""
    return {"database": str(path), "entries": [e.to_json() for e in entries]}


def print_audit(
    path: Path | str, entries: list[AuditEntry], console: Console | None = None
) -> None:
    """One row per attempt; text from backends goes in as plain text, never markup."""
    console = console or Console()
    if not entries:
        console.print(Text(f"No actions recorded in {path}."))
        return
    table = Table(
        title=f"audit log ({path})",
        caption="outcome unknown: the cockpit stopped during the call; check the backend",
    )
    for column in ("when (UTC)", "who", "release", "action", "result", "took"):
        table.add_column(
            column, no_wrap=column != "result", min_width=18 if column == "result" else None
        )
    for entry in entries:
        took = f"{entry.duration_ms / 1000:.1f}s" if entry.duration_ms is not None else "-"
        table.add_row(
            Text(entry.started_at.strftime("%Y-%m-%d %H:%M:%S")),
            Text(f"{entry.user}@{entry.host}"),
            Text(entry.release_id),
            Text(f"{entry.action} {entry.target}"),
            Text(entry.result_text),
            Text(took),
        )
    console.print(table)
