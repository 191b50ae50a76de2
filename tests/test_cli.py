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
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        check=False,
    )


@pytest.mark.parametrize(
    "command", [[], ["run"], ["demo"], ["status"], ["check"], ["demo-world"], ["serve"]]
)
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
        "inventory",
        "orders",
        "gateway",
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
    # One line for each other deploy controller, each with its rollout and its actions.
    for service, cluster, kind in (
        ("inventory", "eu-west", "Deployment"),
        ("orders", "argocd", "Application"),
        ("gateway", "us-east", "Canary"),
    ):
        release = releases[service]
        assert (release["cluster"], release["rollout"]["kind"]) == (cluster, kind)
        offered = {a["action"] for a in release["actions"]["offered"]}
        assert offered, service
    assert {"pause", "restart", "rollback"} <= {
        a["action"] for a in releases["inventory"]["actions"]["offered"]
    }
    assert {"sync", "promote", "abort", "rollback"} <= {
        a["action"] for a in releases["orders"]["actions"]["offered"]
    }
    assert {"promote", "abort"} <= {a["action"] for a in releases["gateway"]["actions"]["offered"]}


def test_status_demo_table(tmp_path):
    result = cli("status", "--demo", tmp_path=tmp_path)
    assert result.returncode == 4
    assert "payments/production@" in result.stdout
    assert "FAILING" in result.stdout


def test_check_demo(tmp_path):
    result = cli("check", "--demo", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for backend in (
        "github",
        "prometheus",
        "alertmanager",
        "cluster",
        "eu-west",
        "argocd",
        "us-east",
    ):
        assert f"{backend} (" in result.stdout
    assert "every backend ok" in result.stdout


def test_status_demo_json_has_gitlab_and_jenkins_lines_with_their_actions(tmp_path):
    result = cli("status", "--demo", "--with", "gitlab,jenkins", "--json", tmp_path=tmp_path)
    document = json.loads(result.stdout)
    releases = {r["service"]: r for r in document["releases"]}
    sources = {s["name"]: s for s in document["sources"]}
    assert sources["gitlab"]["kind"] == sources["jenkins"]["kind"] == "ci"
    assert sources["gitlab"]["state"] == sources["jenkins"]["state"] == "ok"
    for service, gate, decisions in (
        ("billing", "deploy-production", {"approve"}),
        ("warehouse", "approval", {"approve", "reject"}),
    ):
        release = releases[service]
        assert release["attention"] == "waiting"
        assert release["ci_run"]["status"] == "waiting"
        pre_release = next(s for s in release["stages"] if s["name"] == "pre-release")
        assert pre_release["detail"] == f"{gate} waiting for approval"
        available = {a["action"] for a in release["actions"]["offered"] if a["available"]}
        assert decisions <= available
        retry = next(a for a in release["actions"]["offered"] if a["action"] == "retry-ci")
        assert "has not failed" in retry["refusal"]
    assert "reject" not in {a["action"] for a in releases["billing"]["actions"]["offered"]}


def test_check_demo_probes_gitlab_and_jenkins(tmp_path):
    result = cli("check", "--demo", "--with", "gitlab,jenkins", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gitlab (" in result.stdout
    assert "anonymous (no token)" in result.stdout
    assert "Jenkins 2.479.3, anonymous" in result.stdout


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
    words = " ".join(result.stderr.replace("│", " ").split())  # the panel wraps lines
    assert "no config file found" in words
    assert "`release-cockpit init`" in words
    assert "release-cockpit demo" in words


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


def test_serve_help_names_the_default_host_and_authentication(tmp_path):
    result = cli("serve", "--help", tmp_path=tmp_path)
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout
    assert "no authentication" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--color", "8"], "invalid choice: '8'"),
        (["demo", "--wall", "--rotate", "0"], "must be 1 to 3600 seconds"),
        (["demo", "--rotate", "soon"], "expected a number of seconds"),
    ],
)
def test_bad_terminal_flags_are_usage_errors(args, message, tmp_path):
    result = cli(*args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_terminal_flags_parse_on_every_tui_command():
    from release_cockpit.cli import build_parser

    for command in (["demo"], ["run"], []):
        args = build_parser().parse_args(
            [*command, "--color", "256", "--wall", "--rotate", "20", "--no-mouse"]
        )
        assert (args.color, args.wall, args.rotate, args.no_mouse) == ("256", True, 20.0, True)


@pytest.mark.parametrize(
    ("choice", "env", "expected"),
    [
        (None, {}, {}),
        ("auto", {"NO_COLOR": "1"}, {}),
        ("truecolor", {}, {"TEXTUAL_COLOR_SYSTEM": "truecolor"}),
        ("256", {}, {"TEXTUAL_COLOR_SYSTEM": "256"}),
        ("16", {}, {"TEXTUAL_COLOR_SYSTEM": "standard"}),
        ("none", {}, {"NO_COLOR": "1"}),
        ("none", {"NO_COLOR": "yes"}, {"NO_COLOR": "yes"}),
    ],
)
def test_color_environment(choice, env, expected):
    from release_cockpit.cli.tui import color_environment

    assert color_environment(choice, env) == expected


@pytest.mark.parametrize(
    ("env", "utf8"),
    [
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "C"}, False),
        # CPython's PEP 538 coercion under LANG=C writes LC_CTYPE=C.UTF-8 into os.environ.
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, False),
        ({"LANG": "POSIX", "LC_CTYPE": "C.utf8"}, False),
        ({"LC_ALL": "de_DE.utf8", "LANG": "C"}, True),
        ({"LC_CTYPE": "en_GB.UTF-8", "LANG": "C"}, True),
        ({"LANG": "en_US.ISO-8859-1"}, False),
    ],
)
def test_utf8_locale(env, utf8):
    from release_cockpit.cli.tui import utf8_locale as _utf8_locale

    assert _utf8_locale(env) is utf8


