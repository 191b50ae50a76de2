"""`release-cockpit check`: the config is valid, and every backend answers and lets us in."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.text import Text

from release_cockpit.adapters.base import Adapter, ProbeResult
from release_cockpit.config.schema import Config
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import AdapterError


async def _probe(adapter: Adapter) -> ProbeResult:
    try:
        return await adapter.probe()
    except AdapterError as exc:
        return ProbeResult(False, False, None, f"{exc.title}: {exc}")


def _secret_files(config: Config) -> list[tuple[str, str, Path]]:
    """(backend, key, path) of every file a secret is read from: ``token_file`` and the
    adapters' own ``<name>_file`` keys (``api_key_file``, ``app_key_file``)."""
    found = []
    for name, backend in config.backends.items():
        if backend.token_file is not None:
            found.append((name, "token_file", backend.token_file))
        for key, value in backend.options.items():
            if key.endswith("_key_file") and isinstance(value, str) and value.strip():
                found.append((name, key, Path(value)))
    return found


def token_file_warnings(config: Config) -> list[str]:
    """One line per secret file (a token or key file) that its group or other users may
    read or change.

    Such a file leaks the secret to every account on the machine; the line names the
    file, its mode and the ``chmod`` that fixes it. Files that cannot be read at all are
    not listed here: building the adapters reports those as config problems.
    """
    warnings = []
    for name, key, configured in _secret_files(config):
        path = configured.expanduser()
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if not mode & 0o077:
            continue
        who = " and ".join(
            word for bits, word in ((0o070, "its group"), (0o007, "other users")) if mode & bits
        )
        what = "token" if key == "token_file" else key.removesuffix("_file").replace("_", " ")
        warnings.append(
            f"warning: {what} file {path} (backends.{name}.{key}) is open to {who} "
            f"(mode {mode:04o}); restrict it to its owner: chmod 600 {path}"
        )
    return warnings


async def run_check(config: Config, env: Mapping[str, str], console: Console | None = None) -> int:
    """Probe every backend concurrently; exit 0 only if all are reachable and authorised.

    Output is one block per backend rather than a table, so a long URL or error stays
    readable on an 80-column bastion terminal. Token files that others may read are
    warned about first (a warning does not change the exit code).

    Raises:
        ConfigError: the config or an adapter's options are invalid.
    """
    console = console or Console()
    adapters = build_adapters(config, env)
    try:
        names = list(adapters)
        results = await asyncio.gather(*(_probe(adapters[n]) for n in names))
    finally:
        await asyncio.gather(*(a.aclose() for a in adapters.values()), return_exceptions=True)
    where = str(config.path) if config.path else "built-in config"
    console.print(Text(f"config ok: {where} ({len(config.services)} release lines)"))
    for warning in token_file_warnings(config):
        console.print(Text(warning, style="bold yellow"))
    failed = 0
    for name, result in zip(names, results, strict=True):
        backend = config.backends[name]
        ok = result.reachable and result.authorised
        failed += not ok
        latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "-"
        verdict = "ok" if ok else ("NOT AUTHORISED" if result.reachable else "UNREACHABLE")
        where = backend.url or f"context {backend.options.get('context', '?')}"
        console.print(Text(f"\n{name} ({backend.type}) {where}"))
        console.print(Text(f"  {verdict} · {latency}"))
        if result.detail:
            console.print(Text(f"  {result.detail}"))
    summary = "every backend ok" if not failed else f"{failed} of {len(names)} backends failed"
    console.print(Text(f"\n{summary}"))
    return 1 if failed else 0
