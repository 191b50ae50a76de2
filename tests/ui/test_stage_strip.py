"""The stage strip: symbol + word for every state, durations and deploy progress, ASCII set."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.domain import Stage, StageName, StageState
from release_cockpit.ui.glyphs import ASCII, UNICODE
from release_cockpit.ui.widgets.stage_strip import deploy_progress, stage_strip
from tests.support.world import NOW, ago, failing_canary, rollout

ALL_STATES = (
    Stage(StageName.PLAN, StageState.PASSED, started_at=ago(minutes=9), finished_at=ago(minutes=9)),
    Stage(
        StageName.BUILD, StageState.FAILED, started_at=ago(minutes=8), finished_at=ago(minutes=7)
    ),
    Stage(StageName.TEST, StageState.RUNNING, started_at=ago(seconds=130)),
    Stage(StageName.PRE_RELEASE, StageState.WAITING),
    Stage(StageName.DEPLOY, StageState.SKIPPED),
    Stage(StageName.MONITOR, StageState.UNKNOWN),
)


def test_every_state_has_a_symbol_and_a_word():
    line = stage_strip(ALL_STATES, NOW, UNICODE, 120).plain
    assert line == "✓ Plan  ✗ Build 1m00s  ⟳ Test 2m  ⏸ Pre-release  – Deploy  ? Monitor"


def test_ascii_set_uses_only_ascii():
    line = stage_strip(ALL_STATES, NOW, ASCII, 120).plain
    assert line == "+ Plan  x Build 1m00s  > Test 2m  = Pre-release  - Deploy  ? Monitor"
    assert line.isascii()
    pending = stage_strip((Stage(StageName.PLAN, StageState.PENDING),), NOW, ASCII, 20).plain
    assert pending == ". Plan"


def test_states_are_coloured_through_theme_variables():
    line = stage_strip(ALL_STATES, NOW, UNICODE, 120)
    styles = {str(span.style) for span in line.spans}
    assert {"$stage-passed", "$stage-failed", "$stage-running", "$stage-waiting"} <= styles


def test_deploy_shows_step_and_weight_and_monitor_its_soak():
    release = failing_canary()
    line = stage_strip(release.stages, NOW, UNICODE, 120, rollout=release.rollout).plain
    assert "⟳ Deploy 2/5 25%" in line
    monitor = Stage(StageName.MONITOR, StageState.RUNNING, started_at=ago(minutes=4))
    soak = stage_strip((monitor,), NOW, UNICODE, 60, soak_ends_at=NOW + timedelta(minutes=6))
    assert soak.plain == "⟳ Monitor 6m left"


def test_narrow_strip_drops_durations_before_words():
    line = stage_strip(ALL_STATES, NOW, UNICODE, 64).plain
    assert line == "✓ Plan  ✗ Build  ⟳ Test  ⏸ Pre-release  – Deploy  ? Monitor"


def test_deploy_progress_text():
    assert deploy_progress(rollout("x", "1", "2", step_index=4, step_count=4, set_weight=100)) == (
        "4/4 100%"
    )
    assert deploy_progress(rollout("x", "1", "2")) == ""
    assert deploy_progress(None) == ""
