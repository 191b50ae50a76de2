"""What a pip user needs without the repository: the example config, the docs, where
everything is, and an export that says how to reach the demo's history."""

from __future__ import annotations

import json
import subprocess
import sys

from release_cockpit import paths


def run(*args: str, tmp_path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    full = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "COLUMNS": "100",
        **(env or {}),
    }
    for name in ("RELEASE_COCKPIT_CONFIG", "RELEASE_COCKPIT_DB", "RELEASE_COCKPIT_LOG"):
        full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "release_cockpit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=full,
        check=False,
    )


def test_config_example_prints_the_bundled_example_which_loads(tmp_path):
    result = run("config", "example", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == paths.example_config().read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(result.stdout, encoding="utf-8")
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import load_config

    assert load_config(config, kinds=adapter_kinds()).services


def test_the_no_config_error_points_at_a_command_that_exists(tmp_path):
    result = run("status", tmp_path=tmp_path)
    assert result.returncode == 2
    words = " ".join(result.stderr.replace("│", " ").split())
    assert "release-cockpit config example > config.toml" in words
    assert "write one with `release-cockpit init`" in words
    assert run("config", "example", tmp_path=tmp_path).returncode == 0


def test_docs_lists_and_prints_the_bundled_documents(tmp_path):
    listed = run("docs", tmp_path=tmp_path)
    assert "dora" in listed.stdout
    dora = run("docs", "dora", tmp_path=tmp_path)
    assert dora.returncode == 0
    assert dora.stdout == paths.bundled_doc("dora.md").read_text(encoding="utf-8")


def test_the_metrics_screen_and_dora_point_at_the_docs_command():
    from pathlib import Path

    import release_cockpit

    package = Path(release_cockpit.__file__).parent
    for module in ("ui/screens/metrics.py", "headless/dora_report.py"):
        source = (package / module).read_text(encoding="utf-8")
        # What people read on screen names a command every install has, not a repo path.
        assert "Definitions: docs/dora.md" not in source, module
        assert "definitions in docs/dora.md" not in source, module
        assert "`release-cockpit docs dora`" in source, module


def test_info_says_where_everything_is(tmp_path):
    result = run("info", "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["config"].startswith("none found")
    assert info["database"] == str(tmp_path / "data" / "release-cockpit" / "cockpit.db")
    assert info["themes (yours)"] == str(tmp_path / "config" / "release-cockpit" / "themes")
    assert info["example config"] == str(paths.example_config())
    assert info["textual"] == "8.2.8"
    plain = run("--log-file", str(tmp_path / "x.log"), "info", tmp_path=tmp_path)
    assert f"log file          {tmp_path / 'x.log'}" in plain.stdout


def test_export_without_demo_says_to_add_demo(tmp_path):
    result = run("export", "payments", "--format", "md", tmp_path=tmp_path)
    assert result.returncode == 1
    words = " ".join(result.stderr.replace("│", " ").split())
    assert "add --demo (release-cockpit export payments --demo)" in words
