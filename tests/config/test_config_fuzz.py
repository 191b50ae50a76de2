"""Broken configs and bad command lines never crash: a located error and exit code 2.

Hypothesis generates random text, cut-off and mutated copies of ``config.example.toml``,
and wrong value types for its keys. Loading (and building the adapters, which check their
own options and secrets) must give a ``Config`` or a ``ConfigError`` whose every problem
names the file, a key or a line, and says what is wrong. Through the CLI the same inputs,
and random arguments, end with exit code 2 (or 0 for --help/--version) and no traceback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import os
import re
import socket
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from release_cockpit.adapters import registry
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.cli import main
from release_cockpit.config import Config, parse_config
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import ConfigError
from tests.support.fuzz import examples

REPO = Path(__file__).parents[2]
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount/token"
# The example's token file exists only inside a cluster; a one-line token file stands in.
_TOKEN_DIR = Path(tempfile.mkdtemp(prefix="fuzz-token-"))
(_TOKEN_DIR / "token").write_text("fuzz-service-account-token-0123456789\n", encoding="utf-8")
EXAMPLE = (
    (REPO / "config.example.toml")
    .read_text(encoding="utf-8")
    .replace(SERVICE_ACCOUNT, str(_TOKEN_DIR / "token"))
)
EXAMPLE_DATA = tomllib.loads(EXAMPLE)
KINDS = adapter_kinds()
FILE = "fuzz.toml"
FAST = settings(
    max_examples=examples(60),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


_REGISTERED = functools.cache(registry.available)


@pytest.fixture(autouse=True)
def registry_read_once(monkeypatch) -> None:
    """Scan the adapter entry points once, not once per adapter of every example."""
    monkeypatch.setattr(registry, "available", _REGISTERED)


class AnyToken(dict[str, str]):
    """An environment where every token variable is set, so secrets are not the problem."""

    def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
        return "t0ken-for-the-fuzz-tests"


async def _close(adapters: Mapping[str, Any]) -> None:
    await asyncio.gather(*(a.aclose() for a in adapters.values()))


def load(text: str) -> Config | ConfigError:
    """What the cockpit makes of a config text: a usable config or every problem in it."""
    try:
        config = dataclasses.replace(parse_config(text, FILE, kinds=KINDS), path=Path(FILE))
        adapters = build_adapters(config, AnyToken())
    except ConfigError as error:
        return error
    asyncio.run(_close(adapters))
    return config


def assert_located(error: ConfigError) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.file in (FILE, str(Path(FILE)))
        assert problem.key or problem.line is not None, problem
        assert problem.line is None or problem.line >= 1
        assert problem.message.strip(), problem
        assert problem.render().startswith(FILE)


def check(text: str) -> Config | ConfigError:
    outcome = load(text)
    if isinstance(outcome, ConfigError):
        assert_located(outcome)
    return outcome


# --- generated configs --------------------------------------------------------------

TOML_BITS = st.sampled_from(
    ['[', ']', '[[', ']]', '=', '"', "'", '"""', '#', '.', ',', '{', '}', '\n', ' ', 'true',
     '1', '-', '30s', 'backends', 'services', 'type', 'url', 'interval', 'x', '\\', '\t']
)  # fmt: skip
TOMLISH = st.lists(TOML_BITS | st.text(max_size=4), max_size=60).map("".join)
TRUNCATED = st.integers(0, len(EXAMPLE)).map(lambda n: EXAMPLE[:n])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The example with a few lines deleted, duplicated, swapped or garbled."""
    lines = EXAMPLE.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "garble", "insert"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "garble":
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.text(max_size=3)) + line[at + 1 :]
        else:
            lines.insert(index, draw(TOMLISH))
    return "\n".join(lines)


def leaf_paths(value: Any, path: str = "") -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(key path as the loader names it, route into the parsed document) of every value."""

    def walk(node: Any, name: str, route: tuple[Any, ...]) -> Iterator[tuple[str, tuple]]:
        if isinstance(node, dict):
            for key, item in node.items():
                yield from walk(item, f"{name}.{key}" if name else key, (*route, key))
        elif isinstance(node, list) and node and all(isinstance(i, dict) for i in node):
            for index, item in enumerate(node):
                yield from walk(item, f"{name}[{index}]", (*route, index))
        else:
            yield name, route

    yield from walk(value, path, ())


