"""The starter config `release-cockpit init` writes: commented TOML from what was given and
what the backends were found to have.

Values are written by tomli-w (https://github.com/hukkin/tomli-w), so a service name, a
URL or a PromQL query with quotes and backslashes is always valid TOML; the comments
around them are the cockpit's own text, and each says where a value came from (a flag,
or what the probe found), so the first config works on the first try and stays readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from release_cockpit.adapters.discovery import Found, Workflow, Workload

# The signal written when Prometheus has http_requests_total with a service label: the
# request error ratio of the service, as the README's template (batched by $service).
ERROR_RATIO = (
    'sum by (service) (rate(http_requests_total{service=~"$service",code=~"5.."}[1m]))'
    ' / sum by (service) (rate(http_requests_total{service=~"$service"}[1m]))'
)


@dataclass(frozen=True, slots=True)
class Answers:
    """Everything `init` knows: flags, answers to its questions, probe results."""

    service: str
    environment: str
    github_url: str = ""
    repository: str = ""
    github_token_env: str = "GITHUB_TOKEN"
    prometheus_url: str = ""
    alertmanager_url: str = ""
    kubernetes_url: str = ""
    kubernetes_token_env: str = ""
    namespace: str = ""
    found: dict[str, Found] = field(default_factory=dict)


def _key(name: str) -> str:
    """A key as TOML spells it: bare when it can be, quoted by tomli-w otherwise."""
    return tomli_w.dumps({name: 0}).split(" = ", 1)[0]


def _table(name: str, values: dict[str, Any], comments: Sequence[str] = ()) -> list[str]:
    lines = [f"# {c}" if c else "#" for c in comments]
    lines.append(f"[{name}]")
    lines += tomli_w.dumps(values).splitlines()
    return [*lines, ""]


def listing(found: Found | None, show: int = 8) -> str:
    """One line saying what a probe found (its first ``show`` names), or why it failed."""
    if found is None:
        return ""
    if found.error:
        return f"Probing {found.what} failed: {found.error}"
    names = [_name(item) for item in found.items]
    if not names:
        return f"Found no {found.what}."
    more = f" (+{len(names) - show} more)" if len(names) > show else ""
    return f"Found {found.what}: {', '.join(names[:show])}{more}"


def _name(item: object) -> str:
    if isinstance(item, Workflow):
        return f"{item.file} ({item.name})" + ("" if item.active else " [disabled]")
    if isinstance(item, Workload):
        return item.name
    return str(item)


def _workflow(answers: Answers) -> str:
    found = answers.found.get("workflows")
    flows = [w for w in (found.items if found else ()) if isinstance(w, Workflow) and w.active]
    for wanted in ("release", "deploy", "cd", "ci"):
        match = next((w for w in flows if w.file.split(".")[0].lower() == wanted), None)
        if match is not None:
            return match.file
    return flows[0].file if flows else "release.yml"


def _workload(answers: Answers) -> Workload | None:
    """The Rollout (else Deployment) named like the service, else the only one found."""
    for kind in ("Rollout", "Deployment"):
        found = answers.found.get(kind)
        items = [w for w in (found.items if found else ()) if isinstance(w, Workload)]
        named = next((w for w in items if w.name == answers.service), None)
        if named is not None:
            return named
        if len(items) == 1:
            return items[0]
    return None


def starter_config(answers: Answers, written: str) -> str:
    """The config's text (``written``: when, for its header)."""
    service, env = _key(answers.service), answers.environment
    lines = [
        f"# release-cockpit config, written by `release-cockpit init` on {written}.",
        "# Every key is described in `release-cockpit config example`. Check this file with",
        "# `release-cockpit check --config FILE`, then run `release-cockpit --config FILE`.",
        "# Secrets are never written here: tokens come from the environment variables named.",
        "",
    ]
    lines += _table("cockpit", {"theme": "cockpit-dark"}, ["How the cockpit looks."])
    if answers.repository:
        lines += _table(
            "backends.github",
            {
                "type": "github-actions",
                "url": answers.github_url or "https://api.github.com",
                "token_env": answers.github_token_env,
            },
            ["GitHub Actions: the runs of each service's workflow make Build and Test."],
        )
    if answers.prometheus_url:
        lines += _table(
            "backends.prometheus",
            {"type": "prometheus", "url": answers.prometheus_url},
            ["Prometheus: each signal's query is measured here."],
        )
    if answers.alertmanager_url:
        lines += _table(
            "backends.alertmanager",
            {"type": "alertmanager", "url": answers.alertmanager_url},
            ["Alertmanager: firing alerts whose labels match a service count against it."],
        )
    workload = _workload(answers) if answers.kubernetes_url else None
    if answers.kubernetes_url:
        kind = "argo-rollouts" if workload is None or workload.kind == "Rollout" else "kubernetes"
        cluster: dict[str, Any] = {"type": kind, "url": answers.kubernetes_url}
        if answers.kubernetes_token_env:
            cluster["token_env"] = answers.kubernetes_token_env
        lines += _table(
            "backends.cluster",
            cluster,
            ["The cluster: the service's Rollout (or Deployment) makes the Deploy stage."],
        )
    lines += _table(
        f"services.{service}", {"environment": env}, [f"The release line {answers.service}."]
    )
    if answers.repository:
        found_flows = listing(answers.found.get("workflows"))
        lines += _table(
            f"services.{service}.ci",
            {
                "backend": "github",
                "project": answers.repository,
                "workflow": _workflow(answers),
                "build": ["build*"],
                "test": ["test*"],
            },
            [
                *([found_flows] if found_flows else []),
                "build/test: job name patterns of the workflow that make each stage.",
            ],
        )
    if answers.kubernetes_url:
        found = [listing(answers.found.get(kind)) for kind in ("Rollout", "Deployment")]
        namespace = answers.namespace or "default"
        if workload is None or workload.kind == "Rollout":
            deploy = {"backend": "cluster", "namespace": namespace, "rollout": service}
        else:
            deploy = {"backend": "cluster", "namespace": namespace, "name": workload.name}
        if workload is not None and workload.kind == "Rollout":
            deploy["rollout"] = workload.name
        lines += _table(f"services.{service}.deploy", deploy, [f for f in found if f])
    if answers.prometheus_url:
        lines += _signal(answers)
    if answers.alertmanager_url:
        lines += _table(
            f"services.{service}.alerts",
            {"backend": "alertmanager", "matchers": [f'service="{answers.service}"']},
            ["Alerts whose labels match count against the release."],
        )
    return "\n".join(lines).rstrip() + "\n"


def _signal(answers: Answers) -> list[str]:
    service = answers.service
    services, series = answers.found.get("services"), answers.found.get("series")
    comments = [text for text in (listing(services), listing(series)) if text]
    if services is not None and not services.error and service not in services.items:
        comments.append(f"No series has service={service!r}: set query to what measures {service}.")
    names = series.items if series is not None else ()
    if "http_requests_total" not in names:
        comments.append("No http_requests_total with a service label: adapt the query.")
    comments.append("The query is a template: $service is replaced by the line's service.")
    values = {
        "name": "5xx ratio",
        "backend": "prometheus",
        "query": ERROR_RATIO,
        "format": "percent",
        "fail_above": 0.05,
        "warn_above": 0.02,
    }
    lines = [f"# {c}" for c in comments]
    lines.append(f"[[services.{_key(service)}.signals]]")
    lines += tomli_w.dumps(values).splitlines()
    return [*lines, ""]
