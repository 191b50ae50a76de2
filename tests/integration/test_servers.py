"""The missing-server rule: skip locally with how to install, fail under CI."""

from __future__ import annotations

import socket

import pytest

from tests.support.servers import find_binary, free_port, unavailable


def test_a_missing_server_skips_locally_with_the_install_command(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"install it with: apt-get install x"):
        unavailable("'x'", "apt-get install x")


def test_a_missing_server_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        find_binary(["no-such-server-binary"], "apt-get install no-such-server")


def test_free_port_can_be_bound_again():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_a_missing_buildbot_package_says_how_to_install_it(monkeypatch):
    from tests.support import buildbot_master

    real = buildbot_master.importlib.util.find_spec
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(
        buildbot_master.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "buildbot_www" else real(name, *a),
    )
    with pytest.raises(pytest.skip.Exception, match=r"'buildbot-www'.*\.\[integration\]"):
        buildbot_master.require_buildbot()
