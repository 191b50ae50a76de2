"""Whether an action may run: read-only modes, support, state, freezes, release policies.

Checked by the action path itself (not only by hiding keys), before the confirmation and
again just before the call, so a key binding, the command palette or a script all meet the
same rules. A refusal names the rule that refused and how to proceed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from release_cockpit.domain.actions import TITLES, health_warning, not_applicable
from release_cockpit.domain.policy import Policy, choose_policy
from release_cockpit.domain.release import Release
from release_cockpit.domain.rollout import Action

# Names that make an environment production-tier (type the service name to confirm) unless
# the config says otherwise for it.
PRODUCTION_NAMES = frozenset({"production", "prod", "prd", "live"})

# What a freeze blocks when it does not list actions: everything that moves a release
# forward, a flag turned on included. Abort, rollback, pause and flag off stay available,
# because a freeze must never stop someone from making production safer.
PROMOTING = frozenset(
    {Action.PROMOTE, Action.PROMOTE_FULL, Action.RESUME, Action.RETRY, Action.FLAG_ON}
)

# Actions that move a release on: on a failing or inconclusive release each needs the
# service's name typed, in any environment (approving a CI deploy job deploys too).
MOVES_ON = PROMOTING | {Action.APPROVE}
# The verdicts on which moving a release on needs its name typed: failing, and
# inconclusive ("a human must decide": typing the name is that decision).
TYPED_WHEN = frozenset({"FAILING", "INCONCLUSIVE"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action may not run; ``rule`` names what refused it."""

    rule: str
    reason: str
    next_step: str

    def __str__(self) -> str:
        return f"{self.reason} ({self.next_step})"


@dataclass(frozen=True, slots=True)
class Freeze:
    """A window in which some actions are blocked (empty environments = all)."""

    name: str
    start: datetime
    end: datetime
    environments: frozenset[str] = frozenset()
    actions: frozenset[Action] = PROMOTING
    reason: str = ""

    def blocks(self, environment: str, action: Action, now: datetime) -> bool:
        in_window = self.start <= now < self.end
        env_ok = not self.environments or environment in self.environments
        return in_window and env_ok and action in self.actions


@dataclass(frozen=True, slots=True)
class EnvironmentRules:
    """Per-environment settings: read-only, and whether confirming needs the service name."""

    name: str
    read_only: bool = False
    type_to_confirm: bool | None = None  # None: production-tier by name


@dataclass(frozen=True, slots=True)
class ActionRules:
    """Every rule the action path checks, assembled from flags and config."""

    read_only: str = ""  # why the whole cockpit is read-only ("--read-only"), "" if it is not
    environments: Mapping[str, EnvironmentRules] = field(default_factory=dict)
    freezes: tuple[Freeze, ...] = ()
    policies: tuple[Policy, ...] = ()
    config_name: str = "the config file"

    def type_to_confirm(self, environment: str) -> bool:
        rules = self.environments.get(environment)
        if rules is not None and rules.type_to_confirm is not None:
            return rules.type_to_confirm
        return environment.lower() in PRODUCTION_NAMES

    def confirmation(self, release: Release, action: Action) -> tuple[bool, str]:
        """Whether confirming ``action`` needs the service's name typed, and why.

        Production-tier environments always do; so does moving a failing or inconclusive
        release on (promote, resume, retry, approve) in any environment, whatever the
        environment's ``type_to_confirm`` says, because that is the press that ships a bad
        canary.
        """
        verdict, _ = health_warning(release)
        if action in MOVES_ON and verdict in TYPED_WHEN:
            return True, f"{release.service} is {verdict}"
        if self.type_to_confirm(release.environment):
            return True, f"{release.environment} is production-tier"
        return False, ""

    def read_only_for(self, environment: str) -> bool:
        rules = self.environments.get(environment)
        return bool(self.read_only) or (rules is not None and rules.read_only)

    def check(
        self, release: Release, action: Action, offered: frozenset[Action], now: datetime
    ) -> Refusal | None:
        """The first rule that refuses ``action`` on ``release``, or None when it may run."""
        name = TITLES[action].lower()
        if self.read_only:
            return Refusal(
                "read-only",
                f"the cockpit is read-only ({self.read_only}); {name} is not available",
                "start it without --read-only, and with read_only = false under [cockpit]",
            )
        env = self.environments.get(release.environment)
        if env is not None and env.read_only:
            return Refusal(
                "read-only environment",
                f"environment {release.environment} is read-only in this cockpit",
                f"set read_only = false under [environments.{release.environment}] in "
                f"{self.config_name}, or act with the backend's own tools",
            )
        if action not in offered:
            return Refusal(
                "not supported",
                f"the backends of {release.service} cannot {name}",
                "only the actions listed in the actions menu (x) are available for it",
            )
        why = not_applicable(release, action)
        if why is not None:
            return Refusal("not applicable", f"{name} does nothing now: {why}", "refresh (r)")
        for freeze in self.freezes:
            if freeze.blocks(release.environment, action, now):
                because = f" ({freeze.reason})" if freeze.reason else ""
                until = freeze.end.strftime("%Y-%m-%d %H:%MZ")
                return Refusal(
                    f"freeze '{freeze.name}'",
                    f"{name} is blocked by the freeze '{freeze.name}'{because} until {until}",
                    "abort, roll back and pause stay available; to promote anyway, change "
                    f"[[freezes]] in {self.config_name}",
                )
        return self._policy_refusal(release, action, name)

    def _policy_refusal(self, release: Release, action: Action, name: str) -> Refusal | None:
        policy = choose_policy(self.policies, release.release_type, release.environment)
        if policy is None or action not in policy.require_checklist:
            return None
        checklist = release.checklist
        if checklist is None:
            return Refusal(
                f"policy '{policy.name}'",
                f"policy '{policy.name}' requires a readiness checklist before {name}, "
                f"and {release.service} has none configured",
                f"add [[services.{release.key}.checklist]] items in {self.config_name}",
            )
        if checklist.complete:
            return None
        missing = ", ".join(f"'{m}'" for m in checklist.missing())
        return Refusal(
            f"policy '{policy.name}'",
            f"policy '{policy.name}' requires the readiness checklist complete before "
            f"{name}: {checklist.summary}, missing {missing}",
            "open the release (enter) and press c to tick the manual items; automatic "
            "items pass by themselves once their check passes",
        )
