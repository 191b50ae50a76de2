from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import (
    Alert,
    Attention,
    ChangeSet,
    Direction,
    PauseKind,
    ReleaseInputs,
    ReleaseType,
    RolloutPhase,
    RunStatus,
    SignalRule,
    StageName,
    StageState,
    Threshold,
    ValueFormat,
    VerdictLevel,
    board_order,
    build_release,
    evaluate,
    measure,
)
from release_cockpit.domain.rollup import pick_target
from tests.support.builders import FRESH, LINE, job, paused, promoted, rollout, run, source
from tests.support.clock import START

RATIO = SignalRule(
    "5xx ratio",
    "prometheus",
    "q",
    Threshold(Direction.ABOVE, 0.05, 0.02),
    ValueFormat.PERCENT,
    failure_limit=2,
)
CS = ChangeSet("2.7.3", "2.8.0", commits=14, pull_requests=(12, 13))


def signal(values):
    ms = [
        measure(RATIO, START - timedelta(seconds=15 * (len(values) - i)), v)
        for i, v in enumerate(values)
    ]
    return evaluate(RATIO, ms)


def release(**kw):
    base = {
        "line": LINE,
        "now": START,
        "ci_runs": (run(),),
        "rollout": rollout(),
        "signals": (signal([0.003]),),
        "changeset": CS,
        "sources": FRESH,
    }
    base.update(kw)
    return build_release(ReleaseInputs(**base))


def states(rel):
    return [s.state for s in rel.stages]


def test_progressing_canary():
    rel = release()
    assert rel.version == "2.8.0"
    assert rel.previous_version == "2.7.3"
    assert rel.release_type is ReleaseType.MINOR
    assert states(rel) == [StageState.PASSED] * 4 + [StageState.RUNNING, StageState.PENDING]
    assert rel.stage(StageName.DEPLOY).detail == "step 3/6 · weight 25%"
    assert rel.verdict.level is VerdictLevel.OK
    assert rel.attention is Attention.RUNNING
    assert rel.stage(StageName.PLAN).detail == "14 commits"
    assert rel.id == "checkout/production@2.8.0"


def test_bad_canary_fails_with_reason():
    rel = release(signals=(signal([0.06, 0.07, 0.079]),))
    assert rel.verdict.level is VerdictLevel.FAILING
    assert "5xx ratio 7.9% > 5.0%" in rel.verdict.reason
    assert rel.attention is Attention.FAILING


def test_failing_alert_fails_release():
    alert = Alert(
        "HighErrorRate", "critical", "5xx above 5%", starts_at=START - timedelta(minutes=2)
    )
    rel = release(alerts=(alert,))
    assert rel.verdict.level is VerdictLevel.FAILING
    assert rel.verdict.reason.startswith("alert HighErrorRate (critical) firing for 2m00s")


def test_a_no_data_alert_makes_the_release_inconclusive_never_ok():
    alert = Alert(
        "checkout 5xx",
        "critical",
        "monitor is No Data",
        starts_at=START - timedelta(minutes=2),
        no_data=True,
    )
    rel = release(alerts=(alert,))
    assert rel.verdict.level is VerdictLevel.INCONCLUSIVE
    assert rel.verdict.reason == "alert checkout 5xx: no data for 2m00s: monitor is No Data"
    assert rel.alert_level(alert) is VerdictLevel.INCONCLUSIVE


def test_failed_test_job():
    jobs = [
        job("build"),
        job("unit-tests"),
        job("integration-tests", RunStatus.FAILED),
        job("smoke-tests", RunStatus.QUEUED),
    ]
    rel = release(
        ci_runs=(run(jobs=jobs, status=RunStatus.FAILED),),
        rollout=rollout(canary_version="2.7.3", canary_revision="aaa"),
    )
    test = rel.stage(StageName.TEST)
    assert test.state is StageState.FAILED
    assert test.detail == "integration-tests failed"
    assert rel.stage(StageName.DEPLOY).state is StageState.PENDING
    assert rel.verdict.reason == "Test failed: integration-tests failed"
    assert rel.attention is Attention.FAILING


