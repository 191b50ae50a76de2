"""`release-cockpit init`: a starter config that works on the first try.

From flags, or by asking what is missing when a person is at the terminal, it learns the
service, its environment and the backends to use; probes each backend given (read-only
list calls, ``adapters.discovery``) and lists what it found to map (workflows, Prometheus
series with a ``service`` label, Rollouts or Deployments); picks the matching ones for
the config, writes it with comments (``headless.init_config``), and checks that it loads.
It never replaces a file without ``--force`` or a yes to its question, and keeps the
previous one as ``NAME.bak``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.cli.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNKNOWN
from release_cockpit.errors import CockpitError

if TYPE_CHECKING:
    from release_cockpit.adapters.discovery import Found

Ask = Callable[[str], str]


class MissingService(CockpitError):
    """init cannot name the release line without it: a usage error (exit 2)."""

    title = "Missing service"
    bad_input = True


def add_init_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init",
        help="write a commented starter config; probe the backends given for what to map",
        description="Write a starter config from flags (or by asking, at a terminal), after "
        "probing each backend given: GitHub workflows, Prometheus series with a service "
        "label, Argo Rollouts or Deployments. Tokens are read from the environment "
        "variables named, never written.",
    )
    init.add_argument("--output", "-o", type=Path, default=None, help="where to write it")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--no-input", action="store_true", help="never ask; use flags only")
    init.add_argument("--service", help="the service's name, as its service label reads")
    init.add_argument("--environment", help="where it deploys (default: production)")
    init.add_argument("--repo", help="its GitHub repository, OWNER/NAME")
    init.add_argument("--github-url", default=None, help="GitHub API (default: api.github.com)")
    init.add_argument("--github-token-env", default="GITHUB_TOKEN", help="token variable")
    init.add_argument("--prometheus", metavar="URL", help="Prometheus base URL")
    init.add_argument("--alertmanager", metavar="URL", help="Alertmanager base URL")
    init.add_argument("--kubernetes", metavar="URL", help="Kubernetes API server URL")
    init.add_argument("--kubernetes-token-env", default="", help="token variable for it")
    init.add_argument("--namespace", help="the namespace of its Rollout or Deployment")


def _default_output() -> Path:
    from release_cockpit.paths import user_config_file

    return user_config_file()


def gather(args: argparse.Namespace, ask: Ask | None) -> dict[str, str]:
    """The values init needs: flags first, then (with ``ask``) a question for each."""
    values = {
        "service": args.service or "",
        "environment": args.environment or "",
        "repository": args.repo or "",
        "prometheus": args.prometheus or "",
        "alertmanager": args.alertmanager or "",
        "kubernetes": args.kubernetes or "",
        "namespace": args.namespace or "",
    }
    questions = {
        "service": "Service name (as its Prometheus service label reads)",
        "environment": "Environment it deploys to [production]",
        "repository": "GitHub repository OWNER/NAME (empty: none)",
        "prometheus": "Prometheus URL (empty: none)",
        "alertmanager": "Alertmanager URL (empty: none)",
        "kubernetes": "Kubernetes API server URL (empty: none)",
    }
    if ask is not None:
        for key, question in questions.items():
            if not values[key]:
                values[key] = ask(f"{question}: ").strip()
        if values["kubernetes"] and not values["namespace"]:
            values["namespace"] = ask("Namespace of its Rollout or Deployment [default]: ")
    values["environment"] = values["environment"] or "production"
    if not values["service"]:
        raise MissingService(
            "init needs the service's name",
            hint="pass --service NAME (or run it at a terminal without --no-input)",
        )
    return values


async def probe(values: Mapping[str, str], args: argparse.Namespace) -> dict[str, Found]:
    """Ask each backend given what it has; a failure is kept as the probe's answer."""
    from release_cockpit.adapters import discovery
    from release_cockpit.adapters.backend_settings import BackendSettings
    from release_cockpit.adapters.http import HttpClient

    found: dict[str, Found] = {}
    clients: list[HttpClient] = []

    def client(name: str, url: str, token_env: str, **headers: str) -> HttpClient:
        token = os.environ.get(token_env, "").strip() if token_env else ""
        if token:
            headers["Authorization"] = f"Bearer {token}"
        made = HttpClient(
            BackendSettings(name, name, url, token or None, timeout=10.0), headers=headers
        )
        clients.append(made)
        # A backend that does not answer costs its retries: say what is being waited for.
        sys.stdout.write(f"Probing {name} at {url} ...\n")
        sys.stdout.flush()
        return made

    try:
        if values["repository"]:
            github = client(
                "github",
                args.github_url or "https://api.github.com",
                args.github_token_env,
                Accept="application/vnd.github+json",
            )
            found["workflows"] = await discovery.github_workflows(github, values["repository"])
        if values["prometheus"]:
            prometheus = client("prometheus", values["prometheus"], "")
            found["services"] = await discovery.prometheus_services(prometheus)
            found["series"] = await discovery.prometheus_series(prometheus)
        if values["kubernetes"]:
            cluster = client("cluster", values["kubernetes"], args.kubernetes_token_env)
            namespace = values["namespace"] or "default"
            for kind in ("Rollout", "Deployment"):
                found[kind] = await discovery.kube_workloads(cluster, kind, namespace)
    finally:
        for made in clients:
            await made.aclose()
    return found


