"""End-to-end runs of the real command line, as a user or a script would run it."""

import json
import os
import subprocess
import sys

import pytest


def cli(*args, tmp_path, env=None, timeout=60):
    full_env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "COLUMNS": "120",
        **(env or {}),
    }
    full_env.pop("RELEASE_COCKPIT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        check=False,
    )


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["status"], ["check"], ["demo-world"]])
def test_help(command, tmp_path):
    result = cli(*command, "--help", tmp_path=tmp_path)
    assert result.returncode == 0
    assert "usage: release-cockpit" in result.stdout


def test_status_demo_json_lists_every_scenario(tmp_path):
    result = cli("status", "--demo", "--json", tmp_path=tmp_path)
    document = json.loads(result.stdout)
    assert result.returncode == 4
    assert document["exit_code"] == 4
    assert document["worst"] == "failing"
    releases = {r["service"]: r for r in document["releases"]}
    assert set(releases) == {
        "checkout",
        "payments",
        "search",
        "ledger",
        "auth",
        "catalog",
        "notifications",
    }
    for release in releases.values():
        assert [s["name"] for s in release["stages"]] == [
            "plan",
            "build",
            "test",
            "pre-release",
            "deploy",
            "monitor",
        ]
    payments = releases["payments"]
    assert payments["verdict"]["level"] == "failing"
    reason = payments["verdict"]["reason"]
    assert reason.startswith("5xx ratio ")
    assert "% > 5.0%" in reason
    assert releases["ledger"]["attention"] == "waiting"
    assert "auto-promotes in" in next(
        s["detail"] for s in releases["ledger"]["stages"] if s["name"] == "deploy"
    )
    assert releases["auth"]["release_type"] == "hotfix"
    assert releases["catalog"]["attention"] == "soaking"
    assert document["releases"][0]["service"] == "payments"  # needs attention first


def test_status_demo_table(tmp_path):
    result = cli("status", "--demo", tmp_path=tmp_path)
    assert result.returncode == 4
    assert "payments/production@" in result.stdout
    assert "FAILING" in result.stdout


def test_check_demo(tmp_path):
    result = cli("check", "--demo", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for backend in ("github", "prometheus", "alertmanager", "cluster"):
        assert f"{backend} (" in result.stdout
    assert "every backend ok" in result.stdout


def test_bad_config_names_file_line_key_and_fix(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text(
        '[polling]\ninterval = "5s"\ntimout = "10s"\n\n'
        '[backends.prom]\ntype = "prometheus"\nurl = "http://127.0.0.1:1"\n',
        encoding="utf-8",
    )
    result = cli("status", "--config", str(config), tmp_path=tmp_path)
    assert result.returncode == 2
    assert f"{config}:3" in result.stderr.replace("\n", "")
    assert "polling.timout" in result.stderr
    assert "timeout" in result.stderr  # did you mean


def test_no_config_explains_how_to_start(tmp_path):
    result = cli("status", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "no config file found" in result.stderr
    assert "release-cockpit demo" in result.stderr


def test_unreachable_backend_is_unknown_not_ok(tmp_path):
    config = tmp_path / "down.toml"
    config.write_text(
        '[polling]\ntimeout = "1s"\n\n'
        '[backends.prom]\ntype = "prometheus"\nurl = "http://127.0.0.1:9"\n\n'
        '[services.api]\nenvironment = "production"\n\n'
        '[[services.api.signals]]\nname = "errors"\nbackend = "prom"\nquery = "up"\n'
        "fail_above = 1\n",
        encoding="utf-8",
    )
    result = cli("status", "--json", "--config", str(config), tmp_path=tmp_path)
    document = json.loads(result.stdout)
    assert result.returncode == 1
    release = document["releases"][0]
    assert release["verdict"]["level"] == "unknown"
    assert "prom" in release["verdict"]["reason"]
    assert document["sources"][0]["state"] == "down"


def test_bad_usage_exit_code(tmp_path):
    assert cli("status", "--bogus", tmp_path=tmp_path).returncode == 2
