"""kubeconfig loading, merging and resolving, and real exec credential plugins.

The kubeconfig files are recorded upstream examples (tests/fixtures/kubeconfig/SOURCES.md);
the plugins are small executables each test writes into tmp_path: one that prints an
ExecCredential (counting its runs in a file), one that fails, one that hangs past the
timeout and one that prints garbage.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import ssl
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from release_cockpit.adapters.kubeconfig import (
    ClusterAccess,
    CredentialPluginError,
    CredentialPluginTimeout,
    load_cluster_access,
    load_kubeconfig,
    parse_exec_credential,
    resolve,
)
from release_cockpit.errors import AuthError, ConfigError
from tests.support.adapters import FIXTURES
from tests.support.kube_fixtures import script, write

KUBECONFIG = FIXTURES / "kubeconfig"
MULTI = KUBECONFIG / "kubeconfig-multi-context-client-cert.yaml"
MISSING = KUBECONFIG / "kubeconfig-context-with-missing-cluster.yaml"
EXEC = KUBECONFIG / "kubeconfig-exec-plugin-v1.yaml"
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


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


async def test_token_file_problems(tmp_path):
    token = tmp_path / "token"
    token.write_text("  \n")
    access = ClusterAccess("c", "default", "https://k", "c", "u", "f", token_file=str(token))
    with pytest.raises(AuthError, match="is empty"):
        await access.auth_headers()
    token.unlink()
    with pytest.raises(AuthError, match="cannot read the tokenFile"):
        await access.auth_headers()
    static = ClusterAccess("c", "default", "https://k", "c", "u", "f", token="s3cret")
    assert await static.auth_headers() == {"Authorization": "Bearer s3cret"}
    assert "s3cret" not in repr(static)


# -- TLS with real certificates ---------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed client certificate and key made with openssl for the test."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    where = tmp_path_factory.mktemp("pki")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", "client.key", "-out", "client.crt", "-days", "2"),
            *("-subj", "/CN=release-cockpit test client"),
        ],
        cwd=where,
        check=True,
        capture_output=True,
        timeout=30,
    )
    return where / "client.crt", where / "client.key"


def test_client_certificate_files_and_ca_data_load_into_a_context(tmp_path, certificate):
    cert, key = certificate
    shutil.copy(cert, tmp_path / "client.crt")
    shutil.copy(key, tmp_path / "client.key")
    path = write(
        tmp_path / "config",
        {
            "clusters": [
                {
                    "name": "c",
                    "cluster": {
                        "server": "https://k.example",
                        "certificate-authority-data": base64.b64encode(cert.read_bytes()).decode(),
                        "tls-server-name": "kubernetes.default",
                    },
                }
            ],
            # Relative paths start at the kubeconfig's folder.
            "users": [
                {
                    "name": "u",
                    "user": {"client-certificate": "client.crt", "client-key": "client.key"},
                }
            ],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        },
    )
    access = load_cluster_access(path)
    context = access.ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "release-cockpit test client"),),)
    ]
    assert access.request_extensions() == {"sni_hostname": "kubernetes.default"}


def test_insecure_context_checks_nothing():
    access = ClusterAccess("c", "default", "https://k", "c", "", "f", insecure=True)
    built = access.ssl_context()
    assert built.verify_mode is ssl.CERT_NONE
    assert not built.check_hostname


def test_insecure_with_a_ca_is_refused_when_tls_is_set_up():
    """cluster2 of the recording sets both; over its http:// server that never matters, so
    the refusal comes when a TLS context is asked for, as in client-go's transport."""
    access = load_cluster_access(MULTI)
    with pytest.raises(ConfigError) as caught:
        access.ssl_context()
    assert "root certificates file with the insecure flag" in problem_text(caught.value)


# -- exec credential plugins --------------------------------------------------------------------


GOOD_PLUGIN = """\
import json, os, sys, pathlib
here = pathlib.Path(__file__).parent
with open(here / "count", "a") as f:
    f.write("x")
(here / "exec-info.json").write_text(os.environ.get("KUBERNETES_EXEC_INFO", ""))
(here / "argv.json").write_text(json.dumps({"argv": sys.argv[1:], "FOO": os.environ.get("FOO")}))
print(json.dumps({
    "apiVersion": os.environ.get("API", "client.authentication.k8s.io/v1"),
    "kind": "ExecCredential",
    "status": {"token": "tok-" + str(len((here / "count").read_text())),
               "expirationTimestamp": "2026-11-27T04:30:00-08:00"},
}))
"""


