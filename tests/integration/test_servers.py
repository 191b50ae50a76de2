"""The missing-server rule: skip locally with how to install, fail under CI."""

from __future__ import annotations

import re
import socket
import sys

import pytest

from tests.support import buildbot_master
from tests.support.servers import find_binary, free_port, unavailable


def test_a_missing_server_skips_locally_with_the_install_command(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"install it with: apt-get install x"):
        unavailable("'x'", "apt-get install x")


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_a_missing_server_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        find_binary(["no-such-server-binary"], "apt-get install no-such-server")


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_ci_set_to_false_is_local(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="install it with: apt-get install x"):
        find_binary(["no-such-server-binary"], "apt-get install x")


def test_a_server_is_found_on_path_only(monkeypatch, tmp_path):
    binary = tmp_path / "fake-server"
    binary.write_text("#!/bin/sh\n", encoding="utf-8")
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    assert find_binary(["fake-server"], "x") == str(binary)
    with pytest.raises(pytest.skip.Exception):
        find_binary(["sh"], "x")  # in /bin and /usr/bin, but not on this PATH


def test_free_port_can_be_bound_again():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def only_missing(missing: str):
    """A find_spec that finds every Buildbot package but ``missing``, installed or not."""
    return lambda name: None if name == missing else object()


def test_the_buildbot_install_command_is_exact():
    command = f"{sys.executable} -m pip install -e '{buildbot_master.REPO}[integration]'"
    assert command == buildbot_master.INSTALL
    assert (buildbot_master.REPO / "pyproject.toml").is_file()


@pytest.mark.parametrize("missing", buildbot_master.PACKAGES)
def test_a_missing_buildbot_package_says_how_to_install_it(monkeypatch, missing):
    monkeypatch.delenv("CI", raising=False)
    package = missing.replace("_", "-")
    expected = (
        rf"'{package}' is not installed; install it with: {re.escape(buildbot_master.INSTALL)}$"
    )
    with pytest.raises(pytest.skip.Exception, match=expected):
        buildbot_master.require_buildbot(only_missing(missing))


def test_a_missing_buildbot_package_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"'buildbot-www' is not installed.*CI is set"):
        buildbot_master.require_buildbot(only_missing("buildbot_www"))


def test_debian_loki_is_not_grafana_loki_and_the_skip_says_why(monkeypatch, tmp_path):
    """Debian's `loki` (a pedigree-analysis program) on PATH is not taken for Grafana Loki."""
    from tests.support import loki_server

    impostor = tmp_path / "loki"
    impostor.write_text("#!/bin/sh\necho 'LOKI 2.4.7: MCMC linkage analysis'\n", encoding="utf-8")
    impostor.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LOKI_BINARY", raising=False)
    monkeypatch.delenv(loki_server.EXPECT_ENV, raising=False)
    monkeypatch.setenv("CI", "true")  # not installable: skipped even under CI
    with pytest.raises(pytest.skip.Exception, match="Debian's 'loki' package is an unrelated"):
        loki_server.find_loki()
    monkeypatch.setenv(loki_server.EXPECT_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="CI installed Loki"):
        loki_server.find_loki()


def test_a_grafana_loki_banner_is_recognised(monkeypatch, tmp_path):
    from tests.support import loki_server

    real = tmp_path / "loki"
    real.write_text("#!/bin/sh\necho 'loki, version 3.5.1 (branch: HEAD)'\n", encoding="utf-8")
    real.chmod(0o755)
    monkeypatch.setenv("LOKI_BINARY", str(real))
    assert loki_server.find_loki() == str(real)
