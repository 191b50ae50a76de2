"""Filling in a poll's jobs: one run's failure is its own; a backend-wide one fails the poll."""

from __future__ import annotations

from dataclasses import replace

import pytest

from release_cockpit.adapters.ci.run_jobs import fill_runs
from release_cockpit.domain import CIJob, CIRun, RunStatus
from release_cockpit.errors import AuthError, BadResponse, NotFound, RateLimited, Timeout

RUNS = tuple(CIRun(str(n), "release", RunStatus.FAILED, number=n) for n in (3, 2, 1))
JOB = CIJob("9", "integration-tests", RunStatus.FAILED)


def reader(failures: dict[str, Exception]):
    async def read(run: CIRun) -> CIRun:
        if run.id in failures:
            raise failures[run.id]
        return replace(run, jobs=(JOB,))

    return read


@pytest.mark.parametrize(
    "error",
    [
        NotFound("github has no run 3 (HTTP 404)"),
        BadResponse("buildbot sent\nnonsense"),
        Timeout("jenkins did not answer within 10s"),
    ],
)
async def test_a_runs_own_failure_keeps_it_marked_and_the_others_filled(error):
    filled = await fill_runs(RUNS, [0, 2], reader({"3": error}))
    assert filled[0].jobs == ()
    assert filled[0].jobs_problem == " ".join(str(error).split())
    assert filled[1] == RUNS[1]  # not asked
    assert filled[2].jobs == (JOB,)
    assert filled[2].jobs_problem == ""


@pytest.mark.parametrize("error", [AuthError("refused"), RateLimited("limit reached")])
async def test_a_backend_wide_failure_fails_the_poll(error):
    with pytest.raises(type(error)):
        await fill_runs(RUNS, [0, 2], reader({"1": error}))


async def test_a_bug_is_never_swallowed():
    with pytest.raises(KeyError):
        await fill_runs(RUNS, [0], reader({"3": KeyError("bug")}))  # type: ignore[dict-item]
