"""`release-cockpit status` without --json: a readable table on stdout."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from release_cockpit.domain import CockpitSnapshot, StageState

# Words, not colours or symbols: this output goes to logs, CI and non-UTF-8 terminals.
_WORDS = {
    StageState.PASSED: "ok",
    StageState.FAILED: "FAIL",
    StageState.RUNNING: "run",
    StageState.WAITING: "WAIT",
    StageState.PENDING: "-",
    StageState.SKIPPED: "skip",
    StageState.UNKNOWN: "?",
}


def print_status(snapshot: CockpitSnapshot, console: Console | None = None) -> None:
    """One row per release: stages, verdict and its reason, as plain text (no markup)."""
    console = console or Console()
    table = Table(
        title=f"releases at {snapshot.taken_at:%Y-%m-%d %H:%M:%S} UTC",
        caption="stages: plan build test pre-release deploy monitor",
    )
    table.add_column("release", no_wrap=True)
    table.add_column("stages", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("reason", overflow="fold", ratio=1)
    for release in snapshot.releases:
        table.add_row(
            Text(release.id),
            Text(" ".join(f"{_WORDS[s.state]:<4}" for s in release.stages)),
            Text(release.attention.status_word),
            Text(release.headline),
        )
    console.print(table)
