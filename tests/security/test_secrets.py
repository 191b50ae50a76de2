"""A seeded token never shows: not on screen, in logs, in JSON, in errors or in tracebacks.

The token comes from an environment variable and from token files, as configured; some
backends refuse it (401) and echo the Authorization header back in their error bodies,
as debugging proxies do. Every output a person or a log collector could see is scanned.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from rich.console import Console
from rich.traceback import Traceback

from release_cockpit.adapters.monitoring import alertmanager
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.cli import main
from release_cockpit.config import load_config
from release_cockpit.domain.serialize import snapshot_document
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import AuthError, BadResponse
from release_cockpit.headless.check import token_file_warnings
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from tests.support import fault_backends
from tests.support.fault_server import FaultServer, Reply, Request
from tests.support.fault_world import wait_until
from tests.support.ui import screen_text

TOKEN = "ghp_SEEDEDSECRET123456"
CORE = "SEEDEDSECRET"
"""The distinctive middle of the token: a cut or partly masked token still contains it."""
REPO = Path(__file__).parents[2]
WIDE = "1000"
"""Console columns for the commands under test. Rich wraps at the console width (80 in a
pipe) and folds a word longer than a line, such as a deep temp path, mid-name; a token
could be split or cut off the same way and slip past the scan."""


def echo_auth(status: int, key: str) -> Any:
    """A route that refuses and quotes the Authorization header it got, as some proxies do."""

    def answer(request: Request) -> Reply:
        header = request.headers.get("Authorization", "")
        return Reply(status, {key: f"rejected credentials '{header}'", "status": "error"})

    return answer


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FaultServer]]:
    refusing_github = fault_backends.replace_payloads(
        fault_backends.GITHUB,
        {
            "/repos/o/r/actions/runs": echo_auth(401, "message"),
            "/rate_limit": echo_auth(401, "message"),
        },
    )
    refusing_prometheus = fault_backends.replace_payloads(
        fault_backends.PROMETHEUS,
        {
            "/api/v1/query": echo_auth(400, "error"),
            "/api/v1/query_range": echo_auth(400, "error"),
            "/-/ready": echo_auth(401, "error"),
        },
    )
    entries = {
        "github": fault_backends.GITHUB,
        "github-denied": refusing_github,
        "prometheus": refusing_prometheus,
        "alertmanager": fault_backends.ALERTMANAGER,
        "cluster": fault_backends.ARGO_ROLLOUTS,
    }
    started = {name: FaultServer(entry.routes).start() for name, entry in entries.items()}
    yield started
    for server in started.values():
        server.stop()


def write_config(servers: dict[str, FaultServer], directory: Path, *, file_mode: int) -> Path:
    token_file = directory / "cluster.token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(file_mode)
    types = {
        "github": "github-actions",
        "github-denied": "github-actions",
        "prometheus": "prometheus",
        "alertmanager": "alertmanager",
        "cluster": "argo-rollouts",
    }
    auth: dict[str, dict[str, Any]] = {
        "github": {"token_env": "GITHUB_TOKEN"},
        # The scripted GitHub serves REST only (its runs list refuses the token).
        "github-denied": {"token_env": "GITHUB_TOKEN", "graphql": False},
        "prometheus": {"token_env": "PROMETHEUS_TOKEN"},
        "alertmanager": {"token_env": "GITHUB_TOKEN"},
        "cluster": {"token_file": str(token_file)},
    }
    signal = dict(fault_backends.PROMETHEUS.section)

    def service(ci: str) -> dict[str, Any]:
        return {
            "environment": "production",
            "ci": {"backend": ci, **fault_backends.GITHUB.section},
            "deploy": {"backend": "cluster", **fault_backends.ARGO_ROLLOUTS.section},
            "signals": [{"backend": "prometheus", **signal}],
            "alerts": {"backend": "alertmanager", **fault_backends.ALERTMANAGER.section},
        }

    document = {
        "polling": {"timeout": "5s"},
        "backends": {
            name: {"type": types[name], "url": server.url, **auth[name]}
            for name, server in servers.items()
        },
        "services": {"checkout": service("github"), "payments": service("github-denied")},
    }
    path = directory / "cockpit.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def seeded(monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("PROMETHEUS_TOKEN", TOKEN)
    return {**os.environ}


@pytest.fixture
def config_path(servers, tmp_path) -> Path:
    return write_config(servers, tmp_path, file_mode=0o600)


def assert_secret_free(text: str, where: str) -> None:
    assert CORE not in text, f"the token leaked into {where}"
    # A token folded across lines is still a leak.
    assert CORE not in "".join(text.split()), f"the token leaked into {where} (wrapped)"


def test_a_token_folded_across_lines_is_still_caught():
    assert_secret_free(TOKEN.replace("SECRET", "S3CRET"), "a near miss")
    with pytest.raises(AssertionError, match="wrapped"):
        assert_secret_free(f"token file /tmp/x/{TOKEN[:10]}\n  {TOKEN[10:]}", "a wrapped line")


def rendered_traceback(error: BaseException) -> str:
    """The traceback as Textual shows a crash: Rich, with every frame's local variables."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    console.print(
        Traceback.from_exception(type(error), error, error.__traceback__, show_locals=True)
    )
    return buffer.getvalue()


