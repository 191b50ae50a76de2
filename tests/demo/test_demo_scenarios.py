"""Each scenario's state over time, read through the payload builders with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit_demo import World
from release_cockpit_demo.github_payloads import job_json, run_json, visible_runs
from release_cockpit_demo.k8s_payloads import replicasets_json, rollout_json
from release_cockpit_demo.line import Line
from release_cockpit_demo.monitoring_payloads import AlertRecord, line_alerts
from release_cockpit_demo.query_templates import Query, Signal
from release_cockpit_demo.scenarios import (
    ALERT_FOR,
    ALERT_THRESHOLD,
    DEFAULT_SOAK,
    KIND_ORDER,
    MAJOR_SOAK,
    RESTART_AFTER,
    Kind,
)
from tests.support.demo_clock import START, FakeClock

API = "http://demo/github"


def rollout(world: World, name: str) -> dict:
    line = world.line(name)
    world.advance([line])
    return rollout_json(line)


def weight(obj: dict) -> int:
    return obj["status"]["canary"]["weights"]["canary"]["weight"]


def image_tag(obj: dict) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[1]


def newest_run(world: World, name: str) -> dict:
    line = world.line(name)
    now = world.advance([line])
    return run_json(line, visible_runs(line, now)[0], now, API)


def jobs(world: World, name: str) -> dict[str, dict]:
    line = world.line(name)
    now = world.advance([line])
    run = visible_runs(line, now)[0]
    return {j.plan.name: job_json(line, run, j, now, API) for j in run.latest_jobs()}


def parse(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_checkout_builds_then_promotes_step_by_step(world: World, clock: FakeClock):
    clock.to(20)
    assert newest_run(world, "checkout")["status"] == "in_progress"
    assert image_tag(rollout(world, "checkout")) == "2.7.4"  # CI first, rollout untouched

    seen = []
    for offset in (50, 90, 120):
        clock.to(offset)
        obj = rollout(world, "checkout")
        seen.append((weight(obj), obj["status"]["currentStepIndex"], obj["status"]["phase"]))
    assert seen == [(10, 1, "Paused"), (25, 3, "Paused"), (50, 5, "Paused")]

    clock.to(150)
    done = rollout(world, "checkout")
    assert done["status"]["phase"] == "Healthy"
    assert done["status"]["currentStepIndex"] == 7
    assert done["status"]["currentPodHash"] == done["status"]["stableRS"]
    assert image_tag(done) == "2.8.0"
    assert newest_run(world, "checkout")["conclusion"] == "success"


def test_checkout_timed_pause_carries_a_start_time(world: World, clock: FakeClock):
    clock.to(60)
    status = rollout(world, "checkout")["status"]
    assert status["message"] == "CanaryPauseStep"
    [condition] = status["pauseConditions"]
    assert condition["reason"] == "CanaryPauseStep"
    assert parse(condition["startTime"]) == START + 46  # CI 40 s + deploy 2 s + setWeight 4 s
    assert status["observedGeneration"] == str(rollout(world, "checkout")["metadata"]["generation"])


def test_checkout_cycles_to_the_next_minor_version_after_its_soak(world: World, clock: FakeClock):
    clock.to(148 + 300 + 1)
    run = newest_run(world, "checkout")
    assert run["head_branch"] == "v2.9.0"
    assert run["status"] in ("queued", "in_progress")
    assert image_tag(rollout(world, "checkout")) == "2.8.0"  # running the last release


def error_alerts(line: Line, at: float) -> list[AlertRecord]:
    return [a for a in line_alerts(line, at) if a.labels["alertname"] == "HighErrorRate"]


def test_payments_opens_paused_at_25_percent_with_the_error_alert_firing(world: World):
    obj = rollout(world, "payments")
    assert (weight(obj), obj["status"]["currentStepIndex"]) == (25, 3)
    assert obj["status"]["phase"] == "Paused"
    assert image_tag(obj) == "1.13.0"
    line = world.line("payments")
    assert line.signal_value(Signal.ERROR_RATIO, START) > 0.05
    assert line.signal_value(Signal.P99_LATENCY, START) > 0.7
    [alert] = error_alerts(line, START)
    assert alert.labels == {
        "alertname": "HighErrorRate",
        "env": "production",
        "namespace": "production",
        "service": "payments",
        "severity": "critical",
        "team": "payments",
    }
    assert alert.annotations["runbook_url"].startswith("https://")
    assert "5%" in alert.annotations["summary"]
    # Crossed 5 % 40 s before the start; the rule's `for: 30s` makes it fire 10 s before.
    assert alert.starts_at == pytest.approx(START - 10, abs=0.01)


def test_payments_error_ratio_climbed_before_the_world_started(world: World):
    line = world.line("payments")
    # Cycle 0's canary took traffic ~109 s before the start; errors ramp from 15 s later.
    assert line.signal_value(Signal.ERROR_RATIO, START - 150) < 0.01
    assert line.signal_value(Signal.ERROR_RATIO, START - 100) < 0.01
    assert 0.01 < line.signal_value(Signal.ERROR_RATIO, START - 60) < 0.05
    assert line.signal_value(Signal.ERROR_RATIO, START) > 0.05
    assert line.signal_value(Signal.P99_LATENCY, START - 100) < 0.3
    # The alert state is a function of time too: pending at -20 s, firing from -10 s.
    assert not error_alerts(line, START - 20)
    assert len(error_alerts(line, START - 9)) == 1


def test_payments_has_failed_its_error_threshold_for_30s_when_the_world_starts(world: World):
    """The intent of the payments line's start offset: the cockpit opens on a failing verdict
    that already has history, not on a canary about to go bad."""
    line = world.line("payments")
    assert line.in_pause_step()
    tenths = [START - t / 10 for t in range(301)]
    assert min(line.signal_value(Signal.ERROR_RATIO, at) for at in tenths) > ALERT_THRESHOLD
    since = line.firing_since(Signal.ERROR_RATIO, START)
    assert since is not None
    assert since - ALERT_FOR <= START - 30  # the noise-free value crossed at least 30 s ago


def test_payments_next_cycle_after_an_abort_starts_healthy_then_goes_bad_again(
    world: World, clock: FakeClock
):
    line = world.line("payments")
    line.abort(START)
    assert not error_alerts(line, START)
    # Next cycle at 180 s; CI 40 s + deploy 2 s: the 1.14.0 canary takes traffic at 222 s,
    # crosses 5 % ~69.5 s later (~291.5 s) and the alert fires 30 s after that (~321.5 s).
    clock.to(RESTART_AFTER + 1)
    assert newest_run(world, "payments")["head_branch"] == "v1.14.0"
    clock.to(240)
    obj = rollout(world, "payments")
    assert image_tag(obj) == "1.14.0"
    assert weight(obj) == 10
    assert line.signal_value(Signal.ERROR_RATIO, clock.now) < 0.01
    assert not error_alerts(line, clock.now)
    clock.to(310)
    world.advance([line])
    assert line.signal_value(Signal.ERROR_RATIO, clock.now) > 0.05
    assert not error_alerts(line, clock.now)  # above the threshold, not yet for 30 s
    clock.to(400)
    obj = rollout(world, "payments")
    assert (weight(obj), obj["status"]["phase"]) == (25, "Paused")
    [alert] = error_alerts(line, clock.now)
    assert START + 315 < alert.starts_at < START + 330
    # The aborted cycle's history is still there: bad before the abort, healthy after it.
    assert line.signal_value(Signal.ERROR_RATIO, START - 1) > 0.05
    assert line.signal_value(Signal.ERROR_RATIO, START + 100) < 0.01


def test_payments_sits_paused_at_25_percent_until_a_human_acts(world: World, clock: FakeClock):
    clock.to(3600)
    obj = rollout(world, "payments")
    assert weight(obj) == 25
    assert obj["status"]["phase"] == "Paused"
    assert obj["spec"]["strategy"]["canary"]["steps"][3] == {"pause": {}}
    assert obj["status"]["currentStepIndex"] == 3
    assert "abort" not in obj["status"]


def test_payments_abort_sends_traffic_back_and_restarts_the_cycle(world: World, clock: FakeClock):
    line = world.line("payments")
    clock.to(150)
    world.advance([line])
    line.abort(clock.now)
    status = rollout_json(line)["status"]
    assert status["abort"] is True
    assert status["phase"] == "Degraded"
    assert weight({"status": status}) == 0
    progressing = next(c for c in status["conditions"] if c["type"] == "Progressing")
    assert progressing["reason"] == "RolloutAborted"
    assert not line_alerts(line, clock.now)
    assert line.signal_value(Signal.ERROR_RATIO, clock.now) < 0.01

    clock.to(150 + RESTART_AFTER + 1)
    assert newest_run(world, "payments")["head_branch"] == "v1.14.0"
    assert rollout(world, "payments")["status"]["phase"] == "Healthy"


def test_search_fails_integration_tests_and_stays_on_the_old_version(
    world: World, clock: FakeClock
):
    clock.to(20)
    run = newest_run(world, "search")
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    by_name = jobs(world, "search")
    assert by_name["build"]["conclusion"] == "success"
    failed = by_name["integration-tests"]
    assert failed["conclusion"] == "failure"
    failed_steps = [s["name"] for s in failed["steps"] if s["conclusion"] == "failure"]
    assert failed_steps == ["Run integration suite"]
    assert by_name["smoke-tests"]["conclusion"] == "skipped"
    clock.to(300)
    obj = rollout(world, "search")
    assert image_tag(obj) == "5.4.1"
    assert obj["status"]["phase"] == "Healthy"


def test_search_rerun_passes_after_about_30s_then_deploys(world: World, clock: FakeClock):
    line = world.line("search")
    clock.to(30)
    world.advance([line])
    assert line.rerun_failed(line.run.id, clock.now) == (201, "")
    assert newest_run(world, "search")["run_attempt"] == 2
    clock.to(55)
    assert jobs(world, "search")["integration-tests"]["status"] == "in_progress"
    clock.to(61)
    by_name = jobs(world, "search")
    assert by_name["integration-tests"]["conclusion"] == "success"
    assert by_name["integration-tests"]["run_attempt"] == 2
    assert by_name["build"]["run_attempt"] == 1
    clock.to(75)
    obj = rollout(world, "search")
    assert image_tag(obj) == "5.4.2"
    assert obj["status"]["phase"] in ("Progressing", "Paused")


def test_ledger_waits_at_the_blue_green_gate_with_a_countdown(world: World, clock: FakeClock):
    obj = rollout(world, "ledger")
    blue_green = obj["spec"]["strategy"]["blueGreen"]
    assert blue_green["autoPromotionSeconds"] == 600
    status = obj["status"]
    assert status["phase"] == "Paused"
    assert [c["reason"] for c in status["pauseConditions"]] == ["BlueGreenPause"]
    assert parse(status["pauseConditions"][0]["startTime"]) == START - 20
    assert status["blueGreen"]["activeSelector"] == status["stableRS"]
    assert status["blueGreen"]["previewSelector"] == status["currentPodHash"]
    assert image_tag(obj) == "5.0.0"


def test_ledger_promotes_at_once_when_the_gate_is_cleared(world: World, clock: FakeClock):
    line = world.line("ledger")
    clock.to(30)
    world.advance([line])
    line.clear_pause_conditions(clock.now)
    status = rollout_json(line)["status"]
    assert status["phase"] == "Healthy"
    assert status["blueGreen"]["activeSelector"] == status["currentPodHash"] == status["stableRS"]


def test_ledger_promotes_itself_when_the_countdown_ends(world: World, clock: FakeClock):
    clock.to(579)
    assert rollout(world, "ledger")["status"]["phase"] == "Paused"
    clock.to(581)
    assert rollout(world, "ledger")["status"]["phase"] == "Healthy"


def test_auth_is_a_hotfix_with_a_fast_canary(world: World, clock: FakeClock):
    run = newest_run(world, "auth")
    assert run["head_branch"] == "hotfix/3.1.1"
    assert "v3.1.1" in run["display_title"]
    clock.to(15)
    obj = rollout(world, "auth")
    assert obj["spec"]["strategy"]["canary"]["steps"] == [
        {"setWeight": 50},
        {"pause": {"duration": "20s"}},
        {"setWeight": 100},
    ]
    assert weight(obj) == 50
    stable = [
        rs
        for rs in replicasets_json(world.line("auth"))
        if rs["metadata"]["labels"]["rollouts-pod-template-hash"] == obj["status"]["stableRS"]
    ]
    assert stable[0]["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":3.1.0")


def test_catalog_is_soaking_after_a_full_promotion(world: World, clock: FakeClock):
    status = rollout(world, "catalog")["status"]
    assert status["phase"] == "Healthy"
    assert status["currentPodHash"] == status["stableRS"]
    finished = parse(status["duration"]["finishedAt"])
    assert START - 180 <= finished <= START - 120
    completed = next(c for c in status["conditions"] if c["type"] == "Completed")
    assert completed["status"] == "True"
    line = world.line("catalog")
    assert line.signal_value(Signal.ERROR_RATIO, clock.now) < 0.01
    assert line.signal_value(Signal.P99_LATENCY, clock.now) < 0.3


def test_ledger_major_release_soaks_for_the_major_policy(world: World, clock: FakeClock):
    # The gate opened 20 s before the start and promotes itself 600 s later, at 580 s; a major
    # release then soaks 15 minutes before the next cycle's CI starts.
    clock.to(600)
    assert rollout(world, "ledger")["status"]["phase"] == "Healthy"
    clock.to(580 + MAJOR_SOAK - 1)
    assert newest_run(world, "ledger")["head_branch"] == "v5.0.0"
    clock.to(580 + MAJOR_SOAK + 1)
    assert newest_run(world, "ledger")["head_branch"] == "v5.1.0"
    assert world.line("ledger").scenario.soak_of(1) == DEFAULT_SOAK


def test_notifications_opens_paused_at_10_percent_then_goes_slowly(world: World, clock: FakeClock):
    line = world.line("notifications")
    obj = rollout(world, "notifications")
    assert (weight(obj), obj["status"]["currentStepIndex"], obj["status"]["phase"]) == (
        10,
        1,
        "Paused",
    )
    assert [c["reason"] for c in obj["status"]["pauseConditions"]] == ["CanaryPauseStep"]
    assert parse(obj["status"]["pauseConditions"][0]["startTime"]) == START - 30
    assert obj["spec"]["strategy"]["canary"]["steps"] == [
        {"setWeight": 10},
        {"pause": {"duration": "60s"}},
        {"setWeight": 30},
        {"pause": {"duration": "60s"}},
        {"setWeight": 100},
    ]
    assert line.spec.team == "messaging"
    assert line.samples(Query.ERROR_RATIO, START) == []
    assert [labels for labels, _ in line.samples(Query.P99_BY_TRACK, START)] == [
        {"track": "canary"},
        {"track": "stable"},
    ]
    seen = []
    for offset in (29, 31, 35, 93, 99):
        clock.to(offset)
        obj = rollout(world, "notifications")
        seen.append((weight(obj), obj["status"]["currentStepIndex"]))
    assert seen == [(10, 1), (10, 2), (30, 3), (30, 3), (0, 5)]
    every_second = [START - 200 + t for t in range(300)]
    assert max(line.signal_value(Signal.ERROR_RATIO, at) for at in every_second) < 0.005
    assert not line_alerts(line, clock.now)


def test_replica_sets_hold_older_stable_and_new_revisions(world: World, clock: FakeClock):
    clock.to(50)
    line = world.line("checkout")
    world.advance([line])
    items = replicasets_json(line)
    versions = [rs["spec"]["template"]["spec"]["containers"][0]["image"] for rs in items]
    assert versions == [f"registry.acme.internal/checkout:{v}" for v in ("2.7.3", "2.7.4", "2.8.0")]
    revisions = [int(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]) for rs in items]
    assert revisions == sorted(revisions)
    assert len(set(revisions)) == 3
    owner = items[0]["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Rollout", "checkout", True)


def test_state_is_the_same_however_often_the_world_is_looked_at(clock: FakeClock):
    one, many = World(clock=clock), World(clock=clock)
    for offset in range(0, 700, 7):
        clock.to(offset)
        many.advance()
    one.advance()
    for a, b in zip(one.lines, many.lines, strict=True):
        assert rollout_json(a) == rollout_json(b)


def test_a_clock_that_goes_back_does_not_rewind_the_world(world: World, clock: FakeClock):
    clock.to(150)
    world.advance()
    clock.to(10)
    assert world.now() == START + 150
    assert rollout(world, "checkout")["status"]["phase"] == "Healthy"


def test_large_worlds_cycle_through_the_seven_kinds():
    world = World(14, clock=lambda: START)
    names = [line.service for line in world.lines]
    assert names[:3] == ["svc-001", "svc-002", "svc-003"]
    assert names[-1] == "svc-014"
    assert {line.spec.namespace for line in world.lines} == {"prod-a", "prod-b", "staging"}
    kinds = [line.scenario.kind for line in world.lines]
    assert kinds == [*KIND_ORDER, *KIND_ORDER]
    assert len(KIND_ORDER) == 7
    assert Kind.CI_GATE not in KIND_ORDER  # CI gates have lines of their own
    assert world.line("svc-009").scenario.bad_canary
    assert world.line("svc-014").scenario.errors_missing
    assert world.by_repo("acme/svc-012") is world.line("svc-012")
    assert world.line("svc-003").spec.environment == "staging"


@pytest.mark.parametrize("releases", [0, -1, 10_001])
def test_releases_out_of_range_are_refused(releases: int):
    with pytest.raises(ValueError, match="releases must be between"):
        World(releases, clock=lambda: START)


def test_small_worlds_use_the_named_lines():
    world = World(2, clock=lambda: START)
    assert [line.service for line in world.lines] == ["checkout", "payments"]


def test_timestamps_are_utc_rfc3339(world: World):
    stamp = rollout(world, "catalog")["metadata"]["creationTimestamp"]
    assert datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo == UTC


def test_traffic_lags_the_set_weight_while_the_canary_scales(world: World, clock: FakeClock):
    clock.to(78)  # checkout in step 2 (setWeight 25), entered at 76 s, scaling for 4 s
    obj = rollout(world, "checkout")
    assert obj["status"]["currentStepIndex"] == 2
    assert obj["status"]["phase"] == "Progressing"
    assert weight(obj) == 10
    assert obj["status"]["readyReplicas"] < obj["status"]["replicas"]
    clock.to(81)
    assert weight(rollout(world, "checkout")) == 25


def test_a_manual_pause_shows_even_when_fully_promoted(world: World, clock: FakeClock):
    line = world.line("catalog")
    line.pause(clock.now)
    status = rollout_json(line)["status"]
    assert (status["phase"], status["message"]) == ("Paused", "manually paused")
    assert any(c["type"] == "Paused" for c in status["conditions"])
