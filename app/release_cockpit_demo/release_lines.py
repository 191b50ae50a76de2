"""The demo world's release lines: the default board, named families, and large worlds.

Each line is a service in an environment playing one scenario (``scenarios``) from a
previous to a running version; ``line_specs`` picks the lines of a world. The simulation,
the HTTP payloads and the generated cockpit config all read their lines from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from release_cockpit_demo.scenarios import (
    KIND_ORDER,
    RUNBOOK_BASE,
    SCENARIOS,
    CIFamily,
    DeployFamily,
    Kind,
    Scenario,
)


@dataclass(frozen=True, slots=True)
class LineSpec:
    """One release line: a service in an environment, its repo, rollout and versions."""

    index: int
    service: str
    environment: str
    namespace: str
    scenario: Scenario
    previous: str
    stable: str
    stagger: float = 0.0
    health: str = "prometheus"
    """Where the demo config reads this line's health: "prometheus" (signals from the
    Prometheus endpoint, alerts from Alertmanager) or "datadog" (metrics and monitors)."""
    ci: CIFamily = CIFamily.GITHUB

    @property
    def repo(self) -> str:
        """The GitHub repository, GitLab project path or Jenkins job (folder/name)."""
        return f"acme/{self.service}"

    @property
    def team(self) -> str:
        return self.scenario.team

    @property
    def runbook(self) -> str:
        return f"{RUNBOOK_BASE}/{self.service}"

    @property
    def start_offset(self) -> float:
        return self.scenario.start_offset() - self.stagger

    @property
    def family(self) -> DeployFamily:
        return self.scenario.family


# (service, environment, kind, previous version, running version): the default world.
_DEFAULT_LINES: tuple[tuple[str, str, Kind, str, str], ...] = (
    ("checkout", "production", Kind.HEALTHY_CANARY, "2.7.3", "2.7.4"),
    ("payments", "production", Kind.BAD_CANARY, "1.12.2", "1.12.3"),
    ("search", "staging", Kind.FAILING_TESTS, "5.4.0", "5.4.1"),
    ("ledger", "production", Kind.BLUE_GREEN_GATE, "4.9.1", "4.9.2"),
    ("auth", "production", Kind.HOTFIX, "3.0.4", "3.1.0"),
    ("catalog", "production", Kind.SOAKING, "1.19.2", "1.20.0"),
    ("notifications", "production", Kind.MISSING_DATA, "2.3.1", "2.4.0"),
    # One line for each other deploy controller, after the seven (so a world of up to seven
    # lines is the Argo Rollouts world it always was).
    ("inventory", "production", Kind.ROLLING_DEPLOYMENT, "3.8.2", "3.9.0"),
    ("orders", "production", Kind.GITOPS_SYNC, "6.1.0", "6.2.0"),
    ("gateway", "production", Kind.FLAGGER_CANARY, "1.4.6", "1.4.7"),
)
# The namespace of a default line is its environment, except for these.
_NAMESPACES = {"inventory": "warehouse", "orders": "orders", "gateway": "edge"}
DEFAULT_RELEASES = len(_DEFAULT_LINES)
# Lines beyond the default board, chosen by name (``--with datadog,gitlab``): the default
# world, its tests and its screenshots stay as they are. name -> lines of (service,
# environment, kind, previous version, running version, health backend, CI system).
FAMILIES: dict[str, tuple[tuple[str, str, Kind, str, str, str, CIFamily], ...]] = {
    # Health and alerts from Datadog metrics and monitors.
    "datadog": (
        (
            "recommendations",
            "production",
            Kind.BAD_CANARY,
            "3.8.1",
            "3.8.2",
            "datadog",
            CIFamily.GITHUB,
        ),
    ),
    # Built by GitLab CI; the pipeline waits on a manual deploy job.
    "gitlab": (
        ("billing", "production", Kind.CI_GATE, "3.4.1", "3.4.2", "prometheus", CIFamily.GITLAB),
    ),
    # Guarded by feature flags: web-shop's checkout-v2 in Unleash (a kill switch that
    # works), web-search's search-suggestions read through OFREP (read-only); see flag_board.
    "flags": (
        (
            "web-shop",
            "production",
            Kind.HEALTHY_CANARY,
            "4.1.0",
            "4.2.0",
            "prometheus",
            CIFamily.GITHUB,
        ),
        ("web-search", "production", Kind.SOAKING, "2.6.3", "2.7.0", "prometheus", CIFamily.GITHUB),
    ),
    # Built by a Jenkins Pipeline waiting on an input step.
    "jenkins": (
        (
            "warehouse",
            "staging",
            Kind.CI_GATE,
            "0.9.3",
            "0.9.4",
            "prometheus",
            CIFamily.JENKINS,
        ),
    ),
}
CI_FAMILIES = ("gitlab", "jenkins")
"""The families whose lines are built by another CI system than GitHub Actions."""
BENCH_NAMESPACES = ("prod-a", "prod-b", "staging")
MAX_RELEASES = 1000


def family_specs(families: Sequence[str], first_index: int) -> tuple[LineSpec, ...]:
    """The lines of the named families, indexed from ``first_index``.

    Raises:
        ValueError: an unknown family (the message lists the known ones).
    """
    specs: list[LineSpec] = []
    for family in dict.fromkeys(families):
        lines = FAMILIES.get(family)
        if lines is None:
            known = ", ".join(sorted(FAMILIES))
            raise ValueError(f"unknown demo line family {family!r}; known: {known}")
        for name, env, kind, previous, stable, health, ci in lines:
            index = first_index + len(specs)
            scenario = SCENARIOS[kind]
            specs.append(
                LineSpec(index, name, env, env, scenario, previous, stable, health=health, ci=ci)
            )
    return tuple(specs)


def line_specs(
    releases: int = DEFAULT_RELEASES,
    families: Sequence[str] = (),
    ci: CIFamily | None = None,
) -> tuple[LineSpec, ...]:
    """The release lines of a world: the ten named ones (seven Argo Rollouts situations,
    then a Deployment, an Argo CD application and a Flagger canary), or ``svc-001``... for
    larger worlds (Argo Rollouts only, cycling through the seven situations, built by
    ``ci``: GitHub by default); then the lines of each named family (``FAMILIES``).

    Raises:
        ValueError: ``releases`` is outside 1..MAX_RELEASES, or an unknown family.
    """
    if not 1 <= releases <= MAX_RELEASES:
        raise ValueError(f"releases must be between 1 and {MAX_RELEASES}, got {releases}")
    if releases <= len(_DEFAULT_LINES) and ci is None:
        base = tuple(
            LineSpec(i, name, env, _NAMESPACES.get(name, env), SCENARIOS[kind], previous, stable)
            for i, (name, env, kind, previous, stable) in enumerate(_DEFAULT_LINES[:releases])
        )
        return base + family_specs(families, len(base))
    specs = []
    for i in range(releases):
        namespace = BENCH_NAMESPACES[i % len(BENCH_NAMESPACES)]
        major, minor, patch = 1 + i % 4, i % 17, 1 + i % 9
        specs.append(
            LineSpec(
                index=i,
                service=f"svc-{i + 1:03d}",
                environment="staging" if namespace == "staging" else "production",
                namespace=namespace,
                scenario=SCENARIOS[KIND_ORDER[i % len(KIND_ORDER)]],
                previous=f"{major}.{minor}.{patch - 1}",
                stable=f"{major}.{minor}.{patch}",
                # Spread the lines so they are not all in the same step at the same moment.
                stagger=float((i // len(KIND_ORDER)) * 13 % 150),
                ci=ci or CIFamily.GITHUB,
            )
        )
    return tuple(specs) + family_specs(families, len(specs))
