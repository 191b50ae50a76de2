"""A Kubernetes backend named by a kubeconfig context: the kubernetes adapter driven through a
real exec credential plugin (a script this test writes), its token cached, fetched again
after a 401, never leaked; and the settings that cannot work together."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.deploy.argo_rollouts import ArgoRollouts
from release_cockpit.adapters.deploy.flagger import Flagger
from release_cockpit.adapters.deploy.kubernetes import Kubernetes
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Target
from release_cockpit.errors import AdapterError, AuthError, ConfigError
from tests.support.adapters import FIXTURES, Backend
from tests.support.kube_fixtures import COMPLETE, RS, fixture, script, write

APPS = "/apis/apps/v1/namespaces/icx"
ICX = Target.of(namespace="icx", name="icx-db")
PLUGIN = """\
import json, pathlib
here = pathlib.Path(__file__).parent
with open(here / "count", "a") as f:
    f.write("x")
print(json.dumps({
    "apiVersion": "client.authentication.k8s.io/v1",
    "kind": "ExecCredential",
    "status": {"token": "s3cret-plugin-token-" + str(len((here / "count").read_text())),
               "expirationTimestamp": "2099-01-01T00:00:00Z"},
}))
"""
FAILING = "import sys\nprint('login expired; run aws sso login', file=sys.stderr)\nsys.exit(3)\n"


def kubeconfig(tmp_path: Path, plugin_body: str = PLUGIN) -> Path:
    """The recorded exec-plugin kubeconfig (SOURCES.md), edited: its command is the test's
    plugin and its server a plain-http test host (no CA to load)."""
    script(tmp_path / "plugin", plugin_body)
    data = yaml.safe_load((FIXTURES / "kubeconfig/kubeconfig-exec-plugin-v1.yaml").read_text())
    data["users"][0]["user"]["exec"].update(command=str(tmp_path / "plugin"))
    cluster = data["clusters"][0]["cluster"]
    cluster["server"] = "http://k8s.test"
    del cluster["certificate-authority"]
    return write(tmp_path / "kubeconfig", data)


def runs(tmp_path: Path) -> int:
    count = tmp_path / "count"
    return len(count.read_text()) if count.exists() else 0


def settings(path: Path, **changes: object) -> BackendSettings:
    options = {"context": "my-cluster", "kubeconfig": str(path)}
    base = BackendSettings(name="prod-eu", type="kubernetes", url="", options=options)
    return BackendSettings(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})


def deployments() -> dict:
    return {"kind": "DeploymentList", "items": [fixture(COMPLETE)]}


def replicasets() -> dict:
    return {"kind": "ReplicaSetList", "items": [fixture(RS)]}


def tokens(backend: Backend) -> list[str]:
    return [r.headers.get("authorization", "") for r in backend.requests]


async def test_the_plugins_token_is_sent_cached_and_fetched_again_after_a_401(tmp_path):
    backend = Backend()
    backend.json("GET", f"{APPS}/deployments", deployments())
    unauthorised = httpx.Response(
        401, json={"kind": "Status", "code": 401, "reason": "Unauthorized"}
    )
    backend.on("GET", f"{APPS}/replicasets", httpx.Response(200, json=replicasets()), unauthorised,
               httpx.Response(200, json=replicasets()))  # fmt: skip
    adapter = Kubernetes(settings(kubeconfig(tmp_path)), transport=backend.transport)
    try:
        first = await adapter.rollouts([ICX])
        assert not isinstance(first[ICX], AdapterError)
        assert set(tokens(backend)) == {"Bearer s3cret-plugin-token-1"}
        assert runs(tmp_path) == 1  # two requests at once, one plugin run
        assert all(r.url.host == "k8s.test" for r in backend.requests)
        second = await adapter.rollouts([ICX])  # replicasets answers 401 once
        assert not isinstance(second[ICX], AdapterError)
        assert runs(tmp_path) == 2
        assert tokens(backend)[-1] == "Bearer s3cret-plugin-token-2"
        assert "my-cluster" in adapter.where
        assert "s3cret" not in repr(adapter.http.__dict__)
    finally:
        await adapter.aclose()


async def test_an_echoed_plugin_token_is_scrubbed_from_errors(tmp_path):
    def echo(request: httpx.Request) -> httpx.Response:
        message = f"forbidden for {request.headers['authorization']}"
        return httpx.Response(403, json={"kind": "Status", "code": 403, "message": message})

    backend = Backend()
    backend.on("GET", f"{APPS}/deployments", echo)
    backend.json("GET", f"{APPS}/replicasets", replicasets())
    adapter = Kubernetes(settings(kubeconfig(tmp_path)), transport=backend.transport)
    try:
        state = (await adapter.rollouts([ICX]))[ICX]
    finally:
        await adapter.aclose()
    assert isinstance(state, AuthError)
    assert "s3cret-plugin-token" not in str(state)
    assert "[redacted]" in str(state)


async def test_a_failing_plugin_fails_the_lines_with_its_reason(tmp_path):
    backend = Backend()
    adapter = Kubernetes(settings(kubeconfig(tmp_path, FAILING)), transport=backend.transport)
    try:
        state = (await adapter.rollouts([ICX]))[ICX]
    finally:
        await adapter.aclose()
    assert isinstance(state, AuthError)
    assert "exited with status 3: login expired; run aws sso login" in state.message
    assert backend.requests == []


@pytest.mark.parametrize("cls", [Kubernetes, Flagger, ArgoRollouts])
def test_settings_that_cannot_work_together(tmp_path, cls):
    path = kubeconfig(tmp_path)
    for changes, words in (
        ({"url": "https://k8s.example.com"}, "set url or context, not both"),
        ({"token": "abcdefgh"}, "token_env and token_file are not used with it"),
        ({"verify_tls": False}, "TLS comes from the kubeconfig"),
        ({"url": "https://k8s", "options": {"kubeconfig": str(path)}}, "no effect without context"),
        ({"options": {}}, "set url (and token_env), or context"),
    ):
        with pytest.raises(ConfigError) as caught:
            cls(settings(path, **changes))
        assert words in caught.value.problems[0].message + caught.value.problems[0].hint


def test_a_context_that_does_not_exist_names_the_kubeconfig(tmp_path):
    path = kubeconfig(tmp_path)
    with pytest.raises(ConfigError) as caught:
        Kubernetes(settings(path, options={"context": "my-clustr", "kubeconfig": str(path)}))
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert "did you mean 'my-cluster'?" in problem.hint


def test_the_config_accepts_a_context_instead_of_a_url():
    text = (
        '[backends.prod-eu]\ntype = "kubernetes"\ncontext = "eks-prod"\n'
        'kubeconfig = "~/.kube/prod"\n'
        '[services.cart]\nenvironment = "production"\n'
        '[services.cart.deploy]\nbackend = "prod-eu"\nnamespace = "shop"\nname = "cart"\n'
    )
    config = parse_config(text, "c.toml", kinds=adapter_kinds())
    backend = config.backends["prod-eu"]
    assert (backend.url, backend.options["context"]) == ("", "eks-prod")
    with pytest.raises(ConfigError) as caught:
        parse_config(text.replace('context = "eks-prod"\n', ""), "c.toml", kinds=adapter_kinds())
    assert any("missing required key 'url'" in p.message for p in caught.value.problems)
