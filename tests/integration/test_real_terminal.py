"""The cockpit in a real terminal (tmux), started the way a person starts it.

Pilot mounts the app in its own order and at its own size from the first frame; a real
terminal reports its size through the driver, and the first snapshot may arrive before
or after the board mounts. At 80x24 the board once came up full-size (2⅓ of 7 releases
visible, the footer cut mid-word) and turned compact only after a resize: the SVG tests
at 80x24 passed all along. Here the real program runs in a real pseudo-terminal.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.servers import find_binary

pytestmark = pytest.mark.integration


def _tmux(socket: str, *args: str) -> str:
    tmux = find_binary(["tmux"], "apt-get install tmux")
    done = subprocess.run(
        [tmux, "-L", socket, *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout


HEADLINE = re.compile(r"^[▌ ]\S")
"""A panel's first line: the marker column, then the release's name (the lines below it
are indented)."""


def headlines(text: str) -> list[str]:
    lines = text.splitlines()[1:-1]  # the title bar and the footer aside
    return [line for line in lines if HEADLINE.match(line)]


def _screen_when(socket: str, enough: int, timeout: float = 45.0) -> str:
    """The pane's text once ``enough`` panels are on it (the last capture if they never
    are: full-size panels at 80x24 never are)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _tmux(socket, "capture-pane", "-p", "-t", "cockpit")
        if len(headlines(text)) >= enough:
            return text
        time.sleep(0.2)
    return text


def test_80x24_is_compact_from_the_first_board(tmp_path: Path) -> None:
    socket = f"rc-test-{os.getpid()}"
    home = str(tmp_path)
    command = " ".join(
        [
            "env",
            f"HOME={home}",
            f"XDG_DATA_HOME={home}",
            f"XDG_CONFIG_HOME={home}",
            f"XDG_STATE_HOME={home}",
            "LANG=C.UTF-8",
            "TERM=xterm-256color",
            sys.executable,
            "-m",
            "release_cockpit",
            "demo",
        ]
    )
    _tmux(socket, "new-session", "-d", "-s", "cockpit", "-x", "80", "-y", "24", command)
    try:
        text = _screen_when(socket, 6)
        lines = text.splitlines()
        assert len(headlines(text)) >= 6, text  # full-size panels fit 2 or 3
        assert "github ok" not in text, text  # compact: no freshness lines
        assert lines[-1].lstrip().startswith("? Help"), text  # the footer on the last row
    finally:
        tmux = find_binary(["tmux"], "apt-get install tmux")
        subprocess.run([tmux, "-L", socket, "kill-server"], check=False, timeout=10)