def test_timed_pause_runs_with_countdown():
    rel = release(rollout=paused(PauseKind.TIMED_STEP, ends_in=timedelta(seconds=25)))
    deploy = rel.stage(StageName.DEPLOY)
    assert deploy.state is StageState.RUNNING
    assert "next step in 25s" in deploy.text(START)
    assert "next step in 15s" in deploy.text(START + timedelta(seconds=10))
    assert rel.attention is Attention.RUNNING


def test_promotion_gate_waits_for_human_with_countdown():
    rel = release(rollout=paused(PauseKind.PROMOTION_GATE, ends_in=timedelta(minutes=8)))
    deploy = rel.stage(StageName.DEPLOY)
    assert deploy.state is StageState.WAITING
    assert "auto-promotes in 8m00s" in deploy.text(START)
    assert rel.attention is Attention.WAITING


def test_soak_then_done():
    soaking = release(rollout=promoted(finished_minutes_ago=3))
    assert soaking.stage(StageName.DEPLOY).state is StageState.PASSED
    monitor = soaking.stage(StageName.MONITOR)
    assert monitor.state is StageState.RUNNING
    assert monitor.text(START) == "soak 7m00s left"
    assert soaking.attention is Attention.SOAKING
    done = release(rollout=promoted(finished_minutes_ago=11))
    assert done.stage(StageName.MONITOR).state is StageState.PASSED
    assert done.attention is Attention.DONE


def test_stale_source_is_never_healthy():
    stale = (source("github"), source("cluster"), source("prometheus", age_seconds=45))
    rel = release(sources=stale)
    assert rel.verdict.level is VerdictLevel.UNKNOWN
    assert "prometheus data 45s old (stale after 30s)" in rel.verdict.reason
    assert rel.signals[0].level is VerdictLevel.UNKNOWN
    assert rel.attention is Attention.UNKNOWN


def test_stale_does_not_hide_failure():
    stale = (source("github", age_seconds=300), *FRESH[1:])
    rel = release(signals=(signal([0.06, 0.07, 0.079]),), sources=stale)
    assert rel.verdict.level is VerdictLevel.FAILING


def test_no_ci_data_yet_is_unknown():
    rel = release(ci_runs=None)
    assert rel.stage(StageName.BUILD).state is StageState.UNKNOWN


def test_hotfix():
    rel = release(
        ci_runs=(run("3.1.1", ref="hotfix/3.1.1"),),
        rollout=rollout(stable_version="3.1.0", canary_version="3.1.1"),
    )
    assert rel.release_type is ReleaseType.HOTFIX


def test_window_not_open_waits():
    line = replace(LINE, window_start=START + timedelta(hours=2))
    rel = release(line=line)
    assert rel.stage(StageName.PLAN).state is StageState.WAITING
    assert rel.stage(StageName.PLAN).text(START) == "window opens in 2h00m"


def test_changeset_pending_keeps_plan_running():
    rel = release(changeset=None, changeset_pending=True)
    assert rel.stage(StageName.PLAN).state is StageState.RUNNING


def test_without_a_version_plan_says_why_when_the_ci_backend_does():
    unversioned = replace(
        run(),
        version=None,
        ref="main",
        version_problem="version unknown: branch 'main' is not a release tag or branch",
    )
    rel = release(ci_runs=(unversioned,), rollout=None)
    plan = rel.stage(StageName.PLAN)
    assert plan.state is StageState.PENDING
    assert (
        plan.detail
        == "no version yet (version unknown: branch 'main' is not a release tag or branch)"
    )
    assert (
        release(ci_runs=(replace(unversioned, version_problem=""),), rollout=None)
        .stage(StageName.PLAN)
        .detail
        == "no version yet"
    )


def _main_run(minutes_ago: float, jobs=None, status=RunStatus.FAILED):
    """A build on ``main``: its version cannot be read."""
    return replace(
        run(jobs=jobs, status=status),
        id="2",
        number=13,
        version=None,
        ref="main",
        created_at=START - timedelta(minutes=minutes_ago),
        version_problem="version unknown: branch 'main' is not a release tag or branch",
    )


