"""`status` and `audit` tables: lines in a pipe (reason last, whole), a table on a terminal
that gives the reason room, and the audit caption only when it applies."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

from rich.console import Console

from release_cockpit.domain import CockpitSnapshot, Verdict, VerdictLevel
from release_cockpit.domain.audit import AuditEntry, Outcome
from release_cockpit.headless.audit_table import UNKNOWN_CAPTION, print_audit
from release_cockpit.headless.status_table import print_status
from tests.support.world import NOW, done, failing_canary, make_snapshot

LONG_REASON = (
    "p99 canary vs stable: not enough data (canary 1, stable 61 points; need 3) "
    "(1 inconclusive, limit 0) — a human must decide"
)


def piped(print_table, *args, **kwargs) -> str:
    buffer = io.StringIO()
    print_table(*args, Console(file=buffer, width=80), **kwargs)
    return buffer.getvalue()


def on_terminal(print_table, *args, width: int = 80) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    print_table(*args, console)
    return buffer.getvalue()


def long_ids() -> CockpitSnapshot:
    unsure = replace(
        done(),
        service="recommendations-personalised-ranking",
        environment="production-eu-west-1",
        verdict=Verdict(VerdictLevel.INCONCLUSIVE, LONG_REASON),
    )
    return replace(make_snapshot(), releases=(failing_canary(), unsure))


def test_piped_status_is_one_line_per_release_with_the_whole_reason():
    snapshot = long_ids()
    lines = piped(print_status, snapshot).splitlines()
    assert len(lines) == len(snapshot.releases)
    assert lines[0].startswith("checkout/production@2.8.0")
    assert " FAILING " in lines[0]
    assert lines[0].endswith(failing_canary().headline(NOW))
    assert lines[1].endswith(LONG_REASON)  # never cut, never folded, never dropped
    assert "…" not in "".join(lines)
    assert "stages" not in lines[0]


def test_wide_adds_the_stages():
    line = piped(print_status, long_ids(), wide=True).splitlines()[0]
    assert "ok   ok   ok   ok   run" in line
    assert line.endswith(failing_canary().headline(NOW))


def test_the_terminal_table_keeps_room_for_the_reason():
    text = on_terminal(print_status, long_ids(), width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    reason_cells = [line.rsplit("│", 2)[-2].strip() for line in text.splitlines() if "│" in line]
    assert " ".join(reason_cells).endswith("— a human must decide")
    # The long id folds; the reason keeps a readable width (it once got 3 letters).
    assert min(len(line.rsplit("│", 2)[-2]) for line in text.splitlines() if "│" in line) > 30
    assert "FAILING" in text
    assert "stages" not in text  # below 120 columns the stages need --wide


def entry(outcome: Outcome, **changes) -> AuditEntry:
    base = AuditEntry(
        1,
        NOW - timedelta(minutes=5),
        "ana",
        "bastion",
        "payments",
        "payments/production@1.13.0",
        "payments",
        "production",
        "rollback",
        "rollout production/payments",
        outcome,
        finished_at=NOW,
        duration_ms=1200,
    )
    return replace(base, **changes)


def test_piped_audit_is_one_line_per_attempt_with_the_whole_result():
    entries = [
        entry(Outcome.REFUSED, error="freeze 'black friday': promote is blocked until Monday"),
        entry(Outcome.SUCCEEDED),
    ]
    lines = piped(print_audit, __file__, entries).splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("refused: freeze 'black friday': promote is blocked until Monday")
    assert "rollback rollout production/payments" in lines[0]
    assert "ana@bastion" not in lines[0]
    wide = piped(print_audit, __file__, entries, wide=True).splitlines()
    assert "ana@bastion" in wide[1]
    assert "1.2s" in wide[1]


def test_the_unknown_outcome_caption_only_when_one_is_unknown():
    succeeded = on_terminal(print_audit, __file__, [entry(Outcome.SUCCEEDED)], width=120)
    assert "outcome unknown" not in succeeded
    unknown = on_terminal(print_audit, __file__, [entry(Outcome.UNKNOWN)], width=120)
    assert UNKNOWN_CAPTION.split(";")[0] in " ".join(unknown.split())
