"""Resolving a kubeconfig context: its cluster and user, and what a missing one reports.

The kubeconfig files are recorded upstream examples (tests/fixtures/kubeconfig/SOURCES.md).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from release_cockpit.adapters.kube_context import load_cluster_access, resolve
from release_cockpit.adapters.kubeconfig import load_kubeconfig
from release_cockpit.errors import ConfigError
from tests.support.adapters import FIXTURES
from tests.support.kube_fixtures import write

KUBECONFIG = FIXTURES / "kubeconfig"
MULTI = KUBECONFIG / "kubeconfig-multi-context-client-cert.yaml"
MISSING = KUBECONFIG / "kubeconfig-context-with-missing-cluster.yaml"
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def problem_text(error: ConfigError) -> str:
    return "\n".join(p.render() for p in error.problems)


# -- loading and resolving ------------------------------------------------------------------


def test_current_context_with_client_certificate_data():
    access = load_cluster_access(MULTI)
    assert (access.context, access.cluster, access.user) == ("context2", "cluster2", "user2")
    assert access.server == "http://example2.com"
    assert access.namespace == "namespace2"
    assert access.insecure
    assert access.ca_data == b"CADATA2"
    assert access.client_certificate is not None
    assert access.client_certificate.cert_pem == b"USER2_CADATA"
    assert access.source == str(MULTI)


async def test_basic_auth_user():
    access = resolve(load_kubeconfig(MULTI), "passwd")
    assert access.basic == ("foo", "bar")
    assert await access.auth_headers() == {"Authorization": "Basic Zm9vOmJhcg=="}
    assert access.namespace == "default"
    assert "bar" not in repr(access)


def test_proxy_url_and_ca_data():
    access = resolve(load_kubeconfig(MULTI), "context1")
    assert access.proxy_url == "socks5://localhost:1181"
    assert access.ca_data == b"CADATA"
    assert not access.insecure


def test_placeholder_certificates_cannot_be_loaded():
    """The recorded kubeconfig carries base64 placeholders, not PEM: say so, by name."""
    with pytest.raises(ConfigError) as caught:
        resolve(load_kubeconfig(MULTI), "context1").ssl_context()
    assert "certificate authority of cluster 'cluster1' cannot be loaded" in problem_text(
        caught.value
    )
    user1 = replace(resolve(load_kubeconfig(MULTI), "context1"), ca_data=None)
    with pytest.raises(ConfigError) as caught:
        user1.ssl_context()
    assert "client certificate of user 'user1' cannot be loaded" in problem_text(caught.value)


def test_context_pointing_at_a_missing_cluster():
    config = load_kubeconfig(MISSING)
    with pytest.raises(ConfigError) as caught:
        resolve(config, "duh")
    [problem] = caught.value.problems
    assert problem.file == str(MISSING)
    assert problem.line == 28
    assert problem.message == "context 'duh' uses cluster 'duh', which is not defined"
    assert problem.hint == "known clusters: blee, fred, zorg"
    # The current context is fine: fred uses cluster zorg.
    access = resolve(config)
    assert (access.context, access.cluster, access.server) == (
        "fred",
        "zorg",
        "https://localhost:3002",
    )


def test_unknown_context_suggests_the_closest():
    with pytest.raises(ConfigError) as caught:
        resolve(load_kubeconfig(MISSING), "blea")
    assert caught.value.problems[0].hint == "did you mean 'blee'?"


def test_missing_user_names_the_file_and_the_user(tmp_path):
    data = yaml.safe_load(MISSING.read_text())
    data["contexts"][1]["context"]["user"] = "bleh"  # edited: a dangling user
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        resolve(load_kubeconfig(path), "blee")
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert problem.message == "context 'blee' uses user 'bleh', which is not defined"
    assert problem.hint == "did you mean 'blee'?"
    assert problem.line is not None


@pytest.mark.parametrize(
    ("user", "cluster", "message"),
    [
        (
            {"token": "t", "username": "u", "password": "p"},
            {},
            "both a bearer token and a username",
        ),
        ({"auth-provider": {"name": "gcp"}}, {}, "auth-provider"),
        ({"client-certificate-data": "QQ=="}, {}, "client certificate without its key"),
        (
            {"client-certificate": "nope.crt", "client-key": "nope.key"},
            {},
            "cannot read client-certificate",
        ),
        (
            {"exec": {"apiVersion": "client.authentication.k8s.io/v1alpha1", "command": "x"}},
            {},
            "not supported",
        ),
        ({"exec": {"apiVersion": V1, "command": "x"}}, {}, "interactiveMode is required"),
        (
            {"exec": {"apiVersion": V1, "command": "x", "interactiveMode": "Sometimes"}},
            {},
            "not valid",
        ),
        ({"exec": {"apiVersion": V1BETA1}}, {}, "exec has no command"),
        ({"exec": "x"}, {}, "exec must be a mapping"),
    ],
)
def test_users_that_cannot_work(tmp_path, user, cluster, message):
    path = write(
        tmp_path / "config",
        {
            "clusters": [{"name": "c", "cluster": {"server": "https://k.example", **cluster}}],
            "users": [{"name": "u", "user": user}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        },
    )
    with pytest.raises(ConfigError) as caught:
        load_cluster_access(path)
    assert message in problem_text(caught.value)


def test_cluster_without_server_and_context_without_cluster(tmp_path):
    path = write(
        tmp_path / "config",
        {
            "clusters": [{"name": "c", "cluster": {}}],
            "contexts": [
                {"name": "x", "context": {"cluster": "c"}},
                {"name": "y", "context": {}},
            ],
        },
    )
    config = load_kubeconfig(path)
    with pytest.raises(ConfigError, match="has no server"):
        resolve(config, "x")
    with pytest.raises(ConfigError, match="names no cluster"):
        resolve(config, "y")
    with pytest.raises(ConfigError, match="no current-context"):
        resolve(config)
