"""Test doubles for the four adapter contracts, and a config built in code."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.base import (
    ActionResult,
    AlertSource,
    CISource,
    DeployTarget,
    HealthSource,
)
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.query_results import QueryResult, Sample
from release_cockpit.adapters.scoped_lists import listed_by_scope
from release_cockpit.config.schema import (
    AlertLink,
    BackendConfig,
    CILink,
    CockpitSettings,
    Config,
    DeployLink,
    PollingSettings,
    ReleaseLine,
)
from release_cockpit.domain import (
    AlertMatcher,
    ChangeSet,
    Direction,
    SignalRule,
    Target,
    Threshold,
    ValueFormat,
)
from release_cockpit.errors import AdapterError
from tests.support.builders import rollout, run


class _Base:
    def __init__(self, name):
        self.settings = BackendSettings(name=name, type="fake", url="http://fake")
        self.options = {}
        self.transport = None
        self.fail: AdapterError | None = None
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate = None  # an asyncio.Event the test can hold closed to make polls slow

    async def _enter(self):
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.fail is not None:
                raise self.fail
        finally:
            self.in_flight -= 1

    async def probe(self):
        return ProbeResult(True, True, 1.0)

    async def aclose(self):
        pass

    def rate_limit_remaining(self):
        return None

    def last_latency_ms(self):
        return None


class FakeCI(_Base, CISource):
    TYPE = "fake-ci"

    def __init__(self, name="github"):
        super().__init__(name)
        self.runs_by_project = {}

    async def runs(self, target: Target):
        await self._enter()
        return self.runs_by_project.get(target.get("project"), (run(),))

    async def changes(self, target, base, head):
        return ChangeSet(base, head, commits=7)

    async def act(self, action, target, ci_run):
        return ActionResult(action, True, "ok")


class FakeHealth(_Base, HealthSource):
    TYPE = "fake-health"

    def __init__(self, name="prometheus"):
        super().__init__(name)
        self.values = {}

    async def query(self, query, at=None):
        await self._enter()
        value = self.values.get(query, 0.003)
        return QueryResult("vector", (Sample({}, value, 0.0),))

    async def query_range(self, query, start, end, step_seconds):
        return ()


class FakeAlerts(_Base, AlertSource):
    TYPE = "fake-alerts"

    def __init__(self, name="alertmanager"):
        super().__init__(name)
        self.current = ()

    async def alerts(self):
        await self._enter()
        return self.current


class FakeDeploy(_Base, DeployTarget):
    TYPE = "fake-deploy"

    def __init__(self, name="cluster"):
        super().__init__(name)
        self.states = {}

    async def rollouts(self, targets):
        return await listed_by_scope(
            targets,
            lambda t: t.get("namespace"),
            lambda t: t.get("rollout"),
            self._namespace,
            backend=self.name,
            what="rollout",
        )

    async def _namespace(self, namespace):
        await self._enter()
        return {name: state for (ns, name), state in self.states.items() if ns == namespace}

    async def act(self, action, target: Target):
        return ActionResult(action, True, "ok")


def rule(service, backend="prometheus"):
    return SignalRule(
        name="5xx ratio",
        backend=backend,
        query=f"ratio:{service}",
        threshold=Threshold(Direction.ABOVE, 0.05),
        format=ValueFormat.PERCENT,
        interval=timedelta(seconds=5),
        failure_limit=2,
    )


def make_config(services=("checkout", "payments"), ci_backend=("github", "github")):
    backends = {
        "github": BackendConfig("github", "fake-ci", "http://fake"),
        "gitlab": BackendConfig("gitlab", "fake-ci", "http://fake"),
        "prometheus": BackendConfig("prometheus", "fake-health", "http://fake"),
        "alertmanager": BackendConfig("alertmanager", "fake-alerts", "http://fake"),
        "cluster": BackendConfig("cluster", "fake-deploy", "http://fake"),
    }
    svcs = {}
    for name, ci in zip(services, ci_backend, strict=True):
        svcs[name] = ReleaseLine(
            key=name,
            service=name,
            environment="production",
            ci=CILink(
                ci,
                Target.of(project=f"acme/{name}", workflow="release.yml"),
                ("build",),
                ("unit-tests", "integration-tests"),
            ),
            deploy=DeployLink("cluster", Target.of(namespace="prod", rollout=name)),
            signals=(rule(name),),
            alerts=AlertLink("alertmanager", (AlertMatcher.parse(f'service="{name}"'),)),
        )
    return Config(
        path=None,
        cockpit=CockpitSettings(),
        polling=PollingSettings(
            interval=timedelta(seconds=5),
            timeout=timedelta(seconds=2),
            max_backoff=timedelta(seconds=60),
            stale_after=timedelta(seconds=15),
        ),
        backends=backends,
        services=svcs,
    )


def make_adapters(config):
    adapters = {
        "github": FakeCI("github"),
        "gitlab": FakeCI("gitlab"),
        "prometheus": FakeHealth(),
        "alertmanager": FakeAlerts(),
        "cluster": FakeDeploy(),
    }
    for key in config.services:
        adapters["cluster"].states[("prod", key)] = rollout(name=key)
    return adapters