def _ask_at_terminal(question: str) -> str:
    """``input``, with end of input (Ctrl-D) read as an empty answer."""
    try:
        return input(question)
    except EOFError:
        sys.stdout.write("\n")
        return ""


def _write(output: Path, text: str) -> Path | None:
    """Write ``text`` whole or not at all; an existing file is kept as ``NAME.bak``.

    The text goes to a temporary file beside ``output`` and is renamed over it, so an
    interrupted init never leaves half a config; the previous file (the user agreed to
    replace it) is copied aside first so nothing they wrote is lost.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if output.exists():
        backup = output.with_name(output.name + ".bak")
        shutil.copy2(output, backup)
    fd, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup


def run_init(args: argparse.Namespace, ask: Ask | None) -> int:
    """The command, with ``ask`` the way to put a question (``None``: nobody to ask).

    An existing file is replaced only with ``--force`` or a "yes" to the question; the
    config is loaded (as ``check`` will) before it is written, so what lands on disk is
    always a config the cockpit accepts. Exit 1 when a probe failed (the config is
    written all the same, its comments say what failed).
    """
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import parse_config
    from release_cockpit.headless.init_config import Answers, listing, starter_config

    output = (args.output or _default_output()).expanduser()
    replace = bool(args.force)
    if output.exists() and not replace:
        if ask is None:
            sys.stderr.write(
                f"release-cockpit init: {output} exists; nothing written. "
                "Pass --force to replace it (it is kept as .bak), or --output FILE.\n"
            )
            return EXIT_BAD_INPUT
        answer = ask(f"{output} exists. Replace it (the old one is kept as .bak)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            sys.stdout.write(f"{output} left as it was; nothing written.\n")
            return EXIT_BAD_INPUT
        replace = True
    values = gather(args, ask)
    found = asyncio.run(probe(values, args))
    for result in found.values():
        sys.stdout.write(f"  {listing(result)}\n")
    answers = Answers(
        service=values["service"],
        environment=values["environment"],
        github_url=args.github_url or "",
        repository=values["repository"],
        github_token_env=args.github_token_env,
        prometheus_url=values["prometheus"],
        alertmanager_url=values["alertmanager"],
        kubernetes_url=values["kubernetes"],
        kubernetes_token_env=args.kubernetes_token_env,
        namespace=values["namespace"],
        found=found,
    )
    text = starter_config(answers, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    parse_config(text, str(output), kinds=adapter_kinds())  # it must load before it is written
    if output.exists() and not replace:  # it appeared while we asked or probed
        sys.stderr.write(f"release-cockpit init: {output} appeared meanwhile; nothing written\n")
        return EXIT_BAD_INPUT
    backup = _write(output, text)
    kept = f" (the previous one is {backup})" if backup else ""
    sys.stdout.write(
        f"Wrote {output}{kept}.\nNext: release-cockpit check --config {output}\n"
        f"      release-cockpit --config {output}\n"
    )
    return EXIT_UNKNOWN if any(result.error for result in found.values()) else EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    interactive = not args.no_input and sys.stdin.isatty()
    return run_init(args, _ask_at_terminal if interactive else None)
