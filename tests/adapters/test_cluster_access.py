"""ClusterAccess: the Authorization header and the TLS context, with real certificates.

The kubeconfig files are recorded upstream examples (tests/fixtures/kubeconfig/SOURCES.md).
"""

from __future__ import annotations

import base64
import shutil
import ssl

import pytest

from release_cockpit.adapters.cluster_access import ClusterAccess
from release_cockpit.adapters.kube_context import load_cluster_access
from release_cockpit.errors import AuthError, ConfigError
from tests.support.adapters import FIXTURES
from tests.support.kube_fixtures import write

KUBECONFIG = FIXTURES / "kubeconfig"
MULTI = KUBECONFIG / "kubeconfig-multi-context-client-cert.yaml"


def problem_text(error: ConfigError) -> str:
    return "\n".join(p.render() for p in error.problems)


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