def exec_kubeconfig(tmp_path: Path, command: str, **exec_edits: object) -> Path:
    """The recorded exec-plugin kubeconfig, edited: ``command`` points at the test's plugin
    (and any ``exec_edits``), and the CA path at a file that exists in tmp_path."""
    data = yaml.safe_load(EXEC.read_text())
    data["users"][0]["user"]["exec"].update(command=command, **exec_edits)
    (tmp_path / "ca.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot really\n")
    data["clusters"][0]["cluster"]["certificate-authority"] = "ca.pem"
    return write(tmp_path / "kubeconfig", data)


def runs(tmp_path: Path) -> int:
    count = tmp_path / "count"
    return len(count.read_text()) if count.exists() else 0


async def test_exec_plugin_gives_a_token_and_is_cached_until_expiry(tmp_path):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    clock = Clock()
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=clock)
    assert await access.auth_headers() == {"Authorization": "Bearer tok-1"}
    assert await access.auth_headers() == {"Authorization": "Bearer tok-1"}
    assert runs(tmp_path) == 1
    credential = await access.credential()
    assert credential is not None
    assert credential.expires_at == datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
    clock.now = T0 + timedelta(minutes=29, seconds=59)
    await access.auth_headers()
    assert runs(tmp_path) == 1
    clock.now = T0 + timedelta(minutes=30)
    assert await access.auth_headers() == {"Authorization": "Bearer tok-2"}
    access.invalidate()  # after a 401
    assert await access.auth_headers() == {"Authorization": "Bearer tok-3"}
    assert "tok-" not in repr(access)
    assert "tok-" not in repr(credential)


async def test_concurrent_requests_start_one_plugin(tmp_path):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    headers = await asyncio.gather(*(access.auth_headers() for _ in range(5)))
    assert {h["Authorization"] for h in headers} == {"Bearer tok-1"}
    assert runs(tmp_path) == 1


async def test_plugin_gets_args_env_and_exec_info_without_a_shell(tmp_path):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    hostile = ["$(touch pwned)", "; touch pwned2", "a b", "*"]
    path = exec_kubeconfig(tmp_path, str(tmp_path / "plugin"), args=hostile)
    await resolve(load_kubeconfig(path), clock=Clock()).auth_headers()
    seen = json.loads((tmp_path / "argv.json").read_text())
    assert seen == {"argv": hostile, "FOO": "bar"}
    assert not list(tmp_path.glob("pwned*"))
    info = json.loads((tmp_path / "exec-info.json").read_text())
    assert info == {
        "apiVersion": V1,
        "kind": "ExecCredential",
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://172.17.4.100:6443",
                "certificate-authority-data": base64.b64encode(
                    b"-----BEGIN CERTIFICATE-----\nnot really\n"
                ).decode(),
                "config": {
                    "arbitrary": "config",
                    "this": "can be provided via the KUBERNETES_EXEC_INFO environment variable "
                    "upon setting provideClusterInfo",
                    "you": ["can", "put", "anything", "here"],
                },
            },
        },
    }


async def test_without_provide_cluster_info_only_interactive_is_sent(tmp_path):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    path = exec_kubeconfig(tmp_path, "./plugin", provideClusterInfo=False)
    await resolve(load_kubeconfig(path), clock=Clock()).auth_headers()
    info = json.loads((tmp_path / "exec-info.json").read_text())
    assert info["spec"] == {"interactive": False}


async def test_v1beta1_plugin(tmp_path, monkeypatch):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    monkeypatch.setenv("API", V1BETA1)
    data = yaml.safe_load(exec_kubeconfig(tmp_path, "./plugin").read_text())
    exec_cfg = data["users"][0]["user"]["exec"]
    exec_cfg["apiVersion"] = V1BETA1
    del exec_cfg["interactiveMode"]  # optional in v1beta1 (IfAvailable)
    access = resolve(load_kubeconfig(write(tmp_path / "kubeconfig", data)), clock=Clock())
    assert await access.auth_headers() == {"Authorization": "Bearer tok-1"}


async def test_plugin_answering_another_api_version_is_refused(tmp_path, monkeypatch):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    monkeypatch.setenv("API", V1BETA1)
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    with pytest.raises(
        CredentialPluginError, match=r"configured for client\.authentication\.k8s\.io/v1 but"
    ) as caught:
        await access.auth_headers()
    assert caught.value.title == "Kubernetes credential plugin failed"
    assert "tok-" not in str(caught.value)


async def test_failing_plugin(tmp_path):
    script(
        tmp_path / "plugin",
        "import sys\nsys.stderr.write('noise\\nerror: login expired\\n')\nsys.exit(3)\n",
    )
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    with pytest.raises(CredentialPluginError) as caught:
        await access.auth_headers()
    assert caught.value.message.endswith("exited with status 3: error: login expired")
    assert "run the plugin by hand" in caught.value.hint


