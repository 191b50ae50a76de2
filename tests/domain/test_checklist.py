"""The readiness checklist: ticks and checks combined, and the Pre-release stage it makes."""

import math

from release_cockpit.domain import Stage, StageName, StageState
from release_cockpit.domain.checklist import (
    ChecklistItem,
    ItemKind,
    Tick,
    build_checklist,
    check_http,
    check_query,
    checklist_stage,
)
from tests.support.world import NOW, ago

MANUAL = ChecklistItem("Rollback plan reviewed")
QUERY = ChecklistItem("Error ratio", ItemKind.QUERY, backend="prom", query="q", pass_below=0.01)
HTTP = ChecklistItem("Status page", ItemKind.HTTP, url="https://status.example.com")
SKIPPED = Stage(StageName.PRE_RELEASE, StageState.SKIPPED)


def test_query_and_http_checks():
    assert check_query(QUERY, 0.002, NOW).passed
    failed = check_query(QUERY, 0.03, NOW)
    assert not failed.passed
    assert failed.detail == "value 0.03 fails value < 0.01"
    assert not check_query(QUERY, None, NOW).passed
    assert not check_query(QUERY, math.nan, NOW).passed
    assert check_http(HTTP, 200, "", NOW).passed
    assert check_http(HTTP, 503, "", NOW).detail == "answered HTTP 503 (expected 200)"
    assert check_http(HTTP, None, "connection refused", NOW).detail == "connection refused"


def test_summary_counts_done_items_and_who_ticked():
    ticks = {MANUAL.name: Tick(MANUAL.name, "ana", ago(minutes=3))}
    results = {QUERY.name: check_query(QUERY, 0.001, NOW)}
    checklist = build_checklist((MANUAL, QUERY, HTTP), ticks, results, NOW)
    assert checklist.summary == "checklist 2/3"
    assert checklist.items[0].detail == "ticked by ana 3m00s ago"
    assert checklist.missing() == ("Status page",)


def test_an_untick_counts_as_open():
    ticks = {MANUAL.name: Tick(MANUAL.name, "ana", NOW, ticked=False)}
    assert not build_checklist((MANUAL,), ticks, {}, NOW).complete


def test_stage_waits_for_manual_items_and_fails_on_a_failing_check():
    waiting = checklist_stage(build_checklist((MANUAL,), {}, {}, NOW), SKIPPED)
    assert waiting.state is StageState.WAITING
    assert waiting.detail == "checklist 0/1: tick 'Rollback plan reviewed'"
    results = {HTTP.name: check_http(HTTP, 503, "", NOW)}
    failed = checklist_stage(build_checklist((MANUAL, HTTP), {}, results, NOW), SKIPPED)
    assert failed.state is StageState.FAILED
    assert "Status page answered HTTP 503" in failed.detail
    running = checklist_stage(build_checklist((QUERY,), {}, {}, NOW), SKIPPED)
    assert running.state is StageState.RUNNING


def test_stage_combines_with_ci_pre_release_jobs():
    ticks = {MANUAL.name: Tick(MANUAL.name, "ana", NOW)}
    complete = build_checklist((MANUAL,), ticks, {}, NOW)
    ci_running = Stage(StageName.PRE_RELEASE, StageState.RUNNING, "1 of 2 jobs done")
    combined = checklist_stage(complete, ci_running)
    assert combined.state is StageState.RUNNING
    assert combined.detail == "1 of 2 jobs done; checklist 1/1"
    ci_passed = Stage(StageName.PRE_RELEASE, StageState.PASSED, "2 jobs passed")
    assert checklist_stage(complete, ci_passed).state is StageState.PASSED
    open_list = build_checklist((MANUAL,), {}, {}, NOW)
    assert checklist_stage(open_list, ci_passed).state is StageState.WAITING
