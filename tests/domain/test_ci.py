"""A CI project's runs counted for `check`: seen, with a version, ignored and why."""

from __future__ import annotations

from release_cockpit.domain import CIRun, RunStatus
from release_cockpit.domain.ci import RunCensus

MAIN = "version unknown: 'main' is not a release tag or branch"


def run(version: str | None, problem: str = "", jobs_problem: str = "") -> CIRun:
    return CIRun(
        "1",
        "release",
        RunStatus.SUCCEEDED,
        version=version,
        version_problem=problem,
        jobs_problem=jobs_problem,
    )


def test_runs_are_counted_and_the_ignored_grouped_by_reason():
    census = RunCensus.of(
        (
            run(None, MAIN),
            run("2.8.0"),
            run(None, MAIN),
            run(None),
            run("2.7.0", jobs_problem="404"),
        )
    )
    assert census.summary() == "5 runs seen, 2 with a version, 3 ignored"
    assert census.details() == (
        f"2 ignored: {MAIN}",
        "1 ignored: version unknown: the backend gave no reason",
        "jobs not read: 404",
    )


def test_no_runs():
    census = RunCensus.of(())
    assert (census.seen, census.ignored, census.details()) == (0, 0, ())
    assert RunCensus.of((run("1.0.0"),)).summary() == "1 run seen, 1 with a version, 0 ignored"
