"""Reading a config file's TOML: the size and file-type guards, UTF-8, and syntax errors
with their line. Shared by the full load (``loader``) and by the few settings the TUI reads
before its first frame (``first_frame``), so both refuse the same files the same way."""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from release_cockpit.config.validate import syntax_problem
from release_cockpit.errors import ConfigError, Problem

MAX_CONFIG_BYTES = 1 << 20
"""A config file above this is refused unread: no real config is near it, and reading
``/dev/zero`` or a runaway file must not eat the machine's memory."""


def _read_config_bytes(path: Path) -> bytes:
    """The file's bytes, if it is a regular file of a sane size.

    Raises:
        OSError: it cannot be read (the caller reports it).
        ConfigError: it is not a regular file (a FIFO would block for ever, a device would
            never end) or it is too big.
    """
    file = str(path)
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), file)
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            [Problem(file, None, "", "not a regular file", "pass the path of a TOML file")]
        )
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(
            [
                Problem(
                    file,
                    None,
                    "",
                    f"{info.st_size} bytes: larger than any config ({MAX_CONFIG_BYTES} bytes)",
                    "check that --config names the config file",
                )
            ]
        )
    with path.open("rb") as handle:
        return handle.read(MAX_CONFIG_BYTES + 1)


def read_text(path: Path) -> str:
    """The file's text.

    Raises:
        ConfigError: it cannot be read, is not a regular file, is too big or is not UTF-8.
    """
    file = str(path)
    try:
        raw = _read_config_bytes(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = "check the path and its permissions, or pass --config FILE"
        raise ConfigError(
            [Problem(file, None, "", f"cannot read the file: {reason}", hint)]
        ) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = "save the file as UTF-8 (TOML files must be UTF-8)"
        raise ConfigError([Problem(file, line, "", "not UTF-8 text", hint)]) from exc


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """The TOML document as tables.

    Raises:
        ConfigError: it is not TOML (with the line), or nests too deeply to read.
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        hint = "tables and arrays nest at most a few levels in a cockpit config"
        raise ConfigError([Problem(file, None, "", "nested too deeply to read", hint)]) from None
    except tomllib.TOMLDecodeError as exc:
        problem = syntax_problem(file, str(exc))
        if problem.line is None:
            # tomllib says "at end of document" instead of a line when the text stops
            # mid-statement: that is the last line.
            problem = replace(problem, line=text.count("\n") + 1)
        raise ConfigError([problem]) from exc
