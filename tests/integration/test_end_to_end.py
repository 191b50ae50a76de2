"""`release-cockpit status --json` and `check` as subprocesses against the real servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from tests.support.buildbot_master import BUILDER, UNTAGGED
from tests.support.exporter import SERVICE, error_ratio, p99
from tests.support.integration import BUILD_VERSION, backends_toml, write_config

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]

RUNBOOK = "https://runbooks.example.com/checkout"


def cockpit(*args: str, home) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "COLUMNS": "120",
    }
    env.pop("RELEASE_COCKPIT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )


def signal(key: str, name: str, query: str, fmt: str, fail_above: float) -> str:
    return (
        f"[[services.{key}.signals]]\n"
        f'name = "{name}"\nbackend = "prometheus"\n'
        f"query = '{query}'\nformat = \"{fmt}\"\nfail_above = {fail_above}\n\n"
    )


@pytest.fixture
def world_config(tmp_path, prometheus, alertmanager, buildbot, pipeline_build, unique):
    """Two release lines of one service: the canary (built by Buildbot, bad metrics, a
    critical alert) and stable (good metrics, no alert)."""
    alerted = f"checkout-canary-{unique}"
    response = httpx.post(
        f"{alertmanager.url}/api/v2/alerts",
        json=[
            {
                "labels": {"alertname": "CanaryErrors", "service": alerted, "severity": "page"},
                "annotations": {"summary": "canary 5xx above 5%", "runbook_url": RUNBOOK},
            }
        ],
        timeout=10,
    )
    response.raise_for_status()
    text = backends_toml(
        prometheus=prometheus.url, alertmanager=alertmanager.url, buildbot=buildbot.url
    )
    text += (
        f'[services.canary]\nservice = "{SERVICE}"\nenvironment = "canary"\n'
        f'runbook = "{RUNBOOK}"\n\n'
        f'[services.canary.ci]\nbackend = "buildbot"\nbuilder = "{BUILDER}"\n'
        'build = ["compile"]\ntest = ["unit-tests", "integration-tests"]\n\n'
        '[services.canary.alerts]\nbackend = "alertmanager"\n'
        f"matchers = ['service=\"{alerted}\"']\n\n"
    )
    text += signal("canary", "5xx ratio", error_ratio("canary"), "percent", 0.05)
    text += (
        f'[services.stable]\nservice = "{SERVICE}"\nenvironment = "production"\n\n'
        f'[services.stable.alerts]\nbackend = "alertmanager"\n'
        f"matchers = ['service=\"checkout-stable-{unique}\"']\n\n"
    )
    text += signal("stable", "5xx ratio", error_ratio("stable"), "percent", 0.05)
    text += signal("stable", "p99 latency", p99("stable"), "seconds", 0.5)
    return write_config(tmp_path, text)


def test_status_json_reports_the_true_verdicts(world_config, tmp_path):
    result = cockpit("status", "--json", "--config", str(world_config), home=tmp_path)
    assert result.returncode == 4, result.stderr
    document = json.loads(result.stdout)
    assert (document["worst"], document["exit_code"]) == ("failing", 4)
    releases = {r["key"]: r for r in document["releases"]}

    canary = releases["canary"]
    assert canary["verdict"]["level"] == "failing"
    assert canary["version"] == BUILD_VERSION
    stages = {s["name"]: s for s in canary["stages"]}
    assert stages["build"]["state"] == "passed"
    assert (stages["test"]["state"], stages["test"]["detail"]) == (
        "failed",
        "integration-tests failed",
    )
    (ratio,) = canary["signals"]
    assert ratio["level"] == "failing"
    assert ratio["reason"].startswith("5xx ratio 12.0% > 5.0%")
    (alert,) = canary["alerts"]
    assert (alert["name"], alert["severity"], alert["runbook_url"]) == (
        "CanaryErrors",
        "page",
        RUNBOOK,
    )

    stable = releases["stable"]
    assert stable["verdict"]["level"] == "ok", stable["verdict"]["reason"]
    assert stable["alerts"] == []
    assert {s["name"]: s["level"] for s in stable["signals"]} == {
        "5xx ratio": "ok",
        "p99 latency": "ok",
    }
    states = {s["name"]: s["state"] for s in document["sources"]}
    assert states == {"prometheus": "ok", "alertmanager": "ok", "buildbot": "ok"}


def test_check_probes_every_real_backend(world_config, tmp_path):
    result = cockpit("check", "--config", str(world_config), home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "config ok" in out
    assert "buildbot (buildbot)" in out
    assert "2 builders" in out
    assert "Alertmanager 0." in out
    assert "cluster disabled" in out
    assert "prometheus (prometheus)" in out
    assert "every backend ok" in out


def test_check_reports_each_line_on_the_real_servers(
    tmp_path, prometheus, buildbot, pipeline_build, untagged_build
):
    """A config written from the README with the mistakes a new user makes: PromQL with a
    syntax error, a builder that does not exist, the API path pasted into the URL, a
    Buildbot that sets no version property, a comparison nothing will ever feed."""
    query = 'sum(rate(http_requests_total{code=~"5.."}[1m])'  # one ")" short
    comparison = (
        "histogram_quantile(0.99, sum by (le, track) (rate(http_request_duration_seconds_bucket"
        f'{{service="{SERVICE}"}}[10s])))'
    )
    text = backends_toml(prometheus=prometheus.url, buildbot=buildbot.url)
    text += f'[backends.pasted]\ntype = "prometheus"\nurl = "{prometheus.url}/api/v1"\n\n'
    text += (
        '[services.checkout]\nenvironment = "production"\n\n'
        f'[services.checkout.ci]\nbackend = "buildbot"\nbuilder = "{BUILDER}"\n\n'
        + signal("checkout", "5xx ratio", query, "percent", 0.05)
        + '[services.nightly]\nenvironment = "staging"\n\n'
        '[services.nightly.ci]\nbackend = "buildbot"\nbuilder = "nightly"\n\n'
        '[services.untagged]\nenvironment = "production"\n\n'
        f'[services.untagged.ci]\nbackend = "buildbot"\nbuilder = "{UNTAGGED}"\n\n'
        '[services.compare]\nenvironment = "production"\n\n'
        "[[services.compare.signals]]\n"
        'name = "p99 canary vs stable"\nbackend = "prometheus"\n'
        f"query = '{comparison}'\n"
        'mode = "canary-vs-baseline"\ncanary = \'track="no-such-track"\'\n'
        'baseline = \'track="stable"\'\nwindow = "30s"\n\n'
        '[services.search]\nenvironment = "production"\n\n'
        + signal("search", "5xx ratio", error_ratio("stable"), "percent", 0.05).replace(
            'backend = "prometheus"', 'backend = "pasted"'
        )
    )
    result = cockpit("check", "--config", str(write_config(tmp_path, text)), home=tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    # The URL with /api/v1 pasted in: a wrong path, with what was requested and the fix.
    assert f"pasted (prometheus) {prometheus.url}/api/v1\n  WRONG PATH" in out
    assert f"  requested GET {prometheus.url}/api/v1/-/ready" in out
    assert f"set it to {prometheus.url}" in out
    assert "NOT AUTHORISED" not in out
    assert "search (search to production)\n  not checked: pasted failed its probe" in out
    # PromQL with a syntax error: Prometheus's own words, not "it may pass".
    assert (
        '  signal "5xx ratio" (prometheus)\n'
        "    FAILED · the query does not parse: 1:47: parse error: unclosed left parenthesis"
    ) in out
    assert "it may pass" not in out
    # A builder that does not exist.
    assert "  ci buildbot (builder=nightly)\n    FAILED · Buildbot has no builder 'nightly'" in out
    # Runs counted per line; the ones without a version are counted with why.
    assert "  ci buildbot (builder=pipeline)\n    ok · " in out
    untagged = out.split("untagged (untagged to production)", 1)[1].split("\n\n", 1)[0]
    assert "0 with a version" in untagged
    assert "ignored: version unknown: no property 'version'; branch 'main' is not a" in untagged
    assert "warning: no recent run of builder=untagged carries a version" in untagged
    # A comparison without a deploy backend whose canary selector matches nothing.
    assert 'warning: signal "p99 canary vs stable" may never be compared' in out
    assert out.rstrip().endswith(
        "1 of 3 backends failed; 3 of 5 release lines have problems: checkout, nightly, search"
    )
