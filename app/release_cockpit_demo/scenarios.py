"""The demo world's scenario definitions: scenario kinds, their plans, and release timing.

What the simulation, the HTTP payloads and the generated cockpit config must agree on
about a scenario lives here, once: scenario kinds and their canary steps, version bumps,
metric baselines and soak times by release type. The CI workflow's job plan is in
``ci_plan``, the release lines playing the scenarios in ``release_lines``, the health
queries in ``query_templates``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from release_cockpit_demo.ci_plan import ci_seconds

# Seconds between a successful CI run and the rollout picking up the new template.
DEPLOY_DELAY = 2.0
# A `setWeight` step lasts this long: the time the new ReplicaSet needs to scale and be ready.
SET_WEIGHT_SECONDS = 4.0
# Blue-green: time to bring the preview ReplicaSet up before the promotion gate.
PREVIEW_SCALE_SECONDS = 8.0
# Soak after a full promotion: the default, and what the demo config's release-type policies
# give hotfixes and major releases (the world waits as long as the cockpit expects).
DEFAULT_SOAK = 300.0
HOTFIX_SOAK = 120.0
MAJOR_SOAK = 900.0
# A release that sits aborted or rolled back starts its next cycle after this long.
RESTART_AFTER = 180.0
# A CI run that failed and was never re-run is superseded by a fix after this long.
FAILED_CI_RESTART_AFTER = 600.0

REGISTRY = "registry.acme.internal"
RUNBOOK_BASE = "https://runbooks.acme.example"
WORKFLOW_FILE = "release.yml"
REPLICAS = 5

# The bad canary: errors and latency ramp from the baseline to the peak, starting this long
# after the canary first takes traffic and taking RAMP seconds to get there.
BAD_ONSET = 15.0
BAD_RAMP = 90.0
BAD_PEAK_ERROR_RATIO = 0.08
BAD_PEAK_P99 = 0.9
# The HighErrorRate rule: ratio above this for ALERT_FOR seconds (Prometheus `for:`).
ALERT_THRESHOLD = 0.05
ALERT_FOR = 30.0


class Strategy(Enum):
    CANARY = "canary"
    BLUE_GREEN = "blueGreen"


class Bump(Enum):
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


class CIFamily(Enum):
    """Which CI system builds a line: the demo world serves each one's wire format."""

    GITHUB = "github"
    GITLAB = "gitlab"
    JENKINS = "jenkins"


class DeployFamily(Enum):
    """Which deploy controller a line's Deploy stage is read from, in its own wire format."""

    ARGO_ROLLOUTS = "argo-rollouts"  # a Rollout (the seven situations below)
    KUBERNETES = "kubernetes"  # a plain apps/v1 Deployment and its ReplicaSets
    ARGO_CD = "argo-cd"  # an Argo CD Application managing a Rollout
    FLAGGER = "flagger"  # a Flagger Canary and its load tester's gates


class Kind(Enum):
    """The release situations the demo shows: seven on Argo Rollouts (N-line worlds cycle
    through those), then one for each other deploy controller."""

    HEALTHY_CANARY = "healthy-canary"
    BAD_CANARY = "bad-canary"
    FAILING_TESTS = "failing-tests"
    BLUE_GREEN_GATE = "blue-green-gate"
    HOTFIX = "hotfix"
    SOAKING = "soaking"
    MISSING_DATA = "missing-data"
    # CI waits for a person (a GitLab manual deploy job, a Jenkins input step); once
    # approved, a healthy canary.
    CI_GATE = "ci-gate"
    ROLLING_DEPLOYMENT = "rolling-deployment"
    GITOPS_SYNC = "gitops-sync"
    FLAGGER_CANARY = "flagger-canary"


@dataclass(frozen=True, slots=True)
class Step:
    """One canary step: a traffic weight, or a pause (``pause_seconds=None`` waits for a human)."""

    weight: int | None = None
    pause: bool = False
    pause_seconds: float | None = None

    @property
    def seconds(self) -> float | None:
        """How long the step lasts on its own; None when it waits for promotion."""
        if self.weight is not None:
            return SET_WEIGHT_SECONDS
        return self.pause_seconds


