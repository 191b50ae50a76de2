"""The cockpit config (TOML text) that points the real adapters at a running demo world.

Generated from the same scenario data the world runs on, so every service, repo, rollout,
query and alert matcher in the config exists in the world, and the release-type policies
give the soak times the world waits for. The format is the one the config loader reads
(see ``config.example.toml``). The signals, comparisons and policies it writes are
defined in ``demo_signals``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from release_cockpit_demo.ci_plan import BUILD_JOBS, PRE_RELEASE_JOBS, TEST_JOBS
from release_cockpit_demo.demo_signals import (
    COMPARISONS,
    DATADOG_COMPARISONS,
    DATADOG_SIGNALS,
    POLICIES,
    SIGNALS,
    ComparisonConfig,
    PolicyConfig,
    SignalConfig,
)
from release_cockpit_demo.flag_board import PROJECT, flags_of
from release_cockpit_demo.line import GATES
from release_cockpit_demo.query_templates import Query
from release_cockpit_demo.release_lines import DEFAULT_RELEASES, LineSpec, line_specs
from release_cockpit_demo.scenarios import (
    DEFAULT_SOAK,
    REGISTRY,
    WORKFLOW_FILE,
    CIFamily,
    DeployFamily,
    Kind,
)

# Short intervals so the demo feels live; the world changes every few seconds.
POLL_INTERVAL = "3s"
STALE_AFTER = "15s"
BACKEND_INTERVALS = {
    "github": "3s",
    "gitlab": "3s",
    "jenkins": "3s",
    "prometheus": "2s",
    "alertmanager": "3s",
    "cluster": "2s",
    "datadog": "3s",
    "datadog-monitors": "5s",
    "eu-west": "2s",
    "argocd": "2s",
    "us-east": "2s",
    "unleash": "3s",
    "flagd": "3s",
}
DEMO_GITHUB_TOKEN = Path(__file__).with_name("demo-github-token")
"""A token for the world's GitHub, shipped with the package: GitHub's GraphQL API refuses
requests without one, and so does the world's."""
FLAG_BACKENDS = {"unleash": "unleash", "flagd": "ofrep"}
"""The demo's flag systems (backend name -> adapter type): Unleash switches, flagd's OFREP
only evaluates."""
DATADOG_KEY_FILES = {"api_key": "datadog-api-key", "app_key": "datadog-app-key"}
"""The demo's Datadog keys live in files (the way a real key should, never in the config):
``write_datadog_keys`` writes them; the demo world accepts any non-empty key."""
# The deploy backend of each family: Argo Rollouts in "cluster", plain Deployments in a
# second cluster, Argo CD, and Flagger in a third cluster (all one simulated API server).
DEPLOY_BACKENDS = {
    DeployFamily.ARGO_ROLLOUTS: "cluster",
    DeployFamily.KUBERNETES: "eu-west",
    DeployFamily.ARGO_CD: "argocd",
    DeployFamily.FLAGGER: "us-east",
}
HOTFIX_PATTERN = "^hotfix/"