def test_serve_command_is_read_only_wall_by_default(tmp_path):
    from release_cockpit.cli import build_parser
    from release_cockpit.cli.serve import serve_command

    args = build_parser().parse_args(["serve", "--demo"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert serve_command(args, "/py") == "/py -m release_cockpit demo --read-only --wall"
    config = tmp_path / "my config.toml"
    args = build_parser().parse_args(
        ["serve", "--config", str(config), "--allow-actions", "--board", "--theme", "okabe-ito"]
    )
    assert (
        serve_command(args, "/py")
        == f"/py -m release_cockpit --config '{config}' run --theme okabe-ito"
    )


def test_audit_json_lists_records_newest_first(tmp_path):
    from release_cockpit.engine.audit_log import ActionStart, AuditLog

    database = tmp_path / "audit.db"
    log = AuditLog(database, user="ana", host="bastion")
    log.start(
        ActionStart(
            "payments",
            "payments/production@1.13.0",
            "payments",
            "production",
            "abort",
            "rollout production/payments",
            {},
        )
    )
    log.refused(
        ActionStart(
            "ledger",
            "ledger/production@5.0.0",
            "ledger",
            "production",
            "promote",
            "rollout production/ledger",
            {},
        ),
        "freeze",
    )
    log.close()
    env = {"RELEASE_COCKPIT_DB": str(database)}
    result = cli("audit", "--json", tmp_path=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["database"] == str(database)
    assert [(e["release"], e["outcome"]) for e in document["entries"]] == [
        ("ledger", "refused"),
        ("payments", "unknown"),  # a start with no end: the process died during the call
    ]
    table = cli("audit", "--release", "payments", tmp_path=tmp_path, env=env)
    assert "outcome unknown" in table.stdout
    assert "ledger" not in table.stdout


def test_audit_limit_must_be_positive(tmp_path):
    result = cli("audit", "--limit", "0", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "must be 1 to 100000" in result.stderr


def test_status_demo_with_datadog_adds_a_line_judged_by_datadog(tmp_path):
    result = cli("status", "--demo", "--with", "datadog", "--json", tmp_path=tmp_path)
    document = json.loads(result.stdout)
    releases = {r["service"]: r for r in document["releases"]}
    assert len(releases) == 11
    recommendations = releases["recommendations"]
    assert {s["backend"] for s in recommendations["signals"]} == {"datadog"}
    assert recommendations["verdict"]["level"] == "failing"
    assert recommendations["verdict"]["reason"].startswith("5xx ratio ")
    comparison = next(s for s in recommendations["signals"] if s["mode"] == "canary-vs-baseline")
    assert "stable" in comparison["reason"]
    assert {a["labels"]["priority"] for a in recommendations["alerts"]} == {"P1", "P3"}
    sources = {s["name"]: s for s in document["sources"]}
    assert sources["datadog"]["state"] == "ok"
    assert sources["datadog"]["rate_limit_remaining"] is not None
    assert sources["datadog-monitors"]["state"] == "ok"


def test_status_demo_with_flags_shows_the_flag_lines_and_their_actions(tmp_path):
    result = cli("status", "--demo", "--with", "flags", "--json", tmp_path=tmp_path)
    document = json.loads(result.stdout)
    releases = {r["service"]: r for r in document["releases"]}
    assert len(releases) == 12
    shop, search = releases["web-shop"], releases["web-search"]
    (flag,) = shop["flags"]
    assert (flag["key"], flag["environment"], flag["on"]) == ("checkout-v2", "production", True)
    assert flag["rollout"] == "on for 25%"
    offered = {a["action"]: a for a in shop["actions"]["offered"]}
    assert offered["flag-off"]["available"]
    assert "already on" in offered["flag-on"]["refusal"]
    (read_only,) = search["flags"]
    assert (read_only["key"], read_only["on"]) == ("search-suggestions", True)
    assert not {"flag-off", "flag-on"} & {a["action"] for a in search["actions"]["offered"]}
    assert "OFREP only evaluates flags" in search["actions"]["note"]
    sources = {s["name"]: s for s in document["sources"]}
    assert sources["unleash"]["state"] == "ok"
    assert sources["flagd"]["state"] == "ok"


def test_an_unknown_line_family_is_a_usage_error(tmp_path):
    result = cli("status", "--demo", "--with", "nope", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "unknown line family 'nope'; known: datadog" in result.stderr


def test_every_command_of_the_parser_resolves_to_its_function():
    import argparse

    from release_cockpit.cli import COMMANDS, _command
    from release_cockpit.cli.parser import build_parser

    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == {name for name in COMMANDS if name is not None}
    for name in COMMANDS:
        assert callable(_command(name))
