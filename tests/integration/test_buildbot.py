"""A real Buildbot master: the adapter's runs, steps and statuses, stages, and rebuild."""

from __future__ import annotations

import pytest

from release_cockpit.domain import RunStatus, StageName, StageState, Target, VerdictLevel
from release_cockpit.errors import ActionFailed, NotFound
from tests.support.buildbot_master import BUILDER, STEPS
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
    assert run.url == f"{buildbot.url}/#/builders/1/builds/{run.number}"
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
    assert (result.reachable, result.authorised, result.detail) == (True, True, "1 builder")
    assert result.latency_ms is not None
