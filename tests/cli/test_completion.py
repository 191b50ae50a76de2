"""Shell completion: each script loads in its shell and completes the real commands."""

from __future__ import annotations

import subprocess
import sys

import pytest

from release_cockpit.cli.completion import SHELLS, completion_script
from tests.support.servers import find_binary


def script(shell: str, tmp_path) -> str:
    path = tmp_path / f"release-cockpit.{shell}"
    path.write_text(completion_script(shell), encoding="utf-8")
    return str(path)


def shell_run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)


def test_bash_completes_commands_flags_and_choices(tmp_path):
    bash = find_binary(["bash"], "sudo apt-get install bash")
    loaded = script("bash", tmp_path)

    def complete(*words: str) -> set[str]:
        line = " ".join(f"'{w}'" for w in words)
        program = (
            f"source {loaded}; COMP_WORDS=(release-cockpit {line}); "
            f"COMP_CWORD={len(words)}; COMP_LINE='release-cockpit {' '.join(words)}'; "
            "COMP_POINT=${#COMP_LINE}; _shtab_release_cockpit; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        result = shell_run([bash, "-c", program])
        assert result.returncode == 0, result.stderr
        return set(result.stdout.split())

    assert {"watch", "completion", "info"} <= complete("")
    assert complete("wa") == {"watch"}
    assert {"--until", "--timeout", "--demo"} <= complete("watch", "x", "--")
    assert complete("watch", "x", "--until", "") == {"done", "promoted", "failed"}
    assert complete("completion", "") == set(SHELLS)


@pytest.mark.parametrize(
    ("shell", "check"),
    [("zsh", ["-n"]), ("fish", ["--no-execute"])],
)
def test_zsh_and_fish_scripts_parse(shell, check, tmp_path):
    binary = find_binary([shell], f"sudo apt-get install {shell}")
    result = shell_run([binary, *check, script(shell, tmp_path)])
    assert result.returncode == 0, result.stderr
    text = completion_script(shell)
    for command in ("watch", "init", "info", "completion", "status"):
        if command == "init" and "init" not in text:
            continue
        assert command in text, (shell, command)


def test_fish_completes_the_commands(tmp_path):
    fish = find_binary(["fish"], "sudo apt-get install fish")
    program = f"source {script('fish', tmp_path)}; complete -C 'release-cockpit wat'"
    result = shell_run([fish, "--no-config", "-c", program])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "watch"


def test_the_completion_command_prints_the_script(tmp_path):
    result = shell_run([sys.executable, "-m", "release_cockpit", "completion", "zsh"])
    assert result.returncode == 0
    assert result.stdout.startswith("#compdef release-cockpit")
