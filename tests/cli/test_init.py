"""`release-cockpit init` through the real command line: what it writes, `check` accepts;
an existing file is replaced only with --force or a yes, and the old one is kept."""

from __future__ import annotations

import os
import subprocess
import sys

from release_cockpit.cli.init import run_init
from release_cockpit.cli.parser import build_parser


def run(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "COLUMNS": "100",
    }
    for name in ("RELEASE_COCKPIT_CONFIG", "RELEASE_COCKPIT_DB", "RELEASE_COCKPIT_LOG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_init_writes_the_user_config_that_check_accepts(tmp_path):
    made = run("init", "--service", "checkout", "--environment", "staging", tmp_path=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    written = tmp_path / "config" / "release-cockpit" / "config.toml"
    assert f"Wrote {written}" in made.stdout
    assert '[services.checkout]\nenvironment = "staging"' in written.read_text(encoding="utf-8")
    # No --config: check finds the file init wrote where the cockpit looks for it.
    checked = run("check", tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "config ok" in checked.stdout


def test_an_existing_file_is_replaced_only_with_force_and_kept(tmp_path):
    output = tmp_path / "mine.toml"
    output.write_text("# my own config\n", encoding="utf-8")
    refused = run("init", "--service", "checkout", "--output", str(output), tmp_path=tmp_path)
    assert refused.returncode == 2
    assert "exists; nothing written" in refused.stderr
    assert "--force" in refused.stderr
    assert output.read_text(encoding="utf-8") == "# my own config\n"

    forced = run(
        "init", "--service", "checkout", "--output", str(output), "--force", tmp_path=tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    assert "[services.checkout]" in output.read_text(encoding="utf-8")
    backup = tmp_path / "mine.toml.bak"
    assert backup.read_text(encoding="utf-8") == "# my own config\n"
    assert f"the previous one is {backup}" in forced.stdout


def test_without_a_service_and_nobody_to_ask_it_says_what_to_pass(tmp_path):
    result = run("init", "--no-input", "--output", str(tmp_path / "c.toml"), tmp_path=tmp_path)
    assert result.returncode == 2
    assert "--service NAME" in " ".join(result.stderr.replace("│", " ").split())
    assert not (tmp_path / "c.toml").exists()


class Person:
    """Answers init's questions in order, and remembers them."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, question: str) -> str:
        self.asked.append(question)
        return self.answers.pop(0)


def test_at_a_terminal_it_asks_before_replacing_and_no_keeps_the_file(tmp_path, capsys):
    output = tmp_path / "config.toml"
    output.write_text("# mine\n", encoding="utf-8")
    args = build_parser().parse_args(["init", "--service", "checkout", "--output", str(output)])
    person = Person("n")
    assert run_init(args, person) == 2
    assert "exists. Replace it" in person.asked[0]
    assert output.read_text(encoding="utf-8") == "# mine\n"
    assert "left as it was" in capsys.readouterr().out


def test_at_a_terminal_it_asks_what_flags_did_not_say(tmp_path):
    output = tmp_path / "config.toml"
    output.write_text("# mine\n", encoding="utf-8")
    args = build_parser().parse_args(["init", "--output", str(output)])
    # replace? service, environment, repository, Prometheus, Alertmanager, Kubernetes
    person = Person("y", "payments", "", "", "", "", "")
    assert run_init(args, person) == 0
    assert len(person.asked) == 7
    text = output.read_text(encoding="utf-8")
    assert '[services.payments]\nenvironment = "production"' in text
    assert (tmp_path / "config.toml.bak").read_text(encoding="utf-8") == "# mine\n"
