"""Random control actions at random times never break the world or its payloads."""

from __future__ import annotations

import random

from release_cockpit_demo import World
from release_cockpit_demo.github_payloads import job_json, run_json, visible_runs
from release_cockpit_demo.k8s_payloads import replicasets_json, rollout_json
from release_cockpit_demo.monitoring_payloads import alert_json, line_alerts
from release_cockpit_demo.query_templates import Query, Signal
from tests.support.demo_clock import START, FakeClock

ACTIONS = (
    "pause",
    "unpause",
    "clear_pause_conditions",
    "promote_full",
    "abort",
    "retry",
    "undo",
    "skip",
    "rerun",
)


def act(line, action: str, now: float, rng: random.Random) -> None:
    if action == "undo":
        older = sorted(line.revisions, key=lambda r: r.number)
        line.set_template(now, older[-2].version if len(older) > 1 else older[-1].version)
    elif action == "skip":
        line.set_step_index(now, line.step_index + rng.randint(0, 3))
    elif action == "rerun":
        line.rerun_failed(line.run.id, now)
    else:
        getattr(line, action)(now)


def check(line, now: float) -> None:
    obj = rollout_json(line)
    status = obj["status"]
    assert status["observedGeneration"] == str(obj["metadata"]["generation"])
    assert status["phase"] in ("Healthy", "Progressing", "Paused", "Degraded")
    hashes = {
        rs["metadata"]["labels"]["rollouts-pod-template-hash"] for rs in replicasets_json(line)
    }
    assert status["stableRS"] in hashes
    assert status["currentPodHash"] in hashes
    if status["phase"] == "Healthy":
        assert status["currentPodHash"] == status["stableRS"]
    if "canary" in obj["spec"]["strategy"]:
        weights = status["canary"]["weights"]
        assert weights["canary"]["weight"] + weights["stable"]["weight"] == 100
        assert 0 <= status["currentStepIndex"] <= len(obj["spec"]["strategy"]["canary"]["steps"])
    runs = visible_runs(line, now)
    assert runs
    assert [r.created_at for r in runs] == sorted((r.created_at for r in runs), reverse=True)
    newest = runs[0]
    run_json(line, newest, now, "http://x")
    for job in newest.latest_jobs():
        job_json(line, newest, job, now, "http://x")
    for alert in line_alerts(line, now):
        alert_json(alert, now)
    for signal in Signal:
        assert 0 < line.signal_value(signal, now) < 1.5
    # The canary track has a p99 series exactly while traffic routing sends it requests.
    tracks = [labels["track"] for labels, _ in line.samples(Query.P99_BY_TRACK, now)]
    canary_p99 = line.traffic_weight() > 0
    assert tracks == (["canary", "stable"] if canary_p99 else ["stable"])


def test_random_actions_keep_every_line_consistent():
    rng = random.Random(20261127)
    clock = FakeClock()
    world = World(14, clock=clock)
    for _ in range(400):
        clock.advance(rng.choice((1, 3, 7, 20, 45, 120)))
        now = world.advance()
        line = rng.choice(world.lines)
        act(line, rng.choice(ACTIONS), now, rng)
        world.advance([line])
        check(line, now)
    for line in world.lines:
        check(line, world.advance())
    assert clock.now - START > 3600  # long enough for many cycles
    assert max(line.cycle for line in world.lines) >= 5
