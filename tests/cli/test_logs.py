"""--log-file and --debug: what happened is logged, no secret ever is."""

from __future__ import annotations

import base64
import logging

import pytest

from release_cockpit.cli.logs import SecretFilter, config_secrets, setup_logging

TOKEN = "ghp_R3alLookingT0kenValue1234567890abcd"


@pytest.fixture
def clean_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_secrets_are_blanked_in_message_arguments_and_tracebacks(tmp_path, clean_root):
    log = tmp_path / "cockpit.log"
    setup_logging(log, debug=True, env={})
    secret_filter = next(
        f for h in clean_root.handlers for f in h.filters if isinstance(f, SecretFilter)
    )
    secret_filter.add([TOKEN])
    logger = logging.getLogger("release_cockpit.test")
    logger.debug("sending Authorization: Bearer %s", TOKEN)
    logger.info("proxy echoed %s", TOKEN[:20].upper())
    logger.info("basic %s", base64.b64encode(f"bot:{TOKEN}".encode()).decode())
    try:
        raise RuntimeError(f"refused {TOKEN}")
    except RuntimeError:
        logger.exception("call failed")
    for handler in clean_root.handlers:
        handler.flush()
    text = log.read_text(encoding="utf-8")
    assert "sending Authorization: Bearer [redacted]" in text
    assert "call failed" in text
    assert "RuntimeError: refused [redacted]" in text
    assert TOKEN[:12] not in text
    assert TOKEN[:12].upper() not in text
    assert base64.b64encode(f"bot:{TOKEN}".encode()).decode()[8:24] not in text


def test_nothing_is_logged_unless_asked(clean_root):
    assert setup_logging(None, debug=False, env={}) is None


def test_the_environment_names_the_log_file(tmp_path, clean_root):
    log = tmp_path / "from-env.log"
    assert setup_logging(None, debug=False, env={"RELEASE_COCKPIT_LOG": str(log)}) == log
    assert clean_root.level == logging.INFO


def test_the_config_secrets_come_from_env_and_files(tmp_path):
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import parse_config

    token_file = tmp_path / "dd.key"
    token_file.write_text("dd-app-key-0123456789\n", encoding="utf-8")
    config = parse_config(
        f"""
[backends.gh]
type = "github-actions"
url = "https://api.github.com"
token_env = "GH_TOKEN"
[backends.dd]
type = "datadog"
url = "https://api.datadoghq.com"
api_key_env = "DD_API"
application_key_file = "{token_file}"
""",
        "<test>",
        kinds=adapter_kinds(),
    )
    found = config_secrets(config, {"GH_TOKEN": TOKEN, "DD_API": "dd-api-key-abcdef012345"})
    assert set(found) == {TOKEN, "dd-api-key-abcdef012345", "dd-app-key-0123456789"}


def test_debug_through_the_cli_writes_the_log_without_the_token(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text(
        """
[backends.prom]
type = "prometheus"
url = "http://127.0.0.1:9/"
token_env = "PROM_TOKEN"
[services.checkout]
environment = "staging"
[[services.checkout.signals]]
name = "5xx"
backend = "prom"
query = "sum(rate(x[1m]))"
fail_above = 0.05
""",
        encoding="utf-8",
    )
    log = tmp_path / "debug.log"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PROM_TOKEN": TOKEN}
    flags = ["--debug", "--log-file", str(log)]
    result = subprocess.run(
        [sys.executable, "-m", "release_cockpit", *flags, "status", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode in (1, 4), result.stderr
    text = log.read_text(encoding="utf-8")
    assert "release-cockpit logging to" in text
    assert "connect_tcp" in text  # the failed connection is there (httpcore, DEBUG)
    assert TOKEN[:10] not in text
