"""Valid configs load into the right typed values, defaults included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from release_cockpit.config import (
    AlertLink,
    BackendConfig,
    CILink,
    CockpitSettings,
    Config,
    DeployLink,
    PollingSettings,
    load_config,
    parse_config,
)
from release_cockpit.domain import (
    AlertMatcher,
    Direction,
    SignalRule,
    Target,
    Threshold,
    ValueFormat,
)

VALID = Path(__file__).parents[1] / "fixtures" / "configs" / "valid"
KINDS = {
    "github-actions": "ci",
    "prometheus": "health",
    "alertmanager": "alerts",
    "argo-rollouts": "deploy",
}


@pytest.fixture(scope="module")
def full() -> Config:
    return load_config(VALID / "full.toml", KINDS)


def test_empty_text_gives_all_defaults():
    config = parse_config("")
    assert config.path is None
    assert config.cockpit == CockpitSettings()
    assert config.polling == PollingSettings(stale_after=timedelta(seconds=30))
    assert config.backends == {}
    assert config.services == {}


def test_minimal_service_gets_defaults():
    config = load_config(VALID / "minimal.toml")
    assert config.path == VALID / "minimal.toml"
    service = config.services["checkout"]
    assert service.key == "checkout"
    assert service.service == "checkout"
    assert service.environment == "production"
    assert (service.team, service.runbook) == ("", "")
    assert service.soak == timedelta(minutes=10)
    assert service.hotfix_pattern is None
    assert (service.window_start, service.window_end) == (None, None)
    assert (service.ci, service.deploy, service.alerts, service.signals) == (None, None, None, ())


def test_cockpit_and_polling(full):
    assert full.cockpit == CockpitSettings(read_only=True, theme="high-contrast")
    assert full.polling.interval == timedelta(seconds=2.5)
    assert full.polling.timeout == timedelta(milliseconds=1500)
    assert full.polling.max_backoff == timedelta(hours=1, minutes=30)


def test_stale_after_is_raised_to_three_times_the_longest_backend_interval(full):
    # github polls every 20s; the others use [polling].interval (2.5s).
    assert full.polling.stale_after == timedelta(seconds=60)


def test_stale_after_is_kept_when_long_enough():
    config = parse_config('[polling]\ninterval = "5s"\nstale_after = "1m"\n')
    assert config.polling.stale_after == timedelta(minutes=1)


def test_stale_after_without_backends_follows_the_polling_interval():
    config = parse_config('[polling]\ninterval = "20s"\nstale_after = "30s"\n')
    assert config.polling.stale_after == timedelta(minutes=1)


def test_backends(full):
    assert list(full.backends) == ["github", "prometheus", "alert-manager", "prod-cluster"]
    assert full.backends["github"] == BackendConfig(
        name="github",
        type="github-actions",
        url="https://github.example.com/api/v3",
        token_env="GHE_TOKEN",
        token_file=None,
        interval=timedelta(seconds=20),
        timeout=timedelta(seconds=8),
        verify_tls=False,
        options={
            "tag_format": "release-{version}",
            "runs_per_poll": 25,
            "labels": {"team": "payments", "tier": 1},
        },
    )
    cluster = full.backends["prod-cluster"]
    assert cluster.token_file == Path("~/.kube/rollouts-token")
    assert (cluster.interval, cluster.timeout, cluster.verify_tls) == (None, None, True)
    assert full.backends["prometheus"].options == {}


def test_service_fields(full):
    service = full.services["checkout"]
    assert service.service == "checkout-api"
    assert service.team == "payments"
    assert service.runbook == "https://runbooks.example.com/checkout"
    assert service.soak == timedelta(minutes=15)
    assert service.hotfix_pattern == "^(hotfix|hf)/"
    assert service.window_start == datetime(2026, 11, 27, 9, tzinfo=timezone(timedelta(hours=1)))
    assert service.window_end == datetime(2026, 11, 27, 17, tzinfo=UTC)


def test_inline_and_dotted_tables(full):
    service = full.services["checkout"]
    assert service.ci == CILink(
        backend="github",
        target=Target.of(project="acme/checkout", workflow="release.yml"),
        build=("build", "docker-*"),
        test=("test*", "lint"),
        pre_release=("smoke*",),
    )
    assert service.deploy == DeployLink(
        "prod-cluster", Target.of(namespace="shop", rollout="checkout")
    )


def test_signal_with_every_option(full):
    rule = full.services["checkout"].signals[0]
    assert rule == SignalRule(
        name="5xx ratio",
        backend="prometheus",
        query=(
            'sum(rate(http_requests_total{service="checkout",code=~"5.."}[1m]))\n'
            '/ sum(rate(http_requests_total{service="checkout"}[1m]))\n'
        ),
        threshold=Threshold(Direction.ABOVE, 0.05, 0.02),
        format=ValueFormat.PERCENT,
        unit="",
        interval=timedelta(seconds=30),
        failure_limit=2,
        inconclusive_limit=1,
        consecutive_error_limit=5,
        consecutive_success_limit=3,
        count=20,
        initial_delay=timedelta(minutes=1),
        dry_run=True,
    )


def test_signal_failing_below_with_defaults(full):
    rule = full.services["checkout"].signals[1]
    assert rule.threshold == Threshold(Direction.BELOW, 10.0, 50.0)
    assert isinstance(rule.threshold.fail, float)
    assert rule.failure_limit == -1
    assert rule.unit == " req/s"
    assert rule.format is ValueFormat.NUMBER
    assert rule.interval == timedelta(seconds=15)
    assert (rule.inconclusive_limit, rule.consecutive_error_limit) == (0, 4)
    assert (rule.consecutive_success_limit, rule.count) == (None, None)
    assert (rule.initial_delay, rule.dry_run) == (timedelta(0), False)


def test_signals_as_inline_array(full):
    (rule,) = full.services["search"].signals
    assert rule.name == "p99"
    assert rule.format is ValueFormat.SECONDS
    assert rule.threshold == Threshold(Direction.ABOVE, 1.0)


def test_alerts(full):
    assert full.services["checkout"].alerts == AlertLink(
        backend="alert-manager",
        matchers=(
            AlertMatcher("service", "=", "checkout"),
            AlertMatcher("severity", "=~", "critical|page"),
            AlertMatcher("env", "!=", "staging"),
        ),
        failing_severities=frozenset({"critical"}),
    )


def test_alerts_default_failing_severities():
    text = (
        '[backends.am]\ntype = "alertmanager"\nurl = "http://am"\n'
        '[services.a]\nenvironment = "prod"\n'
        '[services.a.alerts]\nbackend = "am"\nmatchers = [\'service="a"\']\n'
    )
    alerts = parse_config(text).services["a"].alerts
    assert alerts is not None
    assert alerts.failing_severities == frozenset({"critical", "page"})


def test_ci_defaults():
    text = (
        '[backends.gh]\ntype = "github-actions"\nurl = "https://api.github.com"\n'
        '[services.a]\nenvironment = "prod"\n[services.a.ci]\nbackend = "gh"\nproject = "o/r"\n'
    )
    ci = parse_config(text).services["a"].ci
    assert ci == CILink(backend="gh", target=Target.of(project="o/r"))
    assert (ci.target.get("workflow"), ci.build, ci.test, ci.pre_release) == (
        "",
        ("build*",),
        ("test*",),
        (),
    )


def test_lines_map_every_key_path(full):
    text = (VALID / "full.toml").read_text(encoding="utf-8").splitlines()
    lines = full.lines
    for key, expected_start in [
        ("backends.github.url", "url ="),
        ("backends.alert-manager", '[backends."alert-manager"]'),
        ("services.checkout.deploy.namespace", "deploy.namespace"),
        ("services.checkout.ci.workflow", "ci = {"),
        ("services.checkout.signals[1].fail_below", "fail_below"),
        ("services.checkout.signals[1]", "[[services.checkout.signals]]"),
        ("services.search.signals[0].fail_above", "    { name"),
        ("services.checkout.alerts.matchers[2]", "matchers ="),
    ]:
        assert text[lines[key] - 1].startswith(expected_start), key
    assert lines["backends.github.url"] == 15
    assert lines["services.checkout.signals[1].fail_below"] == 76


def test_lines_include_implicit_parent_tables():
    config = parse_config("[services.a]\nenvironment = 'x'\n")
    assert config.lines == {"services": 1, "services.a": 1, "services.a.environment": 2}
