"""kubeconfig loading: which files, merged how, and what a broken one reports.

The kubeconfig files are recorded upstream examples (tests/fixtures/kubeconfig/SOURCES.md).
"""

from __future__ import annotations

import os

import pytest

from release_cockpit.adapters.kube_context import resolve
from release_cockpit.adapters.kubeconfig import load_kubeconfig
from release_cockpit.errors import ConfigError
from tests.support.adapters import FIXTURES
from tests.support.kube_fixtures import write

KUBECONFIG = FIXTURES / "kubeconfig"


def problem_text(error: ConfigError) -> str:
    return "\n".join(p.render() for p in error.problems)


async def test_kubeconfig_list_merges_first_file_wins(tmp_path):
    first = write(
        tmp_path / "a" / "config",
        {
            "clusters": [{"name": "shared", "cluster": {"server": "https://a.example"}}],
            "contexts": [{"name": "ctx", "context": {"cluster": "shared", "user": "u"}}],
            "current-context": "ctx",
        },
    )
    second = write(
        tmp_path / "b" / "config",
        {
            "clusters": [
                {
                    "name": "shared",
                    "cluster": {"server": "https://b.example", "tls-server-name": "b"},
                }
            ],
            "users": [{"name": "u", "user": {"tokenFile": "token"}}],
            "current-context": "other",
        },
    )
    (tmp_path / "b" / "token").write_text("from-b\n")
    env = {"KUBECONFIG": os.pathsep.join(["", str(first), str(tmp_path / "gone"), str(second)])}
    config = load_kubeconfig(env=env)
    assert config.files == (first, second)
    assert config.current_context == "ctx"
    access = resolve(config)
    # The first file's "shared" wins whole: not even its missing tls-server-name is taken.
    assert access.server == "https://a.example"
    assert access.tls_server_name == ""
    assert access.request_extensions() == {}
    # The user came from the second file, so its tokenFile is relative to that file.
    assert access.token_file == str(tmp_path / "b" / "token")
    assert await access.auth_headers() == {"Authorization": "Bearer from-b"}


def test_no_kubeconfig_file_exists(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_kubeconfig(env={"KUBECONFIG": str(tmp_path / "nope")})
    assert "none of the files in $KUBECONFIG exists" in problem_text(caught.value)
    with pytest.raises(ConfigError, match="cannot read the kubeconfig"):
        load_kubeconfig(tmp_path / "nope")


def test_default_path_is_home_kube_config(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / ".kube" / "config", {"current-context": "x"})
    assert load_kubeconfig(env={}).files == (tmp_path / ".kube" / "config",)


def test_broken_yaml_has_a_line(tmp_path):
    path = tmp_path / "config"
    path.write_text("clusters:\n- name: a\n  cluster: {server: [\n")
    with pytest.raises(ConfigError) as caught:
        load_kubeconfig(path)
    assert caught.value.problems[0].line is not None
    path.write_text("- just a list\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_kubeconfig(path)
