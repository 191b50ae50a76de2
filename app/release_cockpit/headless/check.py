"""`release-cockpit check`: the config is valid, every backend answers and lets us in, and
every release line's targets exist and its queries parse (``check_lines``)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Mapping
from pathlib import Path

import httpx
from rich.console import Console
from rich.text import Text

from release_cockpit.adapters.base import Adapter
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.config.schema import Config
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import AdapterError
from release_cockpit.headless.check_lines import LineReport, check_lines, checked_backends


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


async def run_check(
    config: Config,
    env: Mapping[str, str],
    console: Console | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Probe every backend, then every release line's targets and queries; exit 0 only
    if every backend is reachable and authorised and every target and query is usable.

    Output is one block per backend, then one per release line, rather than a table, so
    a long URL or error stays readable on an 80-column bastion terminal. Token files that
    others may read are warned about first; a warning (a comparison that may never run,
    a query with no data now) does not change the exit code.

    ``transport`` replaces the network (tests answer with recorded payloads).

    Raises:
        ConfigError: the config or an adapter's options are invalid.
    """
    console = console or Console()
    adapters = build_adapters(config, env, transport=transport)
    try:
        names = list(adapters)
        results = await asyncio.gather(*(_probe(adapters[n]) for n in names))
        answered = {n for n, r in zip(names, results, strict=True) if r.ok}
        # A line's targets are read only on backends that answered: the others are
        # already reported, and each of their targets would only repeat it.
        reports = await check_lines(config, {n: adapters[n] for n in answered})
    finally:
        await asyncio.gather(*(a.aclose() for a in adapters.values()), return_exceptions=True)
    where = str(config.path) if config.path else "built-in config"
    console.print(Text(f"config ok: {where} ({len(config.services)} release lines)"))
    for warning in token_file_warnings(config):
        console.print(Text(warning, style="bold yellow"))
    failed = 0
    for name, result in zip(names, results, strict=True):
        backend = config.backends[name]
        failed += not result.ok
        latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "-"
        where = backend.url or f"context {backend.options.get('context', '?')}"
        console.print(Text(f"\n{name} ({backend.type}) {where}"))
        console.print(Text(f"  {result.verdict} · {latency}"))
        if result.url and not result.ok:
            console.print(Text(f"  requested {result.url}"))
        if result.detail:
            console.print(Text(f"  {result.detail}"))
    broken = _print_lines(console, reports, {n for n in names if n not in answered})
    summary = "every backend ok" if not failed else f"{failed} of {len(names)} backends failed"
    lines = (
        "every release line's targets and queries ok"
        if not broken
        else f"{len(broken)} of {len(reports)} release lines have problems: {', '.join(broken)}"
    )
    console.print(Text(f"\n{summary}; {lines}"))
    return 1 if failed or broken else 0


def _print_lines(console: Console, reports: list[LineReport], down: set[str]) -> list[str]:
    """One block per release line; returns the keys of the lines with a problem."""
    broken = []
    for report in reports:
        console.print(Text(f"\n{report.title}"))
        for target in report.targets:
            word = "ok" if target.result.ok else "FAILED"
            console.print(Text(f"  {target.what}"))
            console.print(Text(f"    {word} · {target.result.detail}"))
            for note in target.result.notes:
                console.print(Text(f"    {note}"))
        unread = [b for b in checked_backends(report.line) if b in down]
        if unread:
            console.print(Text(f"  not checked: {', '.join(unread)} failed its probe (above)"))
        if not report.targets and not unread:
            console.print(Text("  nothing to check (no CI, deploy, signal or query item)"))
        for warning in report.warnings:
            console.print(Text(f"  warning: {warning}", style="bold yellow"))
        if not report.ok or unread:
            broken.append(report.line.key)
    return broken