LEAVES = list(leaf_paths(EXAMPLE_DATA))
WRONG_VALUES: list[Any] = [
    42,
    -1,
    2.5,
    True,
    "text",
    "",
    ["a", 1],
    [],
    {"nested": "table"},
    datetime(2026, 1, 1, tzinfo=UTC),
]


def kind(value: Any) -> str:
    return type(value).__name__


def with_value(route: tuple[Any, ...], value: Any) -> str:
    document = tomllib.loads(EXAMPLE)
    node: Any = document
    for step in route[:-1]:
        node = node[step]
    node[route[-1]] = value
    return tomli_w.dumps(document)


def about(path: str, key: str) -> bool:
    """True when a problem's key is the mutated key, inside it, a table holding it, or a
    neighbour in its table (a number of the wrong kind can break its warning bound)."""
    table = path.rsplit(".", 1)[0]
    return (
        key == path
        or key.startswith((f"{path}.", f"{path}[", f"{table}."))
        or path.startswith(f"{key}.")
    )


def test_the_example_itself_is_valid():
    assert isinstance(check(EXAMPLE), Config)
    assert len(LEAVES) > 60


@FAST
@given(st.text(max_size=200) | TOMLISH)
def test_random_text(text: str):
    check(text)


@FAST
@given(TRUNCATED)
def test_truncated_example(text: str):
    check(text)


@FAST
@given(mutated())
def test_mutated_example(text: str):
    check(text)


@settings(FAST, max_examples=examples(120))
@given(st.sampled_from(LEAVES), st.sampled_from(WRONG_VALUES))
def test_a_wrong_type_for_a_key(leaf: tuple[str, tuple[Any, ...]], value: Any):
    path, route = leaf
    original: Any = EXAMPLE_DATA
    for step in route:
        original = original[step]
    assume(kind(original) != kind(value))
    outcome = check(with_value(route, value))
    if isinstance(outcome, ConfigError):
        assert any(about(path, p.key) for p in outcome.problems), (path, outcome.problems)