def canary(plan: str) -> tuple[Step, ...]:
    """Steps from a compact plan: ``"10% 30s 25% hold"`` = setWeight 10, pause 30s,
    setWeight 25, then an indefinite ``pause: {}``."""
    steps = []
    for word in plan.split():
        if word.endswith("%"):
            steps.append(Step(weight=int(word[:-1])))
        elif word == "hold":
            steps.append(Step(pause=True))
        else:
            steps.append(Step(pause=True, pause_seconds=float(word.removesuffix("s"))))
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Scenario:
    """How every cycle of one release line goes."""

    kind: Kind
    strategy: Strategy
    steps: tuple[Step, ...]
    first_bump: Bump
    next_bump: Bump
    error_ratio: float
    p99: float
    soak: float = DEFAULT_SOAK
    hotfix: bool = False
    bad_canary: bool = False
    # The new version does not export its request counter: no error ratio on the canary.
    errors_missing: bool = False
    tests_fail_first: bool = False
    auto_promotion_seconds: int | None = None
    team: str = "platform"
    # The pipeline ends in a step a person must approve before the deploy starts.
    ci_gate: bool = False
    family: DeployFamily = DeployFamily.ARGO_ROLLOUTS

    def steps_seconds(self) -> float:
        if self.strategy is Strategy.BLUE_GREEN:
            return PREVIEW_SCALE_SECONDS
        return sum(step.seconds or 0.0 for step in self.steps)

    def bump_of(self, cycle: int) -> Bump:
        return self.first_bump if cycle == 0 else self.next_bump

    def soak_of(self, cycle: int) -> float:
        """A major release soaks longer, as the demo config's "major release" policy says."""
        return MAJOR_SOAK if self.bump_of(cycle) is Bump.MAJOR else self.soak

    def _bad_crossing(self, threshold: float) -> float:
        """Seconds from the canary taking traffic until its error ratio passes ``threshold``."""
        frac = (threshold - self.error_ratio) / (BAD_PEAK_ERROR_RATIO - self.error_ratio)
        return BAD_ONSET + frac * BAD_RAMP

    def start_offset(self) -> float:
        """When cycle 0 starts relative to the world's start, so each opens in its situation."""
        ci = ci_seconds() + DEPLOY_DELAY
        offsets = {
            Kind.HEALTHY_CANARY: 0.0,
            # The bad canary crossed its 5% error threshold 40 s before the world started, so
            # the cockpit (and `status --demo`) opens on a failing verdict with history.
            Kind.BAD_CANARY: -(ci + self._bad_crossing(ALERT_THRESHOLD) + 40.0),
            Kind.FAILING_TESTS: -20.0,
            # Blue-green: the promotion gate opened 20 s before the world started.
            Kind.BLUE_GREEN_GATE: -(ci + PREVIEW_SCALE_SECONDS + 20.0),
            Kind.HOTFIX: -35.0,
            # Soaking: fully promoted 150 s before the world started.
            Kind.SOAKING: -(ci + self.steps_seconds() + 150.0),
            # Missing data: 30 s into the first pause, the canary taking 10 % of the traffic.
            Kind.MISSING_DATA: -(ci + SET_WEIGHT_SECONDS + 30.0),
            # CI gate: the tests passed 20 s before the world started; the gate waits.
            Kind.CI_GATE: -(ci + 20.0),
            # A plain Deployment: 10 s after the first quarter of its pods was replaced.
            Kind.ROLLING_DEPLOYMENT: -(ci + SET_WEIGHT_SECONDS + 10.0),
            # Argo CD: the Rollout it manages waits at its `pause: {}` step for 20 s already.
            Kind.GITOPS_SYNC: -(ci + 2 * SET_WEIGHT_SECONDS + 30.0 + 20.0),
            # Flagger: 10 s into the analysis at 20% of the traffic.
            Kind.FLAGGER_CANARY: -(ci + 2 * SET_WEIGHT_SECONDS + 30.0 + 10.0),
        }
        return offsets[self.kind]


