"""Real exec credential plugins and ExecCredential parsing.

The plugins are small executables each test writes into tmp_path: one that prints an
ExecCredential (counting its runs in a file), one that fails, one that hangs past the
timeout and one that prints garbage. The kubeconfig files and answers are recorded upstream
examples (tests/fixtures/kubeconfig/SOURCES.md).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from release_cockpit.adapters.kube_context import resolve
from release_cockpit.adapters.kube_credentials import (
    CredentialPluginError,
    CredentialPluginTimeout,
    parse_exec_credential,
)
from release_cockpit.adapters.kubeconfig import load_kubeconfig
from release_cockpit.errors import AuthError
from tests.support.adapters import FIXTURES
from tests.support.kube_fixtures import script, write

KUBECONFIG = FIXTURES / "kubeconfig"
EXEC = KUBECONFIG / "kubeconfig-exec-plugin-v1.yaml"
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


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
