"""A config whose deploys use only kubernetes, only argo-cd or only flagger validates, and
`release-cockpit check` probes it: against the simulated world over loopback."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.headless.check import run_check
from release_cockpit_demo import DemoServer
from tests.support.demo_clock import START

CONFIGS = {
    "kubernetes": (
        '[backends.eu-west]\ntype = "kubernetes"\nurl = "{url}/k8s"\n'
        '[services.inventory]\nenvironment = "production"\n'
        '[services.inventory.deploy]\nbackend = "eu-west"\nnamespace = "warehouse"\n'
        'name = "inventory"\ncontainer = "inventory"\n'
    ),
    "argo-cd": (
        '[backends.argocd]\ntype = "argo-cd"\nurl = "{url}/argocd"\nselector = "team=shop"\n'
        '[services.orders]\nenvironment = "production"\n'
        '[services.orders.deploy]\nbackend = "argocd"\napplication = "orders"\n'
        'project = "shop"\nrollout = "orders"\n'
    ),
    "flagger": (
        '[backends.us-east]\ntype = "flagger"\nurl = "{url}/k8s"\n'
        'load_tester_url = "{url}/loadtester"\n'
        '[services.gateway]\nenvironment = "production"\n'
        '[services.gateway.deploy]\nbackend = "us-east"\nnamespace = "edge"\ncanary = "gateway"\n'
    ),
}


@pytest.fixture(scope="module")
def world() -> Iterator[str]:
    with DemoServer(clock=lambda: START) as server:
        yield server.url


@pytest.mark.parametrize("kind", sorted(CONFIGS))
async def test_a_config_of_one_deploy_type_validates_and_check_probes_it(world, kind):
    config = parse_config(CONFIGS[kind].replace("{url}", world), "only.toml", kinds=adapter_kinds())
    [backend] = config.backends.values()
    assert backend.type == kind
    output = io.StringIO()
    code = await run_check(config, {}, Console(file=output, width=120))
    text = output.getvalue()
    assert code == 0, text
    assert f"{backend.name} ({kind})" in text
    assert "every backend ok" in text
