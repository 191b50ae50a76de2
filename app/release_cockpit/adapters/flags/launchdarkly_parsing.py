"""LaunchDarkly REST API v2: flag state per environment and semantic-patch switches.

- ``GET /api/v2/flags/{projectKey}?env={env}``: ``{items[], _links, totalCount}``; each flag's
  ``environments.<env>`` has ``on``, ``offVariation``, ``fallthrough{variation | rollout}``,
  ``_summary``, ``lastModified`` (epoch ms) and ``version``. The ``environments`` map is only
  filled for the environments the request names (``env``), so ask for the ones configured.
  One request per project and environment serves every release line (page with
  ``limit``/``offset``, follow ``_links.next``).
- ``PATCH /api/v2/flags/{projectKey}/{flagKey}`` with
  ``Content-Type: application/json; domain-model=launchdarkly.semanticpatch`` and
  ``{"environmentKey", "comment"?, "instructions": [{"kind": "turnFlagOn"}]}`` answers 200
  with the whole flag.
- Errors: ``{code, message}``: ``invalid_request`` 400, ``unauthorized`` 401, ``forbidden``
  403, ``not_found`` 404, ``optimistic_locking_error`` 409, ``rate_limited`` 429.
Docs: https://apidocs.launchdarkly.com/ (getFeatureFlags, patchFeatureFlag, "Rate limiting"),
https://launchdarkly.com/docs/home/releases/percentage-rollouts (weights in thousandths of a
percent: 100000 is 100%).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.flags.flag_text import switch_effect, value_text
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, require_dict
from release_cockpit.domain.flags import FlagSource, FlagState
from release_cockpit.errors import (
    ActionFailed,
    AdapterError,
    AuthError,
    BadResponse,
    NotFound,
    RateLimited,
)

SEMANTIC_PATCH_CONTENT_TYPE = "application/json; domain-model=launchdarkly.semanticpatch"
API_VERSION_HEADER = "LD-API-Version"
API_VERSION = "20240415"  # pinned so a new default version cannot change the answer's shape
_FULL_WEIGHT = 100_000  # rollout weights are thousandths of a percent


def _segment(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"the LaunchDarkly {what} cannot be empty")
    return quote(value, safe="")


def flags_path(project: str) -> str:
    """``/api/v2/flags/{projectKey}``.

    Raises:
        ValueError: an empty project key.
    """
    return f"/api/v2/flags/{_segment(project, 'project key')}"


def flag_path(project: str, flag: str) -> str:
    """``/api/v2/flags/{projectKey}/{flagKey}``.

    Raises:
        ValueError: an empty key.
    """
    return f"{flags_path(project)}/{_segment(flag, 'flag key')}"


def list_params(environment: str, limit: int = 100, offset: int = 0) -> dict[str, str]:
    """Query parameters for one page of the flag list in one environment.

    ``env`` is what fills ``environments.<env>`` (without it there is no on/off state). By
    default the list leaves out each environment's targets and rules (``_summary`` counts
    them), which keeps the page small. One request per environment and page.

    Raises:
        ValueError: an empty environment.
    """
    _segment(environment, "environment key")
    return {"env": environment, "limit": str(limit), "offset": str(offset)}


def _variation_values(flag: Mapping[str, Any]) -> list[object]:
    return [as_dict(v).get("value") for v in as_list(flag.get("variations"))]


def _served(values: list[object], index: object) -> object:
    i = as_int(index)
    return values[i] if i is not None and 0 <= i < len(values) else None


def _has_targeting(environment: Mapping[str, Any]) -> bool:
    """Rules or individual targets exist: some contexts get something else."""
    if as_list(environment.get("rules")) or as_list(environment.get("targets")):
        return True
    if as_list(environment.get("contextTargets")):
        return True
    for counts in as_dict(dig(environment, "_summary", "variations")).values():
        counts = as_dict(counts)
        if any(
            (as_int(counts.get(k)) or 0) > 0
            for k in ("rules", "nullRules", "targets", "contextTargets")
        ):
            return True
    return False


def rollout_text(flag: Mapping[str, Any], environment: Mapping[str, Any]) -> str:
    """Who gets the flag in one environment, in words (``on for 25%``).

    For a boolean flag, "on for N%" is the share of the default rule (fallthrough) that
    serves ``true``; " plus targeting" is added when rules or targets serve some contexts
    something else. For other flags, the split of the default rule by variation value.
    """
    on = environment.get("on")
    values = _variation_values(flag)
    if on is False:
        served = _served(values, environment.get("offVariation"))
        return (
            "off for everyone"
            if served in (False, None)
            else f"off, serving {value_text(served, 40)}"
        )
    if on is not True:
        return ""
    suffix = " plus targeting" if _has_targeting(environment) else ""
    fallthrough = as_dict(environment.get("fallthrough"))
    boolean = bool(values) and all(isinstance(v, bool) for v in values)
    rollout = as_dict(fallthrough.get("rollout"))
    if rollout:
        weights: dict[int, int] = {}
        for item in as_list(rollout.get("variations")):
            item = as_dict(item)
            index, weight = as_int(item.get("variation")), as_int(item.get("weight"))
            if index is not None and weight is not None and weight >= 0:
                weights[index] = weights.get(index, 0) + weight
        total = sum(weights.values())
        if total <= 0:
            return ""
        if boolean:
            share = sum(w for i, w in weights.items() if _served(values, i) is True)
            percent = 100.0 * share / total
            if percent >= 100:
                return f"on for everyone{suffix}"
            return f"on for {round(percent, 3):g}%{suffix}"
        parts = [
            f"{round(100.0 * w / total, 3):g}% {value_text(_served(values, i), 30)}"
            for i, w in sorted(weights.items())
            if w
        ]
        return "on, split " + ", ".join(parts) + suffix
    served = _served(values, fallthrough.get("variation"))
    if served is None:
        return ""
    if boolean:
        return (
            f"on for everyone{suffix}"
            if served is True
            else f"on, serving false by default{suffix}"
        )
    return f"on, serving {value_text(served, 40)} by default{suffix}"


def _millis(value: object) -> datetime | None:
    ms = as_int(value)
    if ms is None or ms <= 0:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000.0, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def flag_state(flag: Mapping[str, Any], environment: str) -> FlagState:
    """One flag in one environment; an environment the answer lacks is unknown, not off."""
    key = as_str(flag.get("key"), 200)
    env = as_dict(as_dict(flag.get("environments")).get(environment))
    if not env:
        return FlagState(
            key,
            environment,
            error="environment not in the answer (was it asked for with env=?)",
            source=FlagSource.LAUNCHDARKLY,
        )
    on = env.get("on")
    values = _variation_values(flag)
    served_index = env.get("offVariation") if on is False else dig(env, "fallthrough", "variation")
    served = _served(values, served_index)
    reason = "archived" if env.get("archived") is True or flag.get("archived") is True else ""
    return FlagState(
        key=key,
        environment=environment,
        on=on if isinstance(on, bool) else None,
        value=value_text(served) if served is not None else "",
        rollout=rollout_text(flag, env),
        reason=reason,
        updated_at=_millis(env.get("lastModified")),
        source=FlagSource.LAUNCHDARKLY,
    )


@dataclass(frozen=True, slots=True)
class FlagPage:
    """One page of the flag list: flags by key, and whether more pages follow."""

    flags: Mapping[str, Mapping[str, Any]]
    total: int | None = None
    next_path: str = ""


def parse_flags(payload: object) -> FlagPage:
    """``GET /api/v2/flags/{projectKey}`` -> flags by key (raw, for ``flag_state``).

    Raises:
        BadResponse: an error body or no ``items`` list.
    """
    body = require_dict(payload, "LaunchDarkly flags")
    check_error(body)
    items = body.get("items")
    if not isinstance(items, list):
        raise BadResponse("LaunchDarkly answer has no 'items' list", hint="check the project key")
    flags = {
        as_str(item.get("key"), 200): item
        for item in items
        if isinstance(item, dict) and as_str(item.get("key"))
    }
    next_href = as_str(dig(body, "_links", "next", "href"), 2000)
    return FlagPage(flags, as_int(body.get("totalCount")), next_href)


def parse_flag(payload: object, environment: str) -> FlagState:
    """``GET`` of one flag, or the 200 answer of a semantic patch, in one environment.

    Raises:
        BadResponse: an error body or not a flag.
    """
    body = require_dict(payload, "LaunchDarkly flag")
    check_error(body)
    if not as_str(body.get("key")):
        raise BadResponse("LaunchDarkly answer is not a flag", hint="check the flag key")
    return flag_state(body, environment)


@dataclass(frozen=True, slots=True)
class PatchRequest:
    """A semantic-patch request with the text the confirmation shows."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any] = field(default_factory=dict)
    effect: str = ""


