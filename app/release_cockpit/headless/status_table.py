"""`release-cockpit status` without --json: a table on a terminal, lines in a pipe.

On a terminal: a table, the reason column given room first (a long release id folds
rather than squeezing the reason to a few letters; the stages column shows from 120
columns, or with ``--wide``). In a pipe or a file: one line per release,
``id  VERDICT  reason``, the reason last and whole (``plain_lines``); ``--wide`` adds the
stages.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from release_cockpit.domain import CockpitSnapshot, Release, StageState
from release_cockpit.headless.plain_lines import aligned_lines

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
STAGES_CAPTION = "stages: plan build test pre-release deploy monitor"
STAGES_FROM_WIDTH = 120  # narrower terminals show the stages with --wide only


def stage_words(release: Release) -> str:
    return " ".join(f"{_WORDS[s.state]:<4}" for s in release.stages).rstrip()


def status_lines(snapshot: CockpitSnapshot, *, wide: bool = False) -> list[str]:
    """One line per release: id, verdict word and reason (id, stages, verdict, reason when
    ``wide``); the reason is never cut."""
    rows = []
    for release in snapshot.releases:
        row = [release.id, release.attention.status_word, release.headline(snapshot.taken_at)]
        if wide:
            row.insert(1, stage_words(release))
        rows.append(row)
    return aligned_lines(rows)


def print_status(
    snapshot: CockpitSnapshot, console: Console | None = None, *, wide: bool = False
) -> None:
    """The releases as a table on a terminal, as lines elsewhere (plain text, no markup)."""
    console = console or Console()
    if not console.is_terminal:
        for line in status_lines(snapshot, wide=wide):
            console.out(line, highlight=False)
        return
    stages = wide or console.width >= STAGES_FROM_WIDTH
    table = Table(
        title=f"releases at {snapshot.taken_at:%Y-%m-%d %H:%M:%S} UTC",
        caption=STAGES_CAPTION if stages else None,
    )
    table.add_column("release", overflow="fold", max_width=max(12, console.width // 4))
    if stages:
        table.add_column("stages", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("reason", overflow="fold", ratio=1)
    for release in snapshot.releases:
        reason = release.headline(snapshot.taken_at)
        cells = [Text(release.id), Text(release.attention.status_word), Text(reason)]
        if stages:
            cells.insert(1, Text(stage_words(release)))
        table.add_row(*cells)
    console.print(table)
