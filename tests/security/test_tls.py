"""TLS: certificates are verified by default, and a private CA can be trusted with ``ca_file``.

A CA and a server certificate for 127.0.0.1 are made with ``openssl`` for the test, and a
loopback HTTPS server answers like Prometheus with them.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import load_config, parse_config
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import ConfigError, Unreachable
from tests.support.fault_backends import PROMETHEUS
from tests.support.fault_server import FaultServer
from tests.support.servers import find_binary

EXTENSIONS = """\
subjectAltName = IP:127.0.0.1, DNS:localhost
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
"""


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """A test CA and a server certificate it signed, for 127.0.0.1."""
    find_binary(["openssl"], "sudo apt-get install openssl")
    where = tmp_path_factory.mktemp("pki")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        *("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"),
        *("-subj", "/CN=release-cockpit test CA"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        cwd=where,
    )
    openssl(
        "req",
        *ec,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=where,
    )
    (where / "server.ext").write_text(EXTENSIONS, encoding="utf-8")
    openssl(
        *("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key"),
        *("-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"),
        cwd=where,
    )
    return {name: where / name for name in ("ca.pem", "server.pem", "server.key")}


@pytest.fixture(scope="module")
def https_server(pki) -> Iterator[FaultServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["server.pem"], pki["server.key"])
    with FaultServer(PROMETHEUS.routes, tls=context) as server:
        yield server


def config_text(url: str, **backend: object) -> str:
    return tomli_w.dumps(
        {
            "backends": {"prometheus": {"type": "prometheus", "url": url, **backend}},
            "services": {
                "checkout": {
                    "environment": "production",
                    "signals": [{"backend": "prometheus", **PROMETHEUS.section}],
                }
            },
        }
    )


async def query(text: str) -> float | None:
    config = parse_config(text, "<tls>", kinds=adapter_kinds())
    adapter = build_adapters(config, {})["prometheus"]
    try:
        result = await adapter.query("up")  # type: ignore[attr-defined]
        return result.single_value()
    finally:
        await adapter.aclose()


async def test_certificates_are_verified_by_default(https_server):
    assert https_server.url.startswith("https://127.0.0.1:")
    with pytest.raises(Unreachable) as caught:
        await query(config_text(https_server.url))
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert caught.value.title == "Backend unreachable"


async def test_a_private_ca_is_trusted_with_ca_file(https_server, pki):
    value = await query(config_text(https_server.url, ca_file=str(pki["ca.pem"])))
    assert value == pytest.approx(0.001)


async def test_ca_file_expands_the_home_directory(https_server, pki, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    shutil.copy(pki["ca.pem"], tmp_path / "corp-ca.pem")
    text = config_text(https_server.url, ca_file="~/corp-ca.pem")
    assert parse_config(text).backends["prometheus"].ca_file == tmp_path / "corp-ca.pem"
    assert await query(text) == pytest.approx(0.001)


async def test_a_certificate_from_another_ca_is_refused(https_server, pki):
    """Trusting one's own CA does not trust everything: the default CAs are not added."""
    other = ssl.get_default_verify_paths().cafile
    if other is None:
        pytest.skip("no system CA bundle")
    with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
        await query(config_text(https_server.url, ca_file=other))


async def test_verification_can_be_turned_off_for_a_test_server(https_server):
    assert await query(config_text(https_server.url, verify_tls=False)) == pytest.approx(0.001)


def test_a_missing_ca_file_is_a_config_problem_on_its_line(tmp_path):
    path = tmp_path / "cockpit.toml"
    path.write_text(config_text("https://prom.example", ca_file="~/nowhere/ca.pem"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert problem.key == "backends.prometheus.ca_file"
    assert problem.line == 4
    assert problem.file == str(path)
    assert "does not exist" in problem.message
    assert "PEM file" in problem.hint
    assert str(Path("~/nowhere/ca.pem").expanduser()) in problem.message


def test_ca_file_with_verification_off_is_a_config_problem(pki):
    text = config_text("https://prom.example", ca_file=str(pki["ca.pem"]), verify_tls=False)
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    [problem] = caught.value.problems
    assert problem.key == "backends.prometheus.ca_file"
    assert "no effect with verify_tls = false" in problem.message


def test_a_ca_file_that_is_not_pem_is_a_config_problem(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n")
    config = parse_config(config_text("https://prom.example", ca_file=str(bundle)), "x.toml")
    with pytest.raises(ConfigError) as caught:
        build_adapters(config, {})
    [problem] = caught.value.problems
    assert problem.key == "backends.prometheus.ca_file"
    assert f"cannot load the CA bundle {bundle}" in problem.message
