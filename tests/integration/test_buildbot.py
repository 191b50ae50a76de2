"""A real Buildbot master: the adapter's runs, steps and statuses, stages, and rebuild."""

from __future__ import annotations

import re

import pytest

from release_cockpit.domain import RunStatus, StageName, StageState, Target, VerdictLevel
from release_cockpit.errors import ActionFailed, NotFound
from tests.support.buildbot_master import BUILDER, STEPS, UNTAGGED
from tests.support.integration import (
    BUILD_VERSION,
    backends_toml,
    buildbot_adapter,
    finished_build,
    poll_once,
)

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]


@pytest.fixture
async def adapter(buildbot):
    made = buildbot_adapter(buildbot.url)
    yield made
    await made.aclose()


async def test_a_forced_build_is_a_failed_run_with_its_steps_as_jobs(
    adapter, buildbot, pipeline_build
):
    runs = await adapter.runs(Target.of(builder=BUILDER))
    run = next(r for r in runs if r.id == pipeline_build.id)
    assert run.status is RunStatus.FAILED
    assert run.version == BUILD_VERSION
    assert run.ref == f"release/{BUILD_VERSION}"
    assert run.sha == "9f1c2e7a4b"
    assert run.title == f"release {BUILD_VERSION}"
    assert run.event == "force"
    assert re.fullmatch(rf"{re.escape(buildbot.url)}/#/builders/\d+/builds/{run.number}", run.url)
    jobs = {job.name: job.status for job in run.jobs}
    assert [name for name in jobs if name in STEPS] == list(STEPS)
    assert jobs["compile"] is RunStatus.SUCCEEDED
    assert jobs["unit-tests"] is RunStatus.SUCCEEDED
    assert jobs["integration-tests"] is RunStatus.FAILED
    assert all(job.completed_at is not None for job in run.jobs)


async def test_the_release_build_stage_passes_and_test_fails_naming_the_step(
    buildbot, pipeline_build
):
    text = backends_toml(buildbot=buildbot.url) + (
        '[services.checkout]\nenvironment = "production"\n\n'
        "[services.checkout.ci]\n"
        f'backend = "buildbot"\nbuilder = "{BUILDER}"\n'
        'build = ["compile"]\ntest = ["*-tests"]\n'
    )
    (release,) = (await poll_once(text)).releases
    stages = {stage.name: stage for stage in release.stages}
    assert release.version == BUILD_VERSION
    assert stages[StageName.BUILD].state is StageState.PASSED
    assert stages[StageName.TEST].state is StageState.FAILED
    assert stages[StageName.TEST].detail == "integration-tests failed"
    assert release.verdict.level is VerdictLevel.FAILING


async def test_builds_without_a_version_property_are_shown_as_version_unknown(
    buildbot, untagged_build
):
    """A Buildbot that never sets a version property, as a new user's would be: the CI
    stages show its newest build's failing test, marked 'version unknown' with how to
    fix it, never 'pending: no CI run for this version yet'."""
    text = backends_toml(buildbot=buildbot.url) + (
        '[services.nightly]\nenvironment = "production"\n\n'
        "[services.nightly.ci]\n"
        f'backend = "buildbot"\nbuilder = "{UNTAGGED}"\n'
        'build = ["compile"]\ntest = ["*-tests"]\n'
    )
    (release,) = (await poll_once(text)).releases
    stages = {stage.name: stage for stage in release.stages}
    assert release.version is None
    assert release.ci_run is not None
    assert release.ci_run.ref == "main"
    assert release.ci_run.version_problem == (
        "version unknown: no property 'version'; branch 'main' is not a release tag or "
        "branch (expected e.g. v1.2.3 or release/1.2.3); set the build's version property, "
        "or the backend's release_branches, to read one"
    )
    plan = stages[StageName.PLAN]
    assert plan.detail == f"no version yet ({release.ci_run.version_problem})"
    number = release.ci_run.number
    assert stages[StageName.BUILD].state is StageState.PASSED
    assert stages[StageName.TEST].state is StageState.FAILED
    assert stages[StageName.TEST].detail == (
        f"integration-tests failed (run #{number}: version unknown)"
    )
    assert all("no CI run for this version yet" not in s.detail for s in release.stages)
    assert release.verdict.level is VerdictLevel.FAILING


async def test_retry_rebuilds_into_a_new_build(adapter, pipeline_build):
    newest = max(r.number or 0 for r in await adapter.runs(Target.of(builder=BUILDER)))
    result = await adapter.retry(Target.of(builder=BUILDER), pipeline_build)
    assert result.ok
    assert result.detail.startswith(f"rebuilding build #{pipeline_build.number}: buildset ")
    rebuilt = await finished_build(adapter, BUILD_VERSION, after=newest)
    assert rebuilt.id != pipeline_build.id
    assert rebuilt.number == newest + 1
    assert rebuilt.ref == pipeline_build.ref
    assert {j.name: j.status for j in rebuilt.jobs}["integration-tests"] is RunStatus.FAILED


async def test_rebuilding_a_build_that_does_not_exist_is_refused(adapter, pipeline_build):
    missing = type(pipeline_build)(id="99999", name=BUILDER, status=RunStatus.FAILED)
    with pytest.raises(ActionFailed, match="Buildbot refused to rebuild build 99999"):
        await adapter.retry(Target.of(builder=BUILDER), missing)


async def test_an_unknown_builder_is_not_found(adapter):
    with pytest.raises(NotFound, match="no builder 'nightly'"):
        await adapter.runs(Target.of(builder="nightly"))


async def test_probe_counts_the_builders(adapter):
    result = await adapter.probe()
    assert (result.reachable, result.authorised, result.detail) == (True, True, "2 builders")
    assert result.latency_ms is not None