def test_the_backends_really_received_the_token(servers, seeded, config_path, capsys):
    main(["status", "--json", "--config", str(config_path)])
    capsys.readouterr()
    for name in ("github", "github-denied", "prometheus", "alertmanager", "cluster"):
        headers = [r.headers.get("Authorization") for r in servers[name].received()]
        assert f"Bearer {TOKEN}" in headers, name


async def test_tui_screens_errors_logs_and_tracebacks_hold_no_token(
    servers, seeded, config_path, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)

    def crashing_parser(payload: object) -> Any:
        raise RuntimeError("the alert parser crashed")

    config = load_config(config_path, kinds=adapter_kinds())
    engine = Engine(config, build_adapters(config, seeded))
    app = CockpitApp(engine)
    texts: dict[str, str] = {}
    records = engine.store.sources
    async with app.run_test(size=(120, 50)) as pilot:
        # The app started the engine: every source polls once at once.
        await wait_until(lambda: all(r.last_attempt_at for r in records.values()), "first polls")
        monkeypatch.setattr(alertmanager, "parse_alerts", crashing_parser)
        before = records["alertmanager"].last_attempt_at
        await pilot.press("r")  # poll every source now
        await wait_until(lambda: records["alertmanager"].last_attempt_at != before, "a repoll")
        await pilot.pause()
        texts["board"] = screen_text(app)
        for key in ("checkout", "payments"):
            await app.push_screen(ReleaseDetailScreen(app.ctx, app.snapshot, key))
            await pilot.pause()
            texts[f"detail {key}"] = screen_text(app) + app.screen.text  # type: ignore[attr-defined]
            await pilot.press("escape")
        app.action_sources()
        await pilot.pause()
        texts["sources"] = screen_text(app) + app.screen.text  # type: ignore[attr-defined]

        errors = {name: r.error for name, r in engine.store.sources.items() if r.error}
        assert isinstance(errors["github-denied"], AuthError)
        assert isinstance(errors["prometheus"], BadResponse)
        assert "unexpected RuntimeError" in str(errors["alertmanager"])
        # The echoed header was blanked before it could become part of a message.
        assert "[redacted]" in str(errors["github-denied"])
        assert "[redacted]" in str(errors["prometheus"])
        assert "[redacted]" in texts["sources"]
        for name, error in errors.items():
            texts[f"{name} str"] = f"{error}\n{error!r}\n{error.message}\n{error.hint}"
            texts[f"{name} traceback"] = "".join(traceback.format_exception(error))
            texts[f"{name} rich traceback"] = rendered_traceback(error)
        for name, adapter in engine.adapters.items():
            texts[f"{name} reprs"] = "\n".join(
                repr(x) for x in (adapter, adapter.settings, adapter.http, vars(adapter))
            )
            if adapter.http is not None:
                texts[f"{name} client headers"] = repr(adapter.http._client.headers)
        texts["json"] = json.dumps(snapshot_document(engine.snapshot))
    texts["logs"] = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    assert caplog.records  # httpx logs every request: the scan covers real log lines
    for where, text in texts.items():
        assert_secret_free(text, where)
    assert "'authorization': '[secure]'" in texts["github client headers"]


