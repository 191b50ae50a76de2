"""LaunchDarkly as a flag source: a flag's state per environment; on/off by semantic patch.

Reads ``GET /api/v2/flags/{projectKey}/{flagKey}?env={env}`` once per flag and environment
per poll (a conditional GET; the ``environments`` map is filled only for the environment
asked for). A release config names a handful of flags, so this costs fewer requests than
listing a project's flags page by page. Switches with ``PATCH`` and the semantic patch
instructions ``turnFlagOn`` / ``turnFlagOff`` for one environment, which answers 200 with the
whole flag: its new state is read from that answer and confirmed by the next poll.

Auth: an access token in ``Authorization`` as it is, without "Bearer"; the API version is
pinned with ``LD-API-Version`` (https://launchdarkly.com/docs/api, "Authentication" and
"Versioning"). Wire shapes and their sources are in ``launchdarkly_parsing``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, FlagSource, Offer
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.flags.launchdarkly_parsing import (
    API_VERSION,
    API_VERSION_HEADER,
    error_for,
    flag_path,
    parse_flag,
    switch_request,
)
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed
from release_cockpit.adapters.http_errors import header_int
from release_cockpit.adapters.payload import as_dict, as_list
from release_cockpit.domain import Action, Target, TargetKey
from release_cockpit.domain.actions import ActionWords
from release_cockpit.domain.flags import FlagState
from release_cockpit.errors import AdapterError

_REFUSALS = frozenset({400, 404, 409})
"""Statuses of a patch whose ``{code, message}`` body says why (409: changed meanwhile)."""
COMMENT = "release-cockpit: {what} (kill switch of a release)"


class LaunchDarkly(FlagSource):
    """LaunchDarkly feature flags per environment (REST API v2); switches them on and off."""

    TYPE: ClassVar[str] = "launchdarkly"
    http: HttpClient
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("project", "the LaunchDarkly project key", True, "default"),
        TargetKey("flag", "the flag key", True, "checkout-v2"),
        TargetKey(
            "environment",
            "the LaunchDarkly environment key (default: the line's environment)",
            False,
            "production",
        ),
    )
    OPTIONS: ClassVar[dict[str, OptionSpec]] = dict(HTTP_OPTIONS)
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset({Action.FLAG_OFF, Action.FLAG_ON})

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        headers = {"Accept": "application/json", API_VERSION_HEADER: API_VERSION}
        if settings.token:
            headers["Authorization"] = settings.token  # no "Bearer": LaunchDarkly's own scheme
        self.http = HttpClient(settings, headers=headers, transport=transport)
        self._remaining: int | None = None

    def rate_limit_remaining(self) -> int | None:
        """The tighter of LaunchDarkly's route and global quotas, from the last read (its
        ``X-Ratelimit-Route-Remaining`` / ``-Global-Remaining``, not the usual header)."""
        return self._remaining

    def _track_quota(self, headers: httpx.Headers) -> None:
        left = [
            header_int(headers, name)
            for name in ("x-ratelimit-route-remaining", "x-ratelimit-global-remaining")
        ]
        known = [n for n in left if n is not None]
        if known:
            self._remaining = min(known)

    async def _flag(self, target: Target) -> FlagState:
        environment = target.get("environment")
        with attributed(self.name):
            answer = await self.http.get_json(
                flag_path(target.get("project"), target.get("flag")),
                params={"env": environment},
                conditional=True,
            )
            self._track_quota(answer.headers)
            return parse_flag(answer.data, environment)

    async def flags(self, targets: Sequence[Target]) -> dict[Target, FlagState | AdapterError]:
        """One read per flag and environment."""
        unique = list(dict.fromkeys(targets))
        answers = await asyncio.gather(*(self._flag(t) for t in unique), return_exceptions=True)
        found: dict[Target, FlagState | AdapterError] = {}
        for target, answer in zip(unique, answers, strict=True):
            if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
                raise answer
            found[target] = answer
        return found

    def offer(self, target: Target) -> Offer:
        return self.offer_if_named(target, ("project", "flag", "environment"))

    def switch_words(self, action: Action, flag: FlagState, target: Target) -> ActionWords:
        on = action is Action.FLAG_ON
        project, key, environment = (
            target.get("project"),
            target.get("flag"),
            target.get("environment"),
        )
        request = switch_request(project, key, environment, on, rollout=flag.rollout)
        instruction = "turnFlagOn" if on else "turnFlagOff"
        known = "" if flag.on is not None else " (its state now is unknown)"
        return ActionWords(
            target=f"flag {key} in {environment} (LaunchDarkly project {project})",
            current=flag.summary,
            goal="on: its targeting and default rule serve again" if on else "off for everyone",
            effect=f"{request.effect}{known} (semantic patch {instruction})",
        )

    async def act(self, action: Action, target: Target) -> ActionResult:
        """``PATCH`` the flag with ``turnFlagOn``/``turnFlagOff`` in one environment.

        Raises:
            ActionFailed: not a flag action, or LaunchDarkly refused (409: the flag changed
                meanwhile; 404: no such flag or environment).
            AdapterError: any other failure.
        """
        if action not in self.offer(target).actions:
            raise self.unable(action, f"flag {target.get('flag')}")
        on = action is Action.FLAG_ON
        project, key, environment = (
            target.get("project"),
            target.get("flag"),
            target.get("environment"),
        )
        what = f"turn {key} {'on' if on else 'off'} in {environment}"
        request = switch_request(project, key, environment, on, comment=COMMENT.format(what=what))
        sent = f"{request.method} {request.path}"
        with attributed(self.name):
            response = await self.http.send(
                request.method,
                request.path,
                content=json.dumps(request.body).encode(),
                headers=request.headers,
                allow=_REFUSALS,
            )
            payload = _json(self.http, response)
            if response.status_code in _REFUSALS:
                raise error_for(response.status_code, payload)
        try:
            state = parse_flag(payload, environment)
        except AdapterError:  # accepted all the same; the next poll reads the flag
            state = None
        now = f": now {state.summary}" if state is not None and state.on is not None else ""
        return ActionResult(
            action,
            True,
            f"LaunchDarkly accepted {'turnFlagOn' if on else 'turnFlagOff'}"
            f" for {key} in {environment}{now}",
            (sent,),
        )

    async def probe(self) -> ProbeResult:
        """``GET /api/v2/projects?limit=1``: reachable, the token accepted, how many projects.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json("/api/v2/projects", params={"limit": 1})
            body = as_dict(answer.data)
            total = body.get("totalCount")
            count = total if isinstance(total, int) else len(as_list(body.get("items")))
            return f"{count} LaunchDarkly project{'' if count == 1 else 's'} visible"

        return await run_probe(self.http, check)


def _json(http: HttpClient, response: httpx.Response) -> object:
    """The body as JSON, or None when it is not (a proxy's page)."""
    try:
        return http.decode(response)
    except AdapterError:
        return None
