"""Which runs get their jobs read, and the version reading with its reasons."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.adapters.ci.ci_parsing import (
    JOBS_FOR_VERSIONS,
    VersionCandidate,
    read_version,
    runs_needing_jobs,
)
from release_cockpit.domain import CIRun, RunStatus


def run(version: str | None, number: int | None = 1) -> CIRun:
    return CIRun(str(number), "release", RunStatus.SUCCEEDED, version=version, number=number)


def test_the_newest_run_of_each_of_the_newest_versions():
    runs = (run("2.8.0"), run("2.8.0"), run("2.7.0"), run(None), run("2.6.0"), run("2.5.0"))
    assert runs_needing_jobs(runs) == [0, 2, 4]
    assert JOBS_FOR_VERSIONS == 3


def test_the_newest_run_is_read_even_without_a_version():
    runs = (run(None), run(None), run("2.8.0"), run("2.7.0"), run("2.6.0"), run("2.5.0"))
    assert runs_needing_jobs(runs) == [0, 2, 3, 4]


def test_runs_that_cannot_have_jobs_are_passed_over():
    queued = replace(run(None), number=None)
    runs = (queued, run(None, 12), run("2.8.0", 11))
    assert runs_needing_jobs(runs, lambda r: r.number is not None) == [1, 2]


def test_no_runs_no_reads():
    assert runs_needing_jobs(()) == []


def test_read_version_names_every_field_it_tried():
    read = read_version(
        [
            VersionCandidate("property 'version'", "", declared=True),
            VersionCandidate("branch", "main"),
        ]
    )
    assert read.version is None
    assert read.reason == (
        "version unknown: no property 'version'; branch 'main' is not a release tag or branch "
        "(expected e.g. v1.2.3 or release/1.2.3)"
    )