def test_status_and_check_in_process_hold_no_token(
    seeded, config_path, capsys, caplog, monkeypatch
):
    monkeypatch.setenv("COLUMNS", WIDE)
    caplog.set_level(logging.DEBUG)
    outputs = []
    for argv in (
        ["status", "--json", "--config", str(config_path)],
        ["status", "--config", str(config_path)],
        ["check", "--config", str(config_path)],
    ):
        code = main(argv)
        captured = capsys.readouterr()
        outputs.append((argv, code, captured.out, captured.err))
    for argv, code, out, err in outputs:
        assert_secret_free(out + err, " ".join(argv[:2]))
        assert code in (1, 3, 4), argv
    document = json.loads(outputs[0][2])
    denied = next(s for s in document["sources"] if s["name"] == "github-denied")
    assert denied["error_title"] == "Not authorised"
    assert "NOT AUTHORISED" in outputs[2][2]
    for record in caplog.records:
        assert_secret_free(f"{record.getMessage()} {record.args!r}", f"log {record.name}")


def test_check_subprocess_holds_no_token_and_warns_about_open_token_files(servers, tmp_path):
    config_path = write_config(servers, tmp_path, file_mode=0o644)
    env = {**os.environ, "GITHUB_TOKEN": TOKEN, "PROMETHEUS_TOKEN": TOKEN}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    env["COLUMNS"] = WIDE
    result = subprocess.run(
        [sys.executable, "-m", "release_cockpit", "check", "--config", str(config_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert_secret_free(output, "check")
    assert result.returncode == 1  # two backends refuse the token
    assert "Traceback" not in result.stderr
    token_file = tmp_path / "cluster.token"
    flat = " ".join(result.stdout.split())
    assert f"warning: token file {token_file} (backends.cluster.token_file)" in flat
    assert f"(mode 0644); restrict it to its owner: chmod 600 {token_file}" in flat


def test_token_file_warnings_name_who_can_read_the_file(servers, tmp_path):
    config_path = write_config(servers, tmp_path, file_mode=0o600)
    config = load_config(config_path, kinds=adapter_kinds())
    token_file = tmp_path / "cluster.token"
    assert token_file_warnings(config) == []
    token_file.chmod(0o640)
    assert token_file_warnings(config) == [
        f"warning: token file {token_file} (backends.cluster.token_file) is open to its group "
        f"(mode 0640); restrict it to its owner: chmod 600 {token_file}"
    ]
    token_file.chmod(0o606)
    assert "is open to other users (mode 0606)" in token_file_warnings(config)[0]
    token_file.chmod(0o666)
    assert "is open to its group and other users (mode 0666)" in token_file_warnings(config)[0]
    token_file.unlink()
    assert token_file_warnings(config) == []  # a missing file is a config problem instead


DD_API_KEY = "dd-api-SEEDEDKEY-0123456789"
DD_APP_KEY = "dd-app-SEEDEDKEY-9876543210"


def test_datadog_key_files_open_to_others_are_warned_about(tmp_path):
    api, app = tmp_path / "dd-api", tmp_path / "dd-app"
    api.write_text(DD_API_KEY, encoding="utf-8")
    app.write_text(DD_APP_KEY, encoding="utf-8")
    api.chmod(0o600)
    app.chmod(0o644)
    path = tmp_path / "cockpit.toml"
    document = {
        "backends": {
            "dd": {
                "type": "datadog",
                "site": "us1",
                "api_key_file": str(api),
                "app_key_file": str(app),
            }
        }
    }
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    config = load_config(path, kinds=adapter_kinds())
    assert token_file_warnings(config) == [
        f"warning: app key file {app} (backends.dd.app_key_file) is open to its group and "
        f"other users (mode 0644); restrict it to its owner: chmod 600 {app}"
    ]


async def test_both_datadog_keys_are_scrubbed_from_echoed_errors():
    """A proxy that quotes both key headers back: neither key reaches the error text."""

    def answer(request: Request) -> Reply:
        quoted = (
            f"{request.headers.get('DD-API-KEY')} / {request.headers.get('DD-APPLICATION-KEY')}"
        )
        return Reply(403, {"errors": [f"Forbidden: keys {quoted}"]})

    from release_cockpit.adapters.backend_settings import BackendSettings
    from release_cockpit.adapters.monitoring.datadog import Datadog
    from tests.support.fault_server import Route

    with FaultServer((Route("POST", r"/api/v2/query/scalar", answer),)) as server:
        adapter = Datadog(
            BackendSettings(
                name="dd",
                type="datadog",
                url=server.url,
                secrets={"api_key": DD_API_KEY, "app_key": DD_APP_KEY},
            )
        )
        try:
            with pytest.raises(AuthError) as caught:
                await adapter.query("a = avg:m{*}")
        finally:
            await adapter.aclose()
    text = f"{caught.value} {caught.value.hint}"
    assert "Forbidden: keys [redacted] / [redacted]" in text
    assert "SEEDEDKEY" not in text