FAILING_TESTS = [job("build"), job("integration-tests", RunStatus.FAILED)]


def test_a_newer_run_without_a_version_is_shown_with_its_failing_test():
    unversioned = _main_run(2, FAILING_TESTS)
    rel = release(ci_runs=(unversioned, run()), rollout=promoted(finished_minutes_ago=60))
    assert rel.ci_run is unversioned
    test = rel.stage(StageName.TEST)
    assert test.state is StageState.FAILED
    assert test.detail == "integration-tests failed (run #13: version unknown)"
    assert "version unknown" in rel.verdict.reason
    assert rel.attention is Attention.FAILING


def test_only_runs_without_a_version_never_read_pending_no_ci_run():
    rel = release(ci_runs=(_main_run(2, FAILING_TESTS),), rollout=None)
    assert rel.version is None
    assert rel.stage(StageName.PLAN).detail.startswith("no version yet (version unknown: ")
    assert rel.stage(StageName.TEST).state is StageState.FAILED
    assert all("no CI run for this version yet" not in s.detail for s in rel.stages)


def test_an_older_run_without_a_version_does_not_replace_the_releases_run():
    older = _main_run(60, FAILING_TESTS)
    rel = release(ci_runs=(run(), older), rollout=promoted(finished_minutes_ago=60))
    assert rel.ci_run is not None
    assert rel.ci_run.version == "2.8.0"


def test_a_moving_rollout_keeps_its_own_versions_run():
    newer = _main_run(1, FAILING_TESTS)
    rel = release(ci_runs=(newer, run()))  # the canary 2.8.0 is rolling out
    assert rel.ci_run is not None
    assert rel.ci_run.version == "2.8.0"
    assert rel.stage(StageName.TEST).state is StageState.PASSED


def test_a_run_whose_jobs_were_not_read_is_unknown_never_skipped():
    unread = replace(run(jobs=[], status=RunStatus.SUCCEEDED), jobs_problem="github: HTTP 404")
    rel = release(ci_runs=(unread,))
    for name in (StageName.BUILD, StageName.TEST):
        stage = rel.stage(name)
        assert (stage.state, stage.detail) == (
            StageState.UNKNOWN,
            "jobs not read: github: HTTP 404",
        )
    assert rel.verdict.level is not VerdictLevel.FAILING


def test_part_of_the_jobs_read_never_passes_but_a_failure_read_still_fails():
    partial = replace(run(jobs=FAILING_TESTS, status=RunStatus.FAILED), jobs_problem="HTTP 500")
    rel = release(ci_runs=(partial,))
    assert rel.stage(StageName.BUILD).state is StageState.UNKNOWN
    assert rel.stage(StageName.TEST).state is StageState.FAILED


def test_aborted_rollout_fails_deploy():
    rel = release(
        rollout=rollout(
            aborted=True,
            phase=RolloutPhase.DEGRADED,
            message="Rollout aborted update to revision 3",
        )
    )
    assert rel.stage(StageName.DEPLOY).state is StageState.FAILED
    assert rel.attention is Attention.FAILING


def test_pick_target_next_version_from_ci_when_rollout_settled():
    settled = promoted(finished_minutes_ago=60)
    nxt = run("2.9.0")
    nxt = replace(nxt, created_at=START)
    target = pick_target(settled, [nxt, run("2.8.0")])
    assert (target.version, target.previous) == ("2.9.0", "2.8.0")
    assert target.run is nxt


def test_board_order():
    failing = release(signals=(signal([0.06, 0.07, 0.079]),))
    waiting = release(
        line=replace(LINE, key="b", service="b"), rollout=paused(PauseKind.INDEFINITE_STEP)
    )
    soaking = release(line=replace(LINE, key="c", service="c"), rollout=promoted())
    running = release(line=replace(LINE, key="d", service="d"))
    order = board_order([soaking, running, waiting, failing])
    assert [r.attention for r in order] == [
        Attention.FAILING,
        Attention.WAITING,
        Attention.RUNNING,
        Attention.SOAKING,
    ]