def switch_request(
    project: str, flag: str, environment: str, on: bool, comment: str = "", rollout: str = ""
) -> PatchRequest:
    """``PATCH`` with ``turnFlagOn``/``turnFlagOff`` for one environment.

    Turning a flag off serves its off variation to everyone; turning it on restores its
    targeting (``rollout`` is the current text, quoted in the effect).

    Raises:
        ValueError: an empty key or environment.
    """
    _segment(environment, "environment key")
    body: dict[str, Any] = {
        "environmentKey": environment,
        "instructions": [{"kind": "turnFlagOn" if on else "turnFlagOff"}],
    }
    if comment:
        body["comment"] = comment
    headers = {"Content-Type": SEMANTIC_PATCH_CONTENT_TYPE, API_VERSION_HEADER: API_VERSION}
    return PatchRequest(
        "PATCH",
        flag_path(project, flag),
        headers,
        body,
        switch_effect(flag, environment, on, rollout),
    )


def error_for(status: int, payload: object) -> AdapterError:
    """LaunchDarkly's ``{code, message}`` as our error type.

    409 ``optimistic_locking_error`` means the flag changed under us: re-read it, show the
    new state, and let the person decide again rather than retrying blindly.
    """
    body = as_dict(payload)
    code = as_str(body.get("code"), 60)
    message = as_str(body.get("message"), 300)
    text = ": ".join(t for t in (code, message) if t) or f"HTTP {status}"
    if status in (401, 403) or code in ("unauthorized", "forbidden"):
        return AuthError(
            f"LaunchDarkly refused: {text}",
            hint="check the access token (Authorization header, no Bearer) and its role",
        )
    if status == 404 or code == "not_found":
        return NotFound(f"LaunchDarkly: {text}", hint="check the project and flag keys")
    if status == 409 or code == "optimistic_locking_error":
        return ActionFailed(
            f"LaunchDarkly: the flag changed while switching it ({text})",
            hint="refresh to see its new state, then decide again",
        )
    if status == 429 or code == "rate_limited":
        return RateLimited(f"LaunchDarkly: {text}")
    return BadResponse(f"LaunchDarkly failed ({status}): {text}")


def check_error(payload: object) -> None:
    """Raise for a ``{code, message}`` body found where data was expected.

    Raises:
        AdapterError: the body is LaunchDarkly's error shape.
    """
    body = as_dict(payload)
    if "code" in body and "message" in body and "items" not in body and "key" not in body:
        raise error_for(0, body)


def rate_limit_reset_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until ``X-Ratelimit-Reset`` (epoch **milliseconds**, unlike most APIs)."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    reset = as_int(lowered.get("x-ratelimit-reset", "").strip())
    if reset is None:
        return None
    return max(0.0, reset / 1000.0 - now)