async def test_hanging_plugin_is_killed_after_the_timeout(tmp_path):
    script(
        tmp_path / "plugin",
        "import os, pathlib, time\n"
        "pathlib.Path(__file__).with_name('pid').write_text(str(os.getpid()))\n"
        "time.sleep(60)\n",
    )
    path = exec_kubeconfig(tmp_path, "./plugin")
    access = resolve(load_kubeconfig(path), exec_timeout=1.0, clock=Clock())
    with pytest.raises(CredentialPluginTimeout) as caught:
        await access.auth_headers()
    assert "did not finish within 1 s" in caught.value.message
    assert caught.value.title == "Kubernetes credential plugin timed out"
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_garbage_output_is_not_echoed(tmp_path):
    script(tmp_path / "plugin", "print('hello s3cr3t')\n")
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    with pytest.raises(CredentialPluginError) as caught:
        await access.auth_headers()
    assert "that are not JSON" in caught.value.message
    assert "s3cr3t" not in str(caught.value)


async def test_flooding_plugin_is_stopped(tmp_path):
    script(tmp_path / "plugin", "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n")
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    with pytest.raises(CredentialPluginError, match="printed more than"):
        await access.auth_headers()


async def test_missing_plugin_shows_the_install_hint(tmp_path):
    access = resolve(load_kubeconfig(EXEC), clock=Clock())
    with pytest.raises(CredentialPluginError) as caught:
        await access.auth_headers()
    assert caught.value.message == (
        "credential plugin 'example-client-go-exec-plugin' of kubeconfig user 'my-user' was "
        "not found"
    )
    assert caught.value.hint.startswith("example-client-go-exec-plugin is required")
    assert isinstance(caught.value, AuthError)


async def test_not_executable_plugin(tmp_path):
    (tmp_path / "plugin").write_text("#!/bin/sh\n")
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    with pytest.raises(CredentialPluginError, match="is not executable"):
        await access.auth_headers()


async def test_interactive_only_plugin_is_not_run(tmp_path):
    script(tmp_path / "plugin", GOOD_PLUGIN)
    path = exec_kubeconfig(tmp_path, "./plugin", interactiveMode="Always")
    with pytest.raises(CredentialPluginError, match="needs an interactive terminal"):
        await resolve(load_kubeconfig(path), clock=Clock()).auth_headers()
    assert runs(tmp_path) == 0


async def test_plugin_client_certificate(tmp_path, certificate):
    cert, key = certificate
    body = {
        "apiVersion": V1,
        "kind": "ExecCredential",
        "status": {"clientCertificateData": cert.read_text(), "clientKeyData": key.read_text()},
    }
    script(tmp_path / "plugin", f"print({json.dumps(json.dumps(body))})\n")
    access = resolve(load_kubeconfig(exec_kubeconfig(tmp_path, "./plugin")), clock=Clock())
    access = replace(access, ca_file=None)
    assert await access.auth_headers() == {}
    credential = await access.credential()
    assert credential is not None
    assert credential.certificate is not None
    assert credential.expires_at is None
    access.ssl_context(credential)  # loads the plugin's pair


# -- ExecCredential parsing -----------------------------------------------------------------------


def test_recorded_token_with_expiry():
    credential = parse_exec_credential(
        (KUBECONFIG / "execcredential-v1-token-with-expiry.json").read_bytes(), V1
    )
    assert credential.token == "my-bearer-token"
    # RFC 3339 with a -08:00 offset, not Z.
    assert credential.expires_at == datetime(2018, 3, 6, 1, 30, 20, tzinfo=UTC)


def test_recorded_client_certificate_answer():
    credential = parse_exec_credential(
        (KUBECONFIG / "execcredential-v1-client-cert.json").read_bytes(), V1
    )
    assert credential.token == ""
    assert credential.certificate is not None
    assert credential.certificate.cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (None, "returned no status"),
        ({}, "neither a token nor a certificate"),
        ({"clientCertificateData": "PEM"}, "only a client certificate or only a key"),
        ({"token": "t", "expirationTimestamp": "tomorrow"}, "not RFC 3339"),
    ],
)
def test_incomplete_credentials(status, message):
    body = {"apiVersion": V1, "kind": "ExecCredential", "status": status}
    with pytest.raises(CredentialPluginError, match=message):
        parse_exec_credential(json.dumps(body).encode(), V1, user="me")


def test_the_recorded_exec_info_input_is_what_a_plugin_reads():
    """The documented KUBERNETES_EXEC_INFO example has the shape the cockpit sends."""
    sample = json.loads((KUBECONFIG / "execcredential-v1-exec-info-input.json").read_text())
    assert set(sample["spec"]) == {"cluster", "interactive"}
    assert set(sample["spec"]["cluster"]) == {"server", "certificate-authority-data", "config"}
    with pytest.raises(CredentialPluginError, match="returned no status"):
        parse_exec_credential(json.dumps(sample).encode(), V1)
