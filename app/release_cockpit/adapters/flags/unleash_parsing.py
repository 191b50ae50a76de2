"""Unleash admin API: flag state per environment, and the requests that switch a flag.

- ``GET /api/admin/projects/{project}/features``: every flag of a project with
  ``environments[{name, enabled}]`` (one request per poll for all release lines of a project;
  no strategies in this list, so no rollout percentage).
- ``GET /api/admin/projects/{project}/features/{feature}``: one flag with
  ``environments[{name, enabled, strategies[]}]``; a ``flexibleRollout`` strategy carries
  ``parameters.rollout`` (0-100, a number or a numeric string).
- ``POST /api/admin/projects/{p}/features/{f}/environments/{env}/on`` (or ``/off``): 200 with
  an empty body; re-read the flag to confirm.
- Errors: JSON ``{id, name, message, details?}``.
Docs: https://docs.getunleash.io/reference/api/unleash (admin API; the legacy page
"/api/admin/projects/:projectId" documents the examples used in the tests) and
https://docs.getunleash.io/reference/activation-strategies
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.flags.flag_text import switch_effect
from release_cockpit.adapters.payload import as_dict, as_list, as_str, parse_time, require_dict
from release_cockpit.domain.flags import FlagSource, FlagState
from release_cockpit.errors import BadResponse


def _segment(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"the Unleash {what} cannot be empty")
    return quote(value, safe="")


def features_path(project: str) -> str:
    """``/api/admin/projects/{project}/features``.

    Raises:
        ValueError: an empty project.
    """
    return f"/api/admin/projects/{_segment(project, 'project')}/features"


def feature_path(project: str, feature: str) -> str:
    """``/api/admin/projects/{project}/features/{feature}``.

    Raises:
        ValueError: an empty project or feature.
    """
    return f"{features_path(project)}/{_segment(feature, 'feature')}"


@dataclass(frozen=True, slots=True)
class SwitchRequest:
    """A request that turns a flag on or off, with the text the confirmation shows."""

    method: str
    path: str
    on: bool
    effect: str


def switch_request(
    project: str, feature: str, environment: str, on: bool, rollout: str = ""
) -> SwitchRequest:
    """``POST .../features/{f}/environments/{env}/on`` (or ``/off``); no body.

    ``rollout`` is the flag's current rollout text (``on for 25%``), quoted in the effect
    so that "on" is not read as "on for everyone".

    Raises:
        ValueError: an empty project, feature or environment.
    """
    path = (
        f"{feature_path(project, feature)}/environments/"
        f"{_segment(environment, 'environment')}/{'on' if on else 'off'}"
    )
    return SwitchRequest("POST", path, on, switch_effect(feature, environment, on, rollout))


def _rollout_percent(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    if number is None or not 0 <= number <= 100:
        return None
    return number


def rollout_text(enabled: object, strategies: object) -> str:
    """Who gets a flag in one environment, in words.

    ``enabled`` must be a real boolean; ``strategies`` None means the answer did not say
    (the project list). Strategies are ORed: any ``default`` strategy, or a
    ``flexibleRollout`` at 100% without constraints, means everyone.
    """
    if enabled is False:
        return "off for everyone"
    if enabled is not True:
        return ""
    if not isinstance(strategies, list):
        return ""
    active = [as_dict(s) for s in strategies if as_dict(s) and not as_dict(s).get("disabled")]
    if not active:
        return "on, but no strategy selects anyone"
    percents: list[float] = []
    partial = False
    for strategy in active:
        name = as_str(strategy.get("name"), 80)
        constrained = bool(as_list(strategy.get("constraints"))) or bool(
            as_list(strategy.get("segments"))
        )
        if name == "default" and not constrained:
            return "on for everyone"
        if name in (
            "flexibleRollout",
            "gradualRolloutRandom",
            "gradualRolloutUserId",
            "gradualRolloutSessionId",
        ):
            parameters = as_dict(strategy.get("parameters"))
            percent = _rollout_percent(parameters.get("rollout", parameters.get("percentage")))
            if percent is None:
                partial = True
            elif percent >= 100 and not constrained:
                return "on for everyone"
            elif constrained:
                partial = True
            else:
                percents.append(percent)
        else:
            partial = True
    if percents and not partial:
        return f"on for {max(percents):g}%"
    if percents:
        return f"on for {max(percents):g}% and some users"
    return "on for some users"


def _environment_state(
    feature: Mapping[str, Any], environment: Mapping[str, Any], source_has_strategies: bool
) -> FlagState:
    enabled = environment.get("enabled")
    on = enabled if isinstance(enabled, bool) else None
    strategies = environment.get("strategies") if source_has_strategies else None
    return FlagState(
        key=as_str(feature.get("name"), 200),
        environment=as_str(environment.get("name"), 100),
        on=on,
        rollout=rollout_text(enabled, strategies),
        reason="stale" if feature.get("stale") is True else "",
        updated_at=parse_time(environment.get("lastSeenAt") or feature.get("lastSeenAt")),
        source=FlagSource.UNLEASH,
    )


def parse_project_features(payload: object) -> dict[str, dict[str, FlagState]]:
    """``GET /api/admin/projects/{project}/features`` -> ``{flag: {environment: state}}``.

    ``updated_at`` is when an SDK last reported using the flag (``lastSeenAt``), the only
    time this list carries; None when never seen.

    Raises:
        BadResponse: an error body or no ``features`` list.
    """
    body = require_dict(payload, "Unleash features")
    check_error(body)
    features = body.get("features")
    if not isinstance(features, list):
        raise BadResponse("Unleash answer has no 'features' list", hint="check the project id")
    found: dict[str, dict[str, FlagState]] = {}
    for feature in features:
        if not isinstance(feature, dict) or not as_str(feature.get("name")):
            continue
        states = {}
        for environment in as_list(feature.get("environments")):
            if isinstance(environment, dict) and as_str(environment.get("name")):
                state = _environment_state(feature, environment, source_has_strategies=False)
                states[state.environment] = state
        found[as_str(feature.get("name"), 200)] = states
    return found


def parse_feature(payload: object) -> dict[str, FlagState]:
    """``GET /api/admin/projects/{project}/features/{feature}`` -> ``{environment: state}``
    with the rollout read from each environment's strategies.

    Raises:
        BadResponse: an error body or not a flag.
    """
    body = require_dict(payload, "Unleash feature")
    check_error(body)
    if not as_str(body.get("name")):
        raise BadResponse("Unleash answer is not a feature flag", hint="check the flag name")
    states: dict[str, FlagState] = {}
    for environment in as_list(body.get("environments")):
        if isinstance(environment, dict) and as_str(environment.get("name")):
            state = _environment_state(body, environment, source_has_strategies=True)
            states[state.environment] = state
    return states


def flag_state(
    features: Mapping[str, Mapping[str, FlagState]], key: str, environment: str
) -> FlagState:
    """One flag in one environment; a flag or environment not in the answer is unknown."""
    found = features.get(key, {}).get(environment)
    if found is not None:
        return found
    what = "flag" if key not in features else "environment"
    return FlagState(
        key, environment, error=f"{what} not found in Unleash", source=FlagSource.UNLEASH
    )


def error_text(payload: object) -> str:
    """Unleash's ``{id, name, message, details[]}`` error as one line; "" if not one."""
    body = as_dict(payload)
    message = as_str(body.get("message"), 300)
    if not message:
        return ""
    name = as_str(body.get("name"), 80)
    details = [as_str(as_dict(d).get("message") or d, 200) for d in as_list(body.get("details"))]
    text = f"{name}: {message}" if name else message
    extra = "; ".join(d for d in details if d and d != message)
    return f"{text} ({extra})" if extra else text


def check_error(payload: object) -> None:
    """Raise for an error body.

    Raises:
        BadResponse: the body is Unleash's error shape.
    """
    body = as_dict(payload)
    if "message" in body and "features" not in body and "environments" not in body:
        raise BadResponse(
            f"Unleash refused: {error_text(body) or 'no message'}",
            hint="check the admin token (Authorization header, no Bearer) and the project",
        )
