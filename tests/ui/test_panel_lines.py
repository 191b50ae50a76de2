"""A release panel's lines, rendered from the fixed world at fixed widths."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import SourceState
from release_cockpit.ui.glyphs import ASCII, UNICODE, badge
from release_cockpit.ui.widgets import panel_lines
from tests.support.world import (
    NOW,
    SOURCES,
    done,
    failing_canary,
    running_tests,
    soaking,
    stale_source,
    waiting_for_promote,
)


def test_badges_say_the_verdict_in_words():
    assert badge(failing_canary(), UNICODE)[0] == "✗ FAILING"
    assert badge(waiting_for_promote(), UNICODE)[0] == "⏸ WAITING"
    assert badge(stale_source(), UNICODE)[0] == "? UNKNOWN"
    assert badge(done(), UNICODE)[0] == "✓ OK"
    assert badge(failing_canary(), ASCII)[0] == "x FAILING"


def test_headline_names_service_production_version_change_set_actor_and_age():
    line = panel_lines.headline(failing_canary(), NOW, UNICODE, 120).plain
    assert line.startswith(
        "checkout · PROD · minor 2.7.3 → 2.8.0 · 14 commits, 3 PRs · by alice · 25m ago"
    )
    assert line.endswith("✗ FAILING")
    assert len(line) == 120


def test_headline_shrinks_without_losing_service_environment_version_or_verdict():
    medium = panel_lines.headline(failing_canary(), NOW, UNICODE, 70).plain
    assert medium == "checkout · PROD · minor 2.7.3 → 2.8.0 · 25m ago              ✗ FAILING"
    short = panel_lines.headline(failing_canary(), NOW, UNICODE, 50).plain
    assert short == "checkout · PROD · minor 2.7.3 → 2.8.0    ✗ FAILING"
    tiny = panel_lines.headline(failing_canary(), NOW, UNICODE, 34).plain
    assert tiny == "checkout · PROD · 2.8.0  ✗ FAILING"
    staging = panel_lines.headline(running_tests(), NOW, UNICODE, 100).plain
    assert staging.startswith("search · staging · minor 1.4.0 → 1.5.0")


def test_deploy_line_shows_step_weights_and_pause_countdown():
    [line] = panel_lines.deploy_line(failing_canary(), NOW, UNICODE, 120)
    assert line.plain == "  Deploy on prod-cluster step 2/5 · weight 25% set / 20% actual"
    [waiting] = panel_lines.deploy_line(waiting_for_promote(), NOW, UNICODE, 120)
    assert waiting.plain.endswith("waiting 4m for promote")
    [soak] = panel_lines.deploy_line(soaking(), NOW, UNICODE, 120)
    assert soak.plain == "  Monitor soak 6m left"
    later = panel_lines.deploy_line(soaking(), NOW + timedelta(minutes=2), UNICODE, 120)
    assert later[0].plain == "  Monitor soak 4m left"
    assert panel_lines.deploy_line(done(), NOW, UNICODE, 120) == []


def test_signal_cells_show_value_threshold_sparkline_and_level():
    # Sparklines are drawn against the threshold (the fail line three quarters up): the
    # failing ratio reaches the top, the healthy latency stays under its line.
    lines = panel_lines.signal_lines(failing_canary(), UNICODE, 120)
    assert [line.plain for line in lines] == [
        "  5xx ratio 7.9% vs > 5.0% ▁▂▆██ FAILING    p99 latency 250ms vs > 500ms ▃▃▄▃▄ OK"
    ]
    narrow = panel_lines.signal_lines(failing_canary(), ASCII, 50)
    assert [line.plain for line in narrow] == [
        "  5xx ratio 7.9% vs > 5.0% __=^^ FAILING",
        "  p99 latency 250ms vs > 500ms ....- OK",
    ]


def test_a_sparkline_colours_each_bar_by_where_it_stands_against_the_threshold():
    [ratio, _] = failing_canary().signals
    spark = panel_lines.signal_sparkline(ratio, UNICODE, 10)
    styles = [str(span.style) for span in spark.spans]
    assert spark.plain == "▁▂▆██"
    assert styles == ["$verdict-ok", "$verdict-ok", "$verdict-failing"] + ["$verdict-failing"] * 2


def test_a_signal_without_a_current_value_draws_no_bars():
    [ratio, _] = failing_canary().signals
    no_data = replace(ratio, value=None, value_text="no data")
    assert panel_lines.signal_sparkline(no_data, UNICODE, 10).plain == ""
    assert "▁" not in panel_lines.signal_cell(no_data, UNICODE).plain


def test_alert_line_has_severity_name_summary_and_runbook_hint():
    [line] = panel_lines.alert_lines(failing_canary(), UNICODE, 100)
    assert line.plain.startswith("  ! critical HighErrorRate: 5xx above 5% on the checkout canary")
    assert line.plain.endswith("runbook")


def test_reason_is_wrapped_then_ellipsised():
    release = stale_source()
    [one] = panel_lines.reason_lines(release, NOW, UNICODE, 60, 1)
    assert one.plain.endswith("…")
    assert one.cell_length <= 60
    two = panel_lines.reason_lines(release, NOW, UNICODE, 60, 2)
    assert len(two) == 2


def test_freshness_marks_stale_and_down_sources_in_words():
    [line] = panel_lines.freshness_line(stale_source().sources, NOW, UNICODE, 120)
    assert line.plain == "  github ok · prometheus-eu STALE 2m · alertmanager ok · prod-cluster ok"
    down = SOURCES["buildkite"]
    assert down.state is SourceState.DOWN
    assert panel_lines.source_cell(down, NOW, UNICODE).plain == "buildkite DOWN"


def test_board_timers_move_by_the_minute():
    assert panel_lines.coarse_text("waiting 4m12s for promote") == "waiting 4m for promote"
    assert panel_lines.coarse_text("auto-promotes in 42s") == "auto-promotes in 42s"
    assert panel_lines.coarse_text("paused 1h05m") == "paused 1h05m"
