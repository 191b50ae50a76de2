"""`watch` through the real command line, on the simulated world."""

from __future__ import annotations

import os
import subprocess
import sys

UNTIL = ("--until", "failed", "--timeout", "60s")


def test_watch_the_bad_canary_until_it_fails(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "release_cockpit",
            "watch",
            "payments",
            "--demo",
            "--until",
            "failed",
            "--timeout",
            "60s",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.split(" ")[1].startswith("payments/production@") for line in lines)
    assert " FAILING " in lines[-2]
    assert "failing: " in lines[-1]


def test_watch_an_unknown_release_is_a_usage_error(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "release_cockpit", "watch", "nope", "--demo"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "no release named 'nope'" in " ".join(result.stderr.replace("│", " ").split())
