"""The world's GitLab/Jenkins job states, GitLab's roll-up, and Jenkins' tree= selection."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.ci.jenkins_jobs import jobs_tree
from release_cockpit_demo.ci_state import State, job_states, roll_up, view
from release_cockpit_demo.jenkins_payloads import parse_tree, select
from release_cockpit_demo.release_lines import CI_FAMILIES
from release_cockpit_demo.scenarios import CIFamily
from release_cockpit_demo.world import World
from tests.support.demo_clock import FakeClock

S = State


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([S.SUCCESS, S.SKIPPED], S.SUCCESS),
        ([S.SUCCESS, S.MANUAL], S.MANUAL),  # blocked on a manual job
        ([S.SUCCESS, S.RUNNING, S.MANUAL], S.RUNNING),
        ([S.FAILED, S.SKIPPED], S.FAILED),
        ([S.CANCELED, S.SUCCESS], S.CANCELED),
        ([S.CREATED], S.CREATED),
        ([S.PENDING, S.CREATED], S.PENDING),
        ([S.SUCCESS, S.CREATED], S.RUNNING),
        ([S.SKIPPED], S.SKIPPED),
    ],
)
def test_roll_up_follows_gitlabs_composite_order(states, expected):
    assert roll_up(states) is expected


def test_a_gate_waits_once_the_jobs_pass_and_runs_once_played():
    clock = FakeClock()
    world = World(clock=clock, families=CI_FAMILIES)
    line = world.line("billing")
    run = line.run
    gate = job_states(run, clock.now)[-1]
    assert (gate.name, gate.state, gate.gate) == ("deploy-production", S.MANUAL, True)
    assert view(run, clock.now).state is S.MANUAL
    assert line.answer_gate(run, clock.now, approved=True, actor="sam")
    assert not line.answer_gate(run, clock.now, approved=True, actor="sam")  # once
    clock.advance(3)
    assert job_states(run, clock.now)[-1].state is S.RUNNING
    clock.advance(10)
    assert view(run, clock.now).state is S.SUCCESS
    assert view(run, clock.now).finished_at is not None


def test_a_canceled_run_is_canceled_and_so_are_its_unfinished_jobs():
    clock = FakeClock()
    world = World(7, clock=clock, ci=CIFamily.JENKINS)
    clock.advance(10)  # svc-001's first jobs run
    line = world.line("svc-001")
    assert view(line.run, clock.now).state is S.RUNNING
    assert line.cancel_run(line.run, clock.now)
    seen = view(line.run, clock.now)
    assert seen.state is S.CANCELED
    assert {j.state for j in seen.jobs} <= {S.SUCCESS, S.CANCELED}


def test_tree_selection_keeps_what_was_asked_and_the_class():
    value = {
        "_class": "hudson.model.Hudson",
        "jobs": [
            {"_class": "F", "name": "a", "url": "u", "jobs": [{"_class": "J", "name": "b"}]},
            {"_class": "J", "name": "c", "builds": [{"number": n} for n in range(10)]},
        ],
    }
    assert select(value, parse_tree("jobs[name]")) == {
        "_class": "hudson.model.Hudson",
        "jobs": [{"_class": "F", "name": "a"}, {"_class": "J", "name": "c"}],
    }
    ranged = select(value, parse_tree("jobs[builds[number]{2,4}]"))
    assert ranged["jobs"][1]["builds"] == [{"number": 2}, {"number": 3}]
    assert select(value, parse_tree("jobs[builds[number]{8}]"))["jobs"][1]["builds"] == [
        {"number": 8}
    ]
    assert select(value, parse_tree("jobs[jobs]"))["jobs"][0]["jobs"] == [{"_class": "J"}]
    parse_tree(jobs_tree(8))  # the cockpit's own selection parses
    with pytest.raises(ValueError, match="unclosed"):
        parse_tree("jobs[name")
