"""`--log-file FILE` and `--debug`: a log of what the cockpit did, with no secret in it.

Nothing is logged unless asked: the TUI owns the terminal, and `status --json` owns
stdout. ``--log-file`` (or ``$RELEASE_COCKPIT_LOG``) writes INFO and up (each request,
each retry) to a file; ``--debug`` lowers it to DEBUG and, without a file, writes to
``release-cockpit.log`` in the user log directory. Every record passes a filter that
blanks the backends' secrets (the ``Scrubber`` the HTTP layer scrubs answers with, so
its near misses go too: a token cut short, in another case, base64-encoded), in the
message, its arguments and a traceback's text, before it reaches the file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from release_cockpit.adapters.scrub import Scrubber
from release_cockpit.paths import APP_NAME

if TYPE_CHECKING:
    from release_cockpit.config.schema import Config

LOG_ENV = "RELEASE_COCKPIT_LOG"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_SECRET_FILE = 16 * 1024  # a token file is small; a CA bundle or kubeconfig is not one
NOT_SECRETS = frozenset({"ca_file", "kubeconfig_file"})


def default_log_file() -> Path:
    """``~/.local/state/release-cockpit/log/release-cockpit.log`` on Linux."""
    return platformdirs.user_log_path(APP_NAME, appauthor=False) / "release-cockpit.log"


class SecretFilter(logging.Filter):
    """Blanks every known secret in a record before any handler formats it."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._scrubber = Scrubber(())

    def add(self, secrets: Iterable[str]) -> None:
        fresh = {s for s in secrets if s} - self._secrets
        if fresh:
            self._secrets |= fresh
            self._scrubber = Scrubber(sorted(self._secrets))

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._scrubber.active:
            return True
        record.msg = self._scrubber.scrub_text(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self._scrubber.scrub_text(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._scrubber.scrub_text(record.stack_info)
        return True


SECRETS = SecretFilter()
"""The one filter every handler of this process carries; ``load`` adds the config's
secrets to it as soon as the config is read."""


def setup_logging(path: Path | None, *, debug: bool, env: Mapping[str, str]) -> Path | None:
    """Log to ``path`` (or ``$RELEASE_COCKPIT_LOG``; with ``debug`` and neither, the
    default file) at INFO, or DEBUG with ``debug``; returns the file, None when off."""
    chosen = path or (Path(env[LOG_ENV]) if env.get(LOG_ENV) else None)
    if chosen is None and debug:
        chosen = default_log_file()
    if chosen is None:
        return None
    chosen = chosen.expanduser()
    chosen.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(chosen, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(SECRETS)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    if not debug:
        # httpcore's DEBUG trace of every socket event is noise below --debug.
        logging.getLogger("httpcore").setLevel(logging.INFO)
    logging.getLogger(__name__).info("release-cockpit logging to %s", chosen)
    return chosen


def config_secrets(config: Config, env: Mapping[str, str]) -> list[str]:
    """Every secret the config's backends read: ``token_env``/``token_file`` and the
    adapters' ``<name>_env``/``<name>_file`` options (the convention ``resolve_secrets``
    reads). Unset or unreadable ones are skipped: the config check reports those."""
    found: list[str] = []
    for backend in config.backends.values():
        names: list[tuple[str, object]] = [
            ("token_env", backend.token_env),
            ("token_file", backend.token_file),
            *backend.options.items(),
        ]
        for key, value in names:
            if value is None or key in NOT_SECRETS or not isinstance(value, str | Path):
                continue
            if key.endswith("_env"):
                found.append(env.get(str(value), "").strip())
            elif key.endswith("_file"):
                found.append(_small_file(Path(value).expanduser()))
    return [secret for secret in found if secret]


def _small_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_SECRET_FILE:
            return ""
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
