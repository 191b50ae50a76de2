"""The demo company's feature flags: which line each guards, and their state per environment.

One board stands behind two wire formats, as one flag system would: the Unleash admin API
(``/unleash``: read a feature, switch it on or off per environment) and an OFREP endpoint
(``/flagd``: bulk evaluation for one context, read-only), so the demo shows a kill switch
that works and a flag the cockpit can only read. Pure state and payloads; the routes in
``flag_routes`` hold the world's lock while they use it.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PROJECT = "shop"
ENVIRONMENTS = ("development", "production")
CREATED_AT = "2026-10-05T09:12:44.120Z"


@dataclass(frozen=True, slots=True)
class DemoFlag:
    """A boolean release flag guarding one line, rolled out to ``percent`` of users in
    every environment by a ``flexibleRollout`` strategy."""

    name: str
    service: str
    percent: int
    via: str
    """The backend the demo config reads it through: "unleash" (switchable) or "flagd"
    (OFREP, read-only)."""


FLAGS = (
    DemoFlag("checkout-v2", "web-shop", 25, "unleash"),
    DemoFlag("search-suggestions", "web-search", 100, "flagd"),
)


def flags_of(service: str) -> tuple[DemoFlag, ...]:
    """The flags guarding a line, in the order its config lists them."""
    return tuple(flag for flag in FLAGS if flag.service == service)


class FlagBoard:
    """Every flag of the lines in the world, on or off per environment."""

    def __init__(self, services: Iterable[str]) -> None:
        present = set(services)
        self.flags = {flag.name: flag for flag in FLAGS if flag.service in present}
        self.enabled = {(name, env): True for name in self.flags for env in ENVIRONMENTS}
        self.changes = 0

    def switch(self, name: str, environment: str, on: bool) -> bool:
        """Turn a flag on or off in one environment; False when either is unknown."""
        if (name, environment) not in self.enabled:
            return False
        if self.enabled[(name, environment)] != on:
            self.enabled[(name, environment)] = on
            self.changes += 1
        return True

    def feature(self, name: str) -> dict[str, Any] | None:
        """``GET /api/admin/projects/{project}/features/{name}``, as Unleash answers it."""
        flag = self.flags.get(name)
        if flag is None:
            return None
        return {
            "archived": False,
            "createdAt": CREATED_AT,
            "description": f"New {flag.name.split('-')[0]} experience for {flag.service}",
            "environments": [
                {
                    "enabled": self.enabled[(name, env)],
                    "name": env,
                    "type": env,
                    "sortOrder": index,
                    "strategies": [_strategy(flag, env)],
                }
                for index, env in enumerate(ENVIRONMENTS)
            ],
            "lastSeenAt": None,
            "name": flag.name,
            "project": PROJECT,
            "stale": False,
            "type": "release",
            "variants": [],
        }

    def projects(self) -> dict[str, Any]:
        """``GET /api/admin/projects``."""
        return {
            "version": 1,
            "projects": [
                {
                    "id": PROJECT,
                    "name": "Shop",
                    "description": "The web shop",
                    "featureCount": len(self.flags),
                    "memberCount": 4,
                    "health": 100,
                    "updatedAt": CREATED_AT,
                }
            ],
        }

    def evaluate(self, context: dict[str, Any]) -> dict[str, Any]:
        """``POST /ofrep/v1/evaluate/flags``: every flag for one context, in production.

        A partial rollout needs a targeting key (``TARGETING_KEY_MISSING`` without one) and
        buckets it as a percentage rollout does; a full one is the same for everyone.
        """
        key = context.get("targetingKey")
        items: list[dict[str, Any]] = []
        for flag in self.flags.values():
            on = self.enabled[(flag.name, "production")]
            if not on:
                items.append(_success(flag.name, False, "DISABLED", "off"))
            elif flag.percent >= 100:
                items.append(_success(flag.name, True, "STATIC", "on"))
            elif not isinstance(key, str) or not key:
                items.append(
                    {
                        "key": flag.name,
                        "errorCode": "TARGETING_KEY_MISSING",
                        "errorDetails": "a percentage rollout needs a targetingKey",
                    }
                )
            else:
                bucket = zlib.crc32(f"{flag.name}:{key}".encode()) % 100
                hit = bucket < flag.percent
                items.append(_success(flag.name, hit, "SPLIT", "on" if hit else "off"))
        return {"flags": items, "metadata": {"version": str(self.changes)}}


def _strategy(flag: DemoFlag, environment: str) -> dict[str, Any]:
    return {
        "constraints": [],
        "id": _uuid(f"{flag.name}/{environment}"),
        "name": "flexibleRollout",
        # Current Unleash sends strategy parameters as strings.
        "parameters": {"groupId": flag.name, "rollout": str(flag.percent), "stickiness": "default"},
        "segments": [],
        "sortOrder": 0,
    }


def _uuid(seed: str) -> str:
    raw = hashlib.md5(seed.encode()).hexdigest()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"


def _success(key: str, value: bool, reason: str, variant: str) -> dict[str, Any]:
    return {"key": key, "value": value, "reason": reason, "variant": variant, "metadata": {}}