@pytest.mark.parametrize(("path", "route"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_key_refuses_a_table_where_a_value_belongs(path: str, route: tuple[Any, ...]):
    """A table is the wrong type for every key of the example; each is reported there."""
    outcome = check(with_value(route, {"nested": "table"}))
    assert isinstance(outcome, ConfigError), path
    assert any(about(path, p.key) for p in outcome.problems), (path, outcome.problems)


# --- the command line ---------------------------------------------------------------


@pytest.fixture
def no_config(tmp_path, monkeypatch) -> Path:
    """No config is found unless given, and no real user directory is read."""
    monkeypatch.delenv("RELEASE_COCKPIT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as done:  # argparse: usage errors, --help, --version
        code = done.code if isinstance(done.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@settings(FAST, max_examples=examples(40))
@given(text=st.text(max_size=200) | TOMLISH | TRUNCATED | mutated())
def test_the_cli_reports_a_broken_config_with_exit_code_2(text: str, no_config, capsys):
    assume(isinstance(load(text), ConfigError))
    path = no_config / "broken.toml"
    path.write_text(text, encoding="utf-8")
    for command in ("check", "status", "run"):
        code, out, err = run_cli([command, "--config", str(path)], capsys)
        assert code == 2, (command, out, err)
        assert "Traceback" not in err
        assert "Invalid configuration" in err
        assert out == ""


FLAGS = st.sampled_from(
    ["status", "check", "run", "--json", "--config", "--theme", "--read-only", "--ascii",
     "--releases", "--port", "--print-config", "--bogus", "-x", "--", "--config=", "-1",
     "0", "99999", "abc", "--help", "--version", "stauts", ""]
)  # fmt: skip
WORDS = st.text(st.characters(blacklist_characters="-", blacklist_categories=["Cs"]), max_size=8)


@settings(FAST, max_examples=examples(80))
@given(argv=st.lists(FLAGS | WORDS.filter(lambda w: w not in ("demo", "demo-world")), max_size=6))
def test_bad_command_lines_exit_2_without_a_traceback(argv: list[str], no_config, capsys):
    code, out, err = run_cli(argv, capsys)
    assert "Traceback" not in err
    if code == 0:
        assert "--help" in argv or "--version" in argv or "-h" in argv, (argv, out, err)
    else:
        assert code == 2, (argv, out, err)
        assert "error:" in err or "Invalid configuration" in err, (argv, err)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["check", "--config", "{broken}"], "Invalid configuration"),
        (["status", "--json", "--config", "{broken}"], "Invalid configuration"),
        (["status", "--demo", "--releases", "0"], "--releases: must be between 1 and"),
        (["demo-world", "--port", "99999"], "--port: must be 0 (any free port) to 65535"),
        (["stauts"], "invalid choice: 'stauts'"),
    ],
)
def test_the_installed_command_exits_2_without_a_traceback(argv, says, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(EXAMPLE.replace('type = "prometheus"', "type = prometheus"))
    argv = [arg.replace("{broken}", str(broken)) for arg in argv]
    result = subprocess.run(
        [sys.executable, "-m", "release_cockpit", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert says in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_toml_cut_off_at_the_end_is_located_on_the_last_line():
    """tomllib says "at end of document" rather than a line; the problem still has one."""
    outcome = check('[cockpit]\ntheme = "x"\n[polling]\ninterval')
    assert isinstance(outcome, ConfigError)
    [problem] = outcome.problems
    assert problem.line == 4
    assert "at end of document" in problem.message


def test_demo_world_on_a_taken_port_exits_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli(["demo-world", "--port", str(port)], capsys)
    assert code == 2
    assert out == ""
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "choose another --port" in err


# --- inputs an adversarial test found to end in a traceback -------------------------------


def _config_with(url: str) -> str:
    return (
        f'[backends.prom]\ntype = "prometheus"\nurl = "{url}"\n'
        '[services.a]\nenvironment = "prod"\n[[services.a.signals]]\nname = "x"\n'
        'backend = "prom"\nquery = "up"\nfail_below = 1\n'
    )


BAD_INPUTS = [
    (
        "url-unclosed-bracket",
        {},
        ["check", "--config", "{file}"],
        _config_with("http://[::1"),
        "not a URL",
    ),
    (
        "url-port-out-of-range",
        {},
        ["check", "--config", "{file}"],
        _config_with("http://localhost:99999"),
        "not a URL",
    ),
    (
        "deeply-nested-toml",
        {},
        ["check", "--config", "{file}"],
        "a = " + "[" * 5000 + "]" * 5000,
        "nested too deeply",
    ),
    ("window-overflow", {}, ["dora", "--demo", "--window", "9999999999d"], None, "--window"),
    ("serve-bad-host", {}, ["serve", "--demo", "--host", "not a host"], None, "--host"),
    (
        "config-env-no-such-user",
        {"RELEASE_COCKPIT_CONFIG": "~nosuchuser-xyz/x.toml"},
        ["status"],
        None,
        "home directory that does not exist",
    ),
    (
        "db-env-no-such-user",
        {"RELEASE_COCKPIT_DB": "~nosuchuser-xyz/x.db"},
        ["audit"],
        None,
        "home directory that does not exist",
    ),
    ("db-env-in-memory", {"RELEASE_COCKPIT_DB": ":memory:"}, ["audit"], None, "outlives"),
    (
        "db-path-too-long",
        {"RELEASE_COCKPIT_DB": "/tmp/" + "d" * 5000 + ".db"},
        ["audit"],
        None,
        "characters long",
    ),
    ("config-is-a-device", {}, ["check", "--config", "/dev/zero"], None, "not a regular file"),
    ("config-is-a-fifo", {}, ["check", "--config", "{fifo}"], None, "not a regular file"),
    (
        "config-too-big",
        {},
        ["check", "--config", "{file}"],
        "# x\n" * 300_000,
        "larger than any config",
    ),
]


@pytest.mark.parametrize(
    ("env", "argv", "text", "says"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS],
)
def test_bad_input_is_a_clear_error_with_exit_2(
    env, argv, text, says, no_config, capsys, monkeypatch
):
    path = no_config / "input.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    fifo = no_config / "config.fifo"
    os.mkfifo(fifo)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = [a.replace("{file}", str(path)).replace("{fifo}", str(fifo)) for a in argv]
    code, out, err = run_cli(argv, capsys)
    assert "Traceback" not in err
    assert code == 2, (argv, out, err)
    assert says in " ".join(re.sub("[│╭╮╰╯─]", " ", err).split()), err
