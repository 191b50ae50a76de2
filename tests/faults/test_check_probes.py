"""`release-cockpit check` probes every built-in backend type against its healthy stand-in:
reachable, authorised, with the adapter's own words, and a refusal says so."""

from __future__ import annotations

import io

import pytest
import tomli_w
from rich.console import Console

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.headless.check import run_check
from tests.support.fault_backends import HAPPY, SECRET_ENV
from tests.support.fault_server import Fault, FaultServer

PROBE_WORDS = {
    "datadog": "API and application keys valid",
    "datadog-monitors": "API and application keys valid",
    "loki": "Loki ready",
    "grafana-alerts": "Grafana alerting (grafana), Alertmanager 0.27.0",
    "ofrep": "OFREP evaluates 1 flags",
    "unleash": "1 Unleash project visible",
    "launchdarkly": "1 LaunchDarkly project visible",
}


def config_for(type_name: str, url: str):
    entry = HAPPY[type_name]
    document = {"backends": {"probed": {"type": type_name, "url": url, **entry.options}}}
    return parse_config(tomli_w.dumps(document), "<check>", kinds=adapter_kinds())


@pytest.mark.parametrize("type_name", sorted(PROBE_WORDS))
async def test_check_probes_the_new_backends(type_name):
    out = io.StringIO()
    with FaultServer(HAPPY[type_name].routes) as server:
        code = await run_check(
            config_for(type_name, server.url), SECRET_ENV, Console(file=out, width=100)
        )
    text = out.getvalue()
    assert code == 0, text
    assert PROBE_WORDS[type_name] in text
    assert "every backend ok" in text


@pytest.mark.parametrize("type_name", sorted(PROBE_WORDS))
async def test_check_reports_a_refusal(type_name):
    out = io.StringIO()
    refused = Fault("http-403", status=403, body=b'{"errors": ["Forbidden"]}')
    with FaultServer(HAPPY[type_name].routes) as server:
        server.set_fault(refused)
        code = await run_check(
            config_for(type_name, server.url), SECRET_ENV, Console(file=out, width=100)
        )
    assert code == 1
    assert "NOT AUTHORISED" in out.getvalue()
    for secret in SECRET_ENV.values():
        assert secret not in out.getvalue()