SCENARIOS: dict[Kind, Scenario] = {
    Kind.HEALTHY_CANARY: Scenario(
        Kind.HEALTHY_CANARY,
        Strategy.CANARY,
        canary("10% 30s 25% 30s 50% 30s 100%"),
        Bump.MINOR,
        Bump.MINOR,
        error_ratio=0.003,
        p99=0.18,
        team="storefront",
    ),
    Kind.BAD_CANARY: Scenario(
        Kind.BAD_CANARY,
        Strategy.CANARY,
        canary("10% 30s 25% hold 50% 30s 100%"),
        Bump.MINOR,
        Bump.MINOR,
        error_ratio=0.004,
        p99=0.2,
        bad_canary=True,
        team="payments",
    ),
    Kind.FAILING_TESTS: Scenario(
        Kind.FAILING_TESTS,
        Strategy.CANARY,
        canary("20% 30s 50% 30s 100%"),
        Bump.PATCH,
        Bump.PATCH,
        error_ratio=0.002,
        p99=0.25,
        tests_fail_first=True,
        team="discovery",
    ),
    Kind.BLUE_GREEN_GATE: Scenario(
        Kind.BLUE_GREEN_GATE,
        Strategy.BLUE_GREEN,
        (),
        Bump.MAJOR,
        Bump.MINOR,
        error_ratio=0.001,
        p99=0.12,
        auto_promotion_seconds=600,
        team="finance",
    ),
    Kind.HOTFIX: Scenario(
        Kind.HOTFIX,
        Strategy.CANARY,
        canary("50% 20s 100%"),
        Bump.PATCH,
        Bump.PATCH,
        error_ratio=0.0025,
        p99=0.09,
        soak=HOTFIX_SOAK,
        hotfix=True,
        team="identity",
    ),
    Kind.SOAKING: Scenario(
        Kind.SOAKING,
        Strategy.CANARY,
        canary("20% 30s 60% 30s 100%"),
        Bump.PATCH,
        Bump.PATCH,
        error_ratio=0.002,
        p99=0.15,
        team="storefront",
    ),
    Kind.MISSING_DATA: Scenario(
        Kind.MISSING_DATA,
        Strategy.CANARY,
        canary("10% 60s 30% 60s 100%"),
        Bump.MINOR,
        Bump.MINOR,
        error_ratio=0.0015,
        p99=0.11,
        errors_missing=True,
        team="messaging",
    ),
    # A rolling update of a plain Deployment: a quarter of the pods replaced at a time, each
    # quarter given 20 s to become ready (the "weights" are the share of updated pods).
    Kind.ROLLING_DEPLOYMENT: Scenario(
        Kind.ROLLING_DEPLOYMENT,
        Strategy.CANARY,
        canary("25% 20s 50% 20s 75% 20s 100%"),
        Bump.MINOR,
        Bump.PATCH,
        error_ratio=0.002,
        p99=0.14,
        team="logistics",
        family=DeployFamily.KUBERNETES,
    ),
    # An Argo CD application whose Rollout holds at a manual step after 50%.
    Kind.GITOPS_SYNC: Scenario(
        Kind.GITOPS_SYNC,
        Strategy.CANARY,
        canary("20% 30s 50% hold 100%"),
        Bump.MINOR,
        Bump.MINOR,
        error_ratio=0.0018,
        p99=0.16,
        team="shop",
        family=DeployFamily.ARGO_CD,
    ),
    # A Flagger canary: 10% more traffic per 30 s analysis, then the confirm-promotion gate.
    Kind.FLAGGER_CANARY: Scenario(
        Kind.FLAGGER_CANARY,
        Strategy.CANARY,
        canary("10% 30s 20% 30s 30% hold 100%"),
        Bump.PATCH,
        Bump.PATCH,
        error_ratio=0.0022,
        p99=0.1,
        team="edge",
        family=DeployFamily.FLAGGER,
    ),
}
SCENARIOS[Kind.CI_GATE] = Scenario(
    Kind.CI_GATE,
    Strategy.CANARY,
    canary("20% 30s 50% 30s 100%"),
    Bump.MINOR,
    Bump.PATCH,
    error_ratio=0.002,
    p99=0.14,
    team="commerce",
    ci_gate=True,
)
KIND_ORDER: tuple[Kind, ...] = (
    Kind.HEALTHY_CANARY,
    Kind.BAD_CANARY,
    Kind.FAILING_TESTS,
    Kind.BLUE_GREEN_GATE,
    Kind.HOTFIX,
    Kind.SOAKING,
    Kind.MISSING_DATA,
)
"""The Argo Rollouts situations large worlds cycle through (benchmarks measure those)."""


def parse_version(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def bump(version: str, how: Bump) -> str:
    major, minor, patch = parse_version(version)
    if how is Bump.MAJOR:
        return f"{major + 1}.0.0"
    if how is Bump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def tag(version: str) -> str:
    return f"v{version}"


def image(service: str, version: str) -> str:
    return f"{REGISTRY}/{service}:{version}"


def version_of_image(ref: str) -> str:
    """The tag of an image reference: after the last ':' of the last path segment."""
    last = ref.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""