# The readiness checklist of the blue-green line (a major release waiting at its gate):
# two items a person ticks, a query on the preview's error ratio and a status-page probe.
MANUAL_ITEMS = ("Database migration reviewed", "Support told about the release")
STATUS_PATH = "/status"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML for these ASCII values)."""
    return json.dumps(text)


def _literal(text: str) -> str:
    """A TOML literal string: PromQL keeps its double quotes unescaped."""
    if "'" in text or "\n" in text:
        return _string(text)
    return f"'{text}'"


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{whole}s"


def write_datadog_keys(directory: Path) -> dict[str, Path]:
    """Demo API and application keys in ``directory``, readable only by their owner.

    Returns:
        secret name -> file, for ``demo_config_text(key_dir=...)``.
    """
    paths = {}
    for name, file_name in DATADOG_KEY_FILES.items():
        path = directory / file_name
        path.write_text(f"demo-{name.replace('_', '-')}-0000000000000000\n", encoding="utf-8")
        path.chmod(0o600)
        paths[name] = path
    return paths


def _signals(spec: LineSpec) -> tuple[tuple[SignalConfig, ...], tuple[ComparisonConfig, ...]]:
    if spec.health == "datadog":
        return DATADOG_SIGNALS, DATADOG_COMPARISONS
    return SIGNALS, COMPARISONS


def _service(spec: LineSpec, base: str) -> list[str]:
    key = spec.service
    lines = [
        f"[services.{key}]",
        f"environment = {_string(spec.environment)}",
        f"team = {_string(spec.team)}",
        f"runbook = {_string(spec.runbook)}",
        f"soak = {_string(_duration(DEFAULT_SOAK))}",
        f"hotfix_pattern = {_string(HOTFIX_PATTERN)}",
        "",
        *_ci(spec),
        f"[services.{key}.deploy]",
        *_deploy(spec),
        "",
    ]
    signals, comparisons = _signals(spec)
    health = "datadog" if spec.health == "datadog" else "prometheus"
    for signal in signals:
        lines += [
            f"[[services.{key}.signals]]",
            f"name = {_string(signal.name)}",
            f"backend = {_string(health)}",
            f"query = {_literal(signal.template)}",
            f"format = {_string(signal.format)}",
            f"fail_above = {signal.fail_above}",
            f"warn_above = {signal.warn_above}",
            f"failure_limit = {signal.failure_limit}",
            f"interval = {_string(signal.interval)}",
            "",
        ]
    for comparison in comparisons:
        lines += [
            f"[[services.{key}.signals]]",
            f"name = {_string(comparison.name)}",
            f"backend = {_string(health)}",
            f"query = {_literal(comparison.template)}",
            'mode = "canary-vs-baseline"',
            f"canary = {_literal(comparison.canary)}",
            f"baseline = {_literal(comparison.baseline)}",
            f"window = {_string(comparison.window)}",
            f"direction = {_string(comparison.direction)}",
            f"confidence = {comparison.confidence}",
            f"tolerance = {comparison.tolerance}",
            f"format = {_string(comparison.format)}",
            f"interval = {_string(comparison.interval)}",
            "",
        ]
    alerts = "datadog-monitors" if spec.health == "datadog" else "alertmanager"
    lines += [
        f"[services.{key}.alerts]",
        f"backend = {_string(alerts)}",
        f"matchers = [{_literal(f'service={json.dumps(spec.service)}')}]",
        "",
    ]
    return [*lines, *_checklist(spec, base), *_flags(spec)]


def _flags(spec: LineSpec) -> list[str]:
    """The flags guarding a line, the kill switch first (Unleash's environment defaults to
    the line's own)."""
    lines: list[str] = []
    for flag in flags_of(spec.service):
        lines += [
            f"[[services.{spec.service}.flags]]",
            f"backend = {_string(flag.via)}",
            f"flag = {_string(flag.name)}",
            *([f"project = {_string(PROJECT)}"] if flag.via == "unleash" else []),
            "",
        ]
    return lines


def _ci(spec: LineSpec) -> list[str]:
    """The line's CI section: its GitHub workflow, GitLab project or Jenkins job, and the
    job (or stage) names of each stage; a gate belongs to Pre-release, where it waits."""
    key = spec.service
    gate = (GATES[spec.ci],) if spec.scenario.ci_gate and spec.ci in GATES else ()
    where = {
        CIFamily.GITHUB: [
            'backend = "github"',
            f"project = {_string(spec.repo)}",
            f"workflow = {_string(WORKFLOW_FILE)}",
        ],
        CIFamily.GITLAB: ['backend = "gitlab"', f"project = {_string(spec.repo)}"],
        CIFamily.JENKINS: ['backend = "jenkins"', f"job = {_string(spec.repo)}"],
    }[spec.ci]
    return [
        f"[services.{key}.ci]",
        *where,
        f"build = {_strings(BUILD_JOBS)}",
        f"test = {_strings(TEST_JOBS)}",
        f"pre_release = {_strings((*PRE_RELEASE_JOBS, *gate))}",
        "",
    ]


def _deploy(spec: LineSpec) -> list[str]:
    """The deploy keys of a line, in its deploy backend's terms (its adapter's TARGET)."""
    backend = f"backend = {_string(DEPLOY_BACKENDS[spec.family])}"
    name = _string(spec.service)
    namespace = f"namespace = {_string(spec.namespace)}"
    if spec.family is DeployFamily.KUBERNETES:
        return [backend, namespace, f"name = {name}", 'kind = "Deployment"', f"container = {name}"]
    if spec.family is DeployFamily.ARGO_CD:
        return [
            backend,
            f"application = {name}",
            'project = "shop"',
            f"image = {_string(f'{REGISTRY}/{spec.service}')}",
            f"rollout = {name}",
        ]
    if spec.family is DeployFamily.FLAGGER:
        return [backend, namespace, f"canary = {name}"]
    return [backend, namespace, f"rollout = {name}"]


def _policy(policy: PolicyConfig) -> list[str]:
    lines = [
        "[[policies]]",
        f"name = {_string(policy.name)}",
        f"release_types = {_strings(policy.release_types)}",
        f"soak = {_string(_duration(policy.soak))}",
    ]
    if policy.failure_limit is not None:
        lines.append(f"failure_limit = {policy.failure_limit}")
    if policy.require_checklist:
        lines.append(f"require_checklist = {_strings(policy.require_checklist)}")
    return [*lines, ""]


def _checklist(spec: LineSpec, base: str) -> list[str]:
    """Checklist items for the line waiting at a promotion gate (none for the others)."""
    if spec.scenario.kind is not Kind.BLUE_GREEN_GATE:
        return []
    key = spec.service
    lines: list[str] = []
    for name in MANUAL_ITEMS:
        lines += [f"[[services.{key}.checklist]]", f"name = {_string(name)}", ""]
    return [
        *lines,
        f"[[services.{key}.checklist]]",
        'name = "Error ratio under 1%"',
        'backend = "prometheus"',
        f"query = {_literal(Query.ERROR_RATIO.template)}",
        "pass_below = 0.01",
        "",
        f"[[services.{key}.checklist]]",
        'name = "Status page answers"',
        f"url = {_string(base + STATUS_PATH)}",
        "expect_status = 200",
        "",
    ]


def demo_config_text(
    base_url: str,
    releases: int = DEFAULT_RELEASES,
    *,
    families: Sequence[str] = (),
    key_dir: Path | None = None,
    ci: CIFamily | None = None,
    watch: bool = True,
) -> str:
    """The TOML config for a demo world served at ``base_url`` with ``releases`` lines
    (built by ``ci``, as ``World`` builds them) and the lines of ``families``; a CI
    backend appears only when a line uses it. The Datadog family reads its keys from
    ``key_dir``, where ``write_datadog_keys`` put them. ``watch=False`` has the Kubernetes
    backends list every poll: a world on a test's settable clock jumps ahead between two
    polls, and a watch only reports what the world did at its own pace.

    Raises:
        ValueError: ``releases`` is outside the range the world supports, an unknown
            family, or the Datadog family without ``key_dir``.
    """
    base = base_url.rstrip("/")
    specs = line_specs(releases, families, ci)
    building = {spec.ci for spec in specs}
    tester = _string(base + "/loadtester")
    listing = [] if watch else ["watch = false"]
    ci_backends = {
        "github": (
            "github-actions",
            f"{base}/github",
            # GitHub's GraphQL API, which the world serves too, needs a token; this one is
            # public and only opens the demo world.
            ['tag_format = "v{version}"', f"token_file = {_string(str(DEMO_GITHUB_TOKEN))}"],
        ),
        "gitlab": ("gitlab", f"{base}/gitlab", ['tag_format = "v{version}"']),
        "jenkins": ("jenkins", f"{base}/jenkins", ['version_parameter = "VERSION"']),
    }
    backends = {
        **{name: b for name, b in ci_backends.items() if CIFamily(name) in building},
        "prometheus": ("prometheus", f"{base}/prometheus", []),
        "alertmanager": ("alertmanager", f"{base}/alertmanager", []),
        "cluster": ("argo-rollouts", f"{base}/k8s", [*listing]),
        "eu-west": ("kubernetes", f"{base}/k8s", [*listing]),
        "argocd": ("argo-cd", f"{base}/argocd", []),
        "us-east": ("flagger", f"{base}/k8s", [f"load_tester_url = {tester}", *listing]),
    }
    deploying = {DEPLOY_BACKENDS[spec.family] for spec in specs}
    backends = {
        name: value
        for name, value in backends.items()
        if name not in DEPLOY_BACKENDS.values() or name in deploying
    }
    reading = {flag.via for spec in specs for flag in flags_of(spec.service)}
    for name, kind in FLAG_BACKENDS.items():
        if name in reading:
            backends[name] = (kind, f"{base}/{name}", [])
    if any(spec.health == "datadog" for spec in specs):
        if key_dir is None:
            raise ValueError("the Datadog demo line needs key_dir (see write_datadog_keys)")
        keys = [
            f"{name}_file = {_string(str(key_dir / file_name))}"
            for name, file_name in DATADOG_KEY_FILES.items()
        ]
        # A proxy-style url (the demo world), so no site: a site would name Datadog's API.
        backends["datadog"] = ("datadog", f"{base}/datadog", keys)
        backends["datadog-monitors"] = ("datadog-monitors", f"{base}/datadog", keys)
    lines = [
        "# release-cockpit demo: a simulated release world served on loopback.",
        f"# Generated for {base} with {releases} release line(s); every backend is simulated.",
        "",
        "[cockpit]",
        "read_only = false",
        'theme = "cockpit-dark"',
        "",
        "[polling]",
        f"interval = {_string(POLL_INTERVAL)}",
        'timeout = "5s"',
        'max_backoff = "30s"',
        f"stale_after = {_string(STALE_AFTER)}",
        "",
    ]
    for name, (kind, url, options) in backends.items():
        lines += [
            f"[backends.{name}]",
            f"type = {_string(kind)}",
            f"url = {_string(url)}",
            f"interval = {_string(BACKEND_INTERVALS[name])}",
            *options,
            "",
        ]
    for policy in POLICIES:
        lines += _policy(policy)
    for spec in specs:
        lines += _service(spec, base)
    return "\n".join(lines)
