"""Contract v2: adapters declare their keys, options, actions and features; the registry
imports nothing until a type is used; configs are checked against the declarations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from release_cockpit.adapters.base import Adapter, Feature, FlagSource, HistorySource
from release_cockpit.adapters.registry import adapter_class, adapter_kinds, available
from release_cockpit.config import parse_config
from release_cockpit.errors import ConfigError

BUILT_IN = sorted(
    name for name, info in available().items() if info.target.startswith("release_cockpit.")
)


def test_importing_the_registry_imports_no_adapter_module():
    code = (
        "import sys, release_cockpit.adapters.registry as r, release_cockpit.config, "
        "release_cockpit.engine.engine; kinds = r.adapter_kinds(); "
        "loaded = sorted(m for m in sys.modules if m.startswith('release_cockpit.adapters.') "
        "and m.rsplit('.', 1)[-1] not in ('base', 'registry', 'http', 'http_cache', "
        "'http_errors', 'payload', 'batching', 'http_probe', 'sent_requests', "
        "'backend_settings', 'check_results', 'query_results')); "
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_config_imports_only_the_adapters_it_uses():
    code = (
        "import sys; from release_cockpit.adapters.registry import adapter_kinds; "
        "from release_cockpit.config import parse_config; "
        'parse_config(\'[backends.ci]\\ntype = "buildbot"\\nurl = "http://bb"\\n'
        '[services.a]\\nenvironment = "prod"\\n[services.a.ci]\\nbackend = "ci"\\n'
        'builder = "b"\\n\', kinds=adapter_kinds()); '
        "print(sorted(m.rsplit('.', 1)[-1] for m in sys.modules "
        "if m.startswith('release_cockpit.adapters.ci.') or "
        "m.startswith('release_cockpit.adapters.deploy.') or "
        "m.startswith('release_cockpit.adapters.monitoring.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['buildbot', 'buildbot_parsing', 'ci_parsing', 'run_jobs']"


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_adapter_declares_what_it_is(name: str):
    cls = adapter_class(name)
    assert name == cls.TYPE
    assert cls.KIND in ("ci", "health", "alerts", "deploy", "flags")
    assert cls.__doc__
    if cls.KIND in ("ci", "deploy", "flags"):
        assert cls.TARGET, f"{name} declares no target keys"
        assert any(key.required for key in cls.TARGET)
    if cls.KIND in ("ci", "deploy"):
        assert cls.VERSIONS, f"{name} does not say how it reads a version"
    if cls.CAPABILITIES and issubclass(cls, FlagSource):
        # A flag source speaks of the flag it switches (switch_words), not of the rollout.
        assert cls.switch_words is not FlagSource.switch_words, f"{name} switches silently"
    elif cls.CAPABILITIES:
        # Each action's effect must be in the backend's own words, not the generic sentence.
        assert cls.describe is not Adapter.describe, f"{name} acts but does not describe"
    if Feature.HISTORY in cls.FEATURES:
        assert issubclass(cls, HistorySource) or hasattr(cls, "history")


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.toml", kinds=adapter_kinds())
    return [f"{p.key}: {p.message} ({p.hint})" for p in caught.value.problems]


BUILDBOT = (
    '[backends.bb]\ntype = "buildbot"\nurl = "http://bb"\n[services.a]\nenvironment = "prod"\n'
)


def test_a_misspelt_target_key_gets_a_did_you_mean():
    found = problems(BUILDBOT + '[services.a.ci]\nbackend = "bb"\nbuilderr = "x"\n')
    assert any("services.a.ci.builderr: unknown key (did you mean 'builder'?)" in p for p in found)
    assert any("services.a.ci.builder: missing required key" in p for p in found)


def test_a_key_of_another_adapter_is_named_as_unknown():
    found = problems(BUILDBOT + '[services.a.ci]\nbackend = "bb"\nproject = "acme/x"\n')
    assert any(p.startswith("services.a.ci.project: unknown key") for p in found)


def test_the_adapters_command_lists_every_type_with_its_declarations():
    out = subprocess.run(
        [sys.executable, "-m", "release_cockpit", "adapters", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    document = json.loads(out.stdout)
    by_type = {a["type"]: a for a in document["adapters"]}
    assert set(BUILT_IN) <= set(by_type)
    argo = by_type["argo-rollouts"]
    assert argo["kind"] == "deploy"
    assert [k["key"] for k in argo["target"]] == ["namespace", "rollout"]
    assert "abort" in argo["capabilities"]
    assert "history" in by_type["github-actions"]["features"]
    keys = {name: [k["key"] for k in by_type[name]["target"]] for name in by_type}
    assert keys["kubernetes"] == ["namespace", "name", "kind", "container"]
    assert keys["argo-cd"] == ["application", "project", "image", "rollout"]
    assert keys["flagger"] == ["namespace", "canary", "container"]
    assert set(by_type["kubernetes"]["capabilities"]) == {"pause", "resume", "restart", "rollback"}
    assert {"sync", "terminate", "promote"} <= set(by_type["argo-cd"]["capabilities"])
    assert set(by_type["flagger"]["capabilities"]) == {"promote", "abort"}
    assert {"context", "kubeconfig"} <= {o["key"] for o in by_type["kubernetes"]["options"]}
    assert any(o["key"] == "load_tester_url" for o in by_type["flagger"]["options"])
    assert any(o["key"] == "tag_format" for o in by_type["github-actions"]["options"])
    gitlab, jenkins = by_type["gitlab"], by_type["jenkins"]
    assert [k["key"] for k in gitlab["target"]] == ["project", "ref"]
    assert gitlab["capabilities"] == ["approve", "cancel-ci", "retry-ci"]
    assert gitlab["features"] == ["batching", "history"]
    assert [k["key"] for k in jenkins["target"]] == ["job"]
    assert jenkins["capabilities"] == ["approve", "cancel-ci", "reject", "retry-ci"]
    assert any(o["key"] == "version_parameter" for o in jenkins["options"])
    for name in ("ofrep", "unleash", "launchdarkly"):
        assert by_type[name]["kind"] == "flags"
        assert "flag" in keys[name]
    assert by_type["ofrep"]["capabilities"] == []
    assert by_type["ofrep"]["features"] == ["batching"]
    assert by_type["unleash"]["capabilities"] == ["flag-off", "flag-on"]
    assert by_type["launchdarkly"]["capabilities"] == ["flag-off", "flag-on"]
    assert keys["launchdarkly"] == ["project", "flag", "environment"]
    assert document["unloadable"] == []
