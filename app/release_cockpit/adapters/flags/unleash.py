"""Unleash as a flag source: a feature's state per environment, and on/off per environment.

Reads ``GET /api/admin/projects/{project}/features/{feature}`` once per flag per poll (a
conditional GET): every environment of the flag with its strategies, so one request
serves every line guarded by that flag and the panel can say "on for 25%" (the project
list has no strategies, so no percentage). Switches with ``POST .../environments/{env}/on``
or ``/off``, which answers 200 with an empty body; the next poll shows the effect.

Auth: the admin or personal access token goes in ``Authorization`` as it is, without
"Bearer" (https://docs.getunleash.io/reference/api/unleash). Wire shapes and their sources
are in ``unleash_parsing``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, FlagSource, Offer
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.flags.unleash_parsing import (
    error_text,
    feature_path,
    parse_feature,
    switch_request,
)
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed
from release_cockpit.adapters.payload import as_dict, as_list
from release_cockpit.domain import Action, Target, TargetKey
from release_cockpit.domain.actions import ActionWords
from release_cockpit.domain.flags import FlagState
from release_cockpit.errors import ActionFailed, AdapterError, NotFound

DEFAULT_PROJECT = "default"
_REFUSALS = frozenset({400, 404, 409})
"""Statuses of a switch whose body says why (a 409: the environment has no strategy)."""


def _project(target: Target) -> str:
    return target.get("project") or DEFAULT_PROJECT


class Unleash(FlagSource):
    """Unleash feature flags per environment through the admin API; switches them on and off."""

    TYPE: ClassVar[str] = "unleash"
    http: HttpClient
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("flag", "the feature flag's name", True, "checkout-v2"),
        TargetKey(
            "environment",
            "the Unleash environment (default: the line's environment)",
            False,
            "production",
        ),
        TargetKey("project", f"the Unleash project (default: {DEFAULT_PROJECT})", False, "shop"),
    )
    OPTIONS: ClassVar[dict[str, OptionSpec]] = dict(HTTP_OPTIONS)
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset({Action.FLAG_OFF, Action.FLAG_ON})

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        headers = {"Accept": "application/json"}
        if settings.token:
            headers["Authorization"] = settings.token  # Unleash takes the token as is
        self.http = HttpClient(settings, headers=headers, transport=transport)

    async def _feature(self, project: str, flag: str) -> dict[str, FlagState]:
        with attributed(self.name):
            answer = await self.http.get_json(feature_path(project, flag), conditional=True)
            return parse_feature(answer.data)

    async def flags(self, targets: Sequence[Target]) -> dict[Target, FlagState | AdapterError]:
        """One read per flag, for all its environments; an environment the flag lacks is a
        NotFound for its own target."""
        features = sorted({(_project(t), t.get("flag")) for t in targets})
        answers = await asyncio.gather(
            *(self._feature(project, flag) for project, flag in features), return_exceptions=True
        )
        read: dict[tuple[str, str], Mapping[str, FlagState] | AdapterError] = {}
        for feature, answer in zip(features, answers, strict=True):
            if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
                raise answer
            read[feature] = answer
        found: dict[Target, FlagState | AdapterError] = {}
        for target in targets:
            project, flag, environment = (
                _project(target),
                target.get("flag"),
                target.get("environment"),
            )
            read_one = read[(project, flag)]
            if isinstance(read_one, AdapterError):
                found[target] = read_one
                continue
            state = read_one.get(environment)
            found[target] = state or NotFound(
                f"flag {flag} has no environment {environment!r} in Unleash project {project}",
                backend=self.name,
                hint=f"its environments: {', '.join(sorted(read_one)) or 'none'}; set "
                "environment in [[services.KEY.flags]]",
            )
        return found

    def offer(self, target: Target) -> Offer:
        return self.offer_if_named(target, ("flag", "environment"))

    def switch_words(self, action: Action, flag: FlagState, target: Target) -> ActionWords:
        on = action is Action.FLAG_ON
        project, environment = _project(target), target.get("environment")
        request = switch_request(project, target.get("flag"), environment, on, flag.rollout)
        known = "" if flag.on is not None else " (its state now is unknown)"
        return ActionWords(
            target=f"flag {target.get('flag')} in {environment} (Unleash project {project})",
            current=flag.summary,
            goal="on as its strategies say" if on else "off for everyone",
            effect=f"{request.effect}{known}",
        )

    async def act(self, action: Action, target: Target) -> ActionResult:
        """``POST .../environments/{env}/on`` or ``/off``.

        Raises:
            ActionFailed: not a flag action, or Unleash refused (the flag or environment
                does not exist, no strategy to enable).
            AdapterError: any other failure.
        """
        if action not in self.offer(target).actions:
            raise self.unable(action, f"flag {target.get('flag')}")
        on = action is Action.FLAG_ON
        project, flag, environment = _project(target), target.get("flag"), target.get("environment")
        request = switch_request(project, flag, environment, on)
        sent = f"{request.method} {request.path}"
        with attributed(self.name):
            response = await self.http.send(request.method, request.path, allow=_REFUSALS)
            if response.status_code in _REFUSALS:
                why = error_text(_json(self.http, response)) or f"HTTP {response.status_code}"
                raise ActionFailed(
                    f"Unleash refused to turn {flag} {'on' if on else 'off'} in {environment}: "
                    f"{why}",
                    backend=self.name,
                    hint="check the flag, project and environment in [[services.KEY.flags]]"
                    + ("; an environment needs a strategy before it can be enabled" if on else ""),
                )
        word = "on" if on else "off"
        return ActionResult(action, True, f"Unleash turned {flag} {word} in {environment}", (sent,))

    async def probe(self) -> ProbeResult:
        """``GET /api/admin/projects``: reachable, the token accepted, how many projects.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json("/api/admin/projects")
            projects = as_list(as_dict(answer.data).get("projects"))
            return f"{len(projects)} Unleash project{'' if len(projects) == 1 else 's'} visible"

        return await run_probe(self.http, check)


def _json(http: HttpClient, response: httpx.Response) -> object:
    """The body of a refusal as JSON, or None when it is not (a proxy's page)."""
    try:
        return http.decode(response)
    except AdapterError:
        return None
