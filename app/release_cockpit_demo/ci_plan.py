"""The CI workflow every demo repository runs: ``release.yml`` and its four jobs.

Job names, `needs`, step names and step durations; the cockpit config maps the jobs to
stages (build, test, pre-release) with the name lists below.
"""

from __future__ import annotations

from dataclasses import dataclass

# Queue time before the first job of an attempt starts.
CI_QUEUE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class JobPlan:
    """One CI job: what it needs, its steps with their durations, and the step that may fail."""

    name: str
    needs: tuple[str, ...]
    steps: tuple[tuple[str, float], ...]
    failing_step: str = ""

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.steps)


JOBS: tuple[JobPlan, ...] = (
    JobPlan(
        "build",
        (),
        (
            ("Set up job", 1),
            ("Run actions/checkout@v4", 2),
            ("Set up Docker Buildx", 2),
            ("Build and push image", 6),
            ("Complete job", 1),
        ),
    ),
    JobPlan(
        "unit-tests",
        ("build",),
        (
            ("Set up job", 1),
            ("Run actions/checkout@v4", 1),
            ("Set up Python", 2),
            ("Run unit tests", 9),
            ("Complete job", 1),
        ),
    ),
    JobPlan(
        "integration-tests",
        ("build",),
        (
            ("Set up job", 1),
            ("Run actions/checkout@v4", 1),
            ("Start service containers", 4),
            ("Run integration suite", 13),
            ("Complete job", 1),
        ),
        failing_step="Run integration suite",
    ),
    JobPlan(
        "smoke-tests",
        ("unit-tests", "integration-tests"),
        (
            ("Set up job", 1),
            ("Deploy to pre-release", 2),
            ("Run smoke checks", 2),
            ("Complete job", 1),
        ),
    ),
)
JOB_NAMES = tuple(job.name for job in JOBS)
BUILD_JOBS = ("build",)
TEST_JOBS = ("unit-tests", "integration-tests")
PRE_RELEASE_JOBS = ("smoke-tests",)
# A re-run of the failing suite takes this long, so its tests pass "after ~30 s".
RERUN_EXTRA_SECONDS = 8.0


def ci_seconds() -> float:
    """Length of a first attempt that passes: the critical path through the job plan."""
    ends: dict[str, float] = {}
    for job in JOBS:
        start = max((ends[need] for need in job.needs), default=CI_QUEUE_SECONDS)
        ends[job.name] = start + job.seconds
    return max(ends.values())
