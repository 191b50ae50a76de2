"""`check` per release line, on recorded answers: targets that do not exist, CI runs that
carry no version, queries the backend refuses, comparisons that may never run."""

from __future__ import annotations

import copy
import io

import httpx
from rich.console import Console

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.engine.factory import build_adapters
from release_cockpit.headless.check import run_check
from release_cockpit.headless.check_lines import check_lines
from tests.support.adapters import Backend, load

URL = "https://backend.test"
RUNS = "/gh/repos/acme/checkout/actions/workflows/release.yml/runs"
MISSING = "/gh/repos/acme/checkout/actions/workflows/nightly.yml/runs"
QUERY = "/prom/api/v1/query"
PARSE_ERROR = 'sum(rate(x{code=~"5.."}[5m])'
CANARY = (
    'histogram_quantile(0.99, sum by (le, track) (rate(latency_bucket{service="checkout"}[5m])))'
)

CONFIG = f"""
[backends.github]
type = "github-actions"
url = "{URL}/gh"

[backends.prom]
type = "prometheus"
url = "{URL}/prom"

[services.checkout]
environment = "production"

[services.checkout.ci]
backend = "github"
project = "acme/checkout"
workflow = "release.yml"

[[services.checkout.signals]]
name = "5xx ratio"
backend = "prom"
query = '{PARSE_ERROR}'
fail_above = 0.05

[[services.checkout.signals]]
name = "p99 canary vs stable"
backend = "prom"
query = '{CANARY}'
mode = "canary-vs-baseline"
canary = 'track="canary"'
baseline = 'track="stable"'

[services.nightly]
environment = "staging"

[services.nightly.ci]
backend = "github"
project = "acme/checkout"
workflow = "nightly.yml"
"""


def runs(*branches: str) -> dict:
    base = load("github/actions-workflow-runs-page1-link.json")["workflow_runs"][0]
    items = []
    for index, branch in enumerate(branches):
        item = copy.deepcopy(base)
        item.update(id=1000 - index, run_number=100 - index, head_branch=branch)
        items.append(item)
    return {"total_count": len(items), "workflow_runs": items}


def vector(*tracks: str) -> dict:
    result = [{"metric": {"track": t}, "value": [1.7e9, "0.25"]} for t in tracks]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


def answering(backend: Backend, *tracks: str) -> Backend:
    backend.json("GET", RUNS, runs("main", "dependabot/pip/tensorflow-2.3.1", "v2.8.0", "main"))
    for run_id in (1000, 998):
        backend.json(
            "GET",
            f"/gh/repos/acme/checkout/actions/runs/{run_id}/jobs",
            load("github/jobs-failed-step.json"),
        )
    backend.json("GET", MISSING, {"message": "Not Found"}, status=404)

    def query(request: httpx.Request) -> httpx.Response:
        text = dict(httpx.QueryParams(request.content.decode()))["query"]
        if text == PARSE_ERROR:
            return httpx.Response(400, json=load("prometheus/query-parse-error-400.json"))
        return httpx.Response(200, json=vector(*tracks))

    backend.on("POST", QUERY, query)
    backend.on("GET", "/prom/-/ready", httpx.Response(200, text="Prometheus Server is Ready."))
    backend.json(
        "GET", "/gh/rate_limit", {"resources": {"core": {"remaining": 4999, "limit": 5000}}}
    )
    return backend


def config():
    return parse_config(CONFIG, "check.toml", kinds=adapter_kinds())


async def reports(backend: Backend):
    cfg = config()
    adapters = build_adapters(cfg, {}, transport=backend.transport)
    try:
        return {r.line.key: r for r in await check_lines(cfg, adapters)}
    finally:
        for adapter in adapters.values():
            await adapter.aclose()


async def test_ci_runs_are_counted_with_why_the_others_have_no_version():
    found = await reports(answering(Backend(), "stable"))
    ci = found["checkout"].targets[0]
    assert ci.what == "ci github (project=acme/checkout workflow=release.yml)"
    assert ci.result.ok
    assert ci.result.detail == "4 runs seen, 1 with a version, 3 ignored"
    main, bot = ci.result.notes
    assert main.startswith("2 ignored: 'main' is not a release tag or branch")
    # A bot's branch that merely contains a version is never release 2.3.1.
    assert bot.startswith("1 ignored: 'dependabot/pip/tensorflow-2.3.1' is not a release tag")


async def test_a_workflow_that_does_not_exist_fails_its_line_only():
    found = await reports(answering(Backend(), "stable"))
    (ci,) = found["nightly"].targets
    assert not ci.result.ok
    assert "HTTP 404" in ci.result.detail
    assert not found["nightly"].ok


async def test_a_query_that_does_not_parse_fails_with_prometheus_words():
    found = await reports(answering(Backend(), "stable", "canary"))
    ratio, comparison = found["checkout"].targets[1:]
    assert ratio.what == 'signal "5xx ratio" (prom)'
    assert not ratio.result.ok
    assert ratio.result.detail == (
        "the query does not parse: 1:16: parse error: unclosed left parenthesis"
    )
    assert comparison.result.ok
    assert comparison.result.detail == "answers; 2 series now"
    assert found["checkout"].warnings == ()


async def test_a_comparison_without_deploy_backend_or_canary_data_is_warned_about():
    found = await reports(answering(Backend(), "stable"))
    (warning,) = found["checkout"].warnings
    assert warning.startswith('signal "p99 canary vs stable" may never be compared: no deploy')
    assert 'canary selector (track="canary") matches no series now' in warning


async def test_run_check_reports_per_line_and_exits_1():
    out = io.StringIO()
    code = await run_check(
        config(), {}, Console(file=out, width=200), transport=answering(Backend()).transport
    )
    text = out.getvalue()
    assert code == 1
    assert "every backend ok; 2 of 2 release lines have problems: checkout, nightly" in text
    assert "checkout (checkout to production)" in text
    assert "    FAILED · the query does not parse: 1:16: parse error: unclosed left" in text
    assert '  warning: signal "p99 canary vs stable" may never be compared' in text
    assert "    ok · 4 runs seen, 1 with a version, 3 ignored" in text


async def test_lines_on_a_backend_that_failed_its_probe_are_not_checked():
    backend = answering(Backend())
    backend.routes.pop(("GET", "/prom/-/ready"))
    backend.on("GET", "/prom/-/ready", httpx.Response(404, text="404 page not found"))
    out = io.StringIO()
    code = await run_check(config(), {}, Console(file=out, width=200), transport=backend.transport)
    text = out.getvalue()
    assert code == 1
    assert "prom (prometheus) https://backend.test/prom\n  WRONG PATH" in text
    assert "  requested GET https://backend.test/prom/-/ready" in text
    assert "  not checked: prom failed its probe (above)" in text
    assert not any(r.url.path == QUERY for r in backend.sent())


async def test_a_project_none_of_whose_runs_has_a_version_is_a_warning_not_a_failure():
    backend = answering(Backend(), "stable")
    backend.routes.pop(("GET", MISSING))
    backend.json("GET", MISSING, runs("main", "main"))
    backend.json(
        "GET",
        "/gh/repos/acme/checkout/actions/runs/1000/jobs",
        load("github/jobs-failed-step.json"),
    )
    found = await reports(backend)
    (ci,) = found["nightly"].targets
    assert ci.result.ok
    assert ci.result.detail == "2 runs seen, 0 with a version, 2 ignored"
    (warning,) = found["nightly"].warnings
    assert warning.startswith(
        "no recent run of project=acme/checkout workflow=nightly.yml carries a version (2 seen)"
    )
