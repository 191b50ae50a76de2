"""OpenFeature Remote Evaluation Protocol (OFREP) as a read-only flag source.

One bulk evaluation per poll serves every flag of every release line: ``POST
/ofrep/v1/evaluate/flags`` with the configured evaluation context and ``If-None-Match``,
so a poll of flags that did not change costs a 304 with no body. flagd, GO Feature Flag,
Flipt, Flagsmith and others serve OFREP; the spec is open-feature/protocol
``service/openapi.yaml`` (https://openfeature.dev/docs/reference/other-technologies/ofrep/openapi/).

OFREP evaluates flags, it does not manage them: there is no verb to switch a flag, so this
adapter offers no actions and says why in the actions menu. Authentication is
vendor-specific: ``Authorization: Bearer`` or ``X-API-Key`` (the spec's two security
schemes), chosen with ``auth_header``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import Feature, FlagSource, Offer
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.flags.ofrep_parsing import (
    BULK_PATH,
    BulkAnswer,
    ErrorCode,
    bulk_headers,
    evaluation_body,
    parse_bulk,
)
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed
from release_cockpit.domain import Target, TargetKey
from release_cockpit.domain.flags import FlagState
from release_cockpit.errors import AdapterError, BadResponse, ConfigError, NotFound

AUTH_HEADERS = ("authorization", "x-api-key")
READ_ONLY_NOTE = (
    "no flag off or flag on for {flag}: OFREP only evaluates flags. Switch it where "
    "{backend}'s flags are defined (flagd's flag files, GO Feature Flag's retriever, Flipt), "
    "or read it through unleash or launchdarkly"
)


class Ofrep(FlagSource):
    """Feature flags evaluated through OFREP (flagd, GO Feature Flag, Flipt...); read-only."""

    TYPE: ClassVar[str] = "ofrep"
    http: HttpClient
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("flag", "the flag's key as the OFREP server knows it", True, "checkout-v2"),
    )
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "targeting_key": OptionSpec(
            str,
            "the targetingKey the cockpit evaluates flags as: a fixed identity, never a real "
            "user (a percentage rollout needs one)",
            "release-cockpit",
        ),
        "context": OptionSpec(
            dict,
            "other attributes of the evaluation context, e.g. { environment = "
            '"production" } for servers whose rules target by attribute',
            {},
        ),
        "auth_header": OptionSpec(
            str,
            'how the token is sent: "authorization" (Authorization: Bearer) or '
            '"x-api-key" (X-API-Key), whichever the OFREP server asks for',
            "authorization",
        ),
    }
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING})

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        how = str(self.options["auth_header"]).strip().lower()
        problems = []
        if how not in AUTH_HEADERS:
            problems.append(
                settings.problem(
                    "auth_header",
                    f"'{how}' is not one of {', '.join(AUTH_HEADERS)}",
                    self.OPTIONS["auth_header"].help,
                )
            )
        context = self.options["context"]
        for key, value in context.items() if isinstance(context, Mapping) else ():
            # Flat attributes are what targeting rules match on; a nested table is most
            # likely a TOML slip (a dotted key), so it is refused rather than sent.
            if not isinstance(value, str | int | float | bool):
                problems.append(
                    settings.problem(
                        f"context.{key}",
                        f"expected a string, number or boolean, got {type(value).__name__}",
                        'each context attribute is one value, e.g. environment = "production"',
                    )
                )
        if problems:
            raise ConfigError(problems)
        headers = {"Accept": "application/json"}
        if settings.token:
            if how == "x-api-key":
                headers["X-API-Key"] = settings.token
            else:
                headers["Authorization"] = f"Bearer {settings.token}"
        self.http = HttpClient(settings, headers=headers, transport=transport)
        self.body = evaluation_body(
            str(self.options["targeting_key"]), context if isinstance(context, Mapping) else {}
        )
        self._last: BulkAnswer | None = None

    async def _evaluate(self) -> BulkAnswer:
        """The bulk evaluation, or the last one when the server says nothing changed."""
        etag = self._last.etag if self._last is not None else None
        with attributed(self.name):
            response = await self.http.send(
                "POST",
                BULK_PATH,
                json=self.body,
                headers=bulk_headers(etag),
                # A 400 carries OFREP's own {errorCode, errorDetails}: read it here.
                allow=frozenset({400}),
                safe=True,  # an evaluation changes nothing: retried like a GET
            )
            if response.status_code == 304:
                if self._last is None:
                    raise BadResponse(
                        f"{self.name} answered 304 Not Modified to a request without an ETag",
                        backend=self.name,
                        hint="the OFREP server or a proxy mishandles If-None-Match",
                    )
                return self._last
            answer = parse_bulk(
                self.http.decode(response), response.status_code, response.headers.get("etag")
            )
        self._last = answer
        return answer

    async def flags(self, targets: Sequence[Target]) -> dict[Target, FlagState | AdapterError]:
        """One bulk evaluation for every target; a flag the server does not know (absent,
        or failed with FLAG_NOT_FOUND) is a NotFound for its own target."""
        try:
            answer = await self._evaluate()
        except AdapterError as exc:
            return dict.fromkeys(targets, exc)
        by_key = {item.key: item for item in answer.flags}
        found: dict[Target, FlagState | AdapterError] = {}
        for target in targets:
            key = target.get("flag")
            item = by_key.get(key)
            if item is None or item.error_code is ErrorCode.FLAG_NOT_FOUND:
                found[target] = NotFound(
                    f"flag {key} is not in {self.name}'s evaluation",
                    backend=self.name,
                    hint="check the flag key in [[services.KEY.flags]] against the OFREP server",
                )
                continue
            found[target] = item.state()
        return found

    def offer(self, target: Target) -> Offer:
        note = READ_ONLY_NOTE.format(flag=target.get("flag") or "the flag", backend=self.name)
        return Offer(frozenset(), note)

    async def probe(self) -> ProbeResult:
        """One bulk evaluation: reachable, authorised, and how many flags it evaluates.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self._evaluate()
            failed = sum(1 for item in answer.flags if not item.ok)
            extra = f" ({failed} failed to evaluate)" if failed else ""
            return f"OFREP evaluates {len(answer.flags)} flags{extra}"

        return await run_probe(self.http, check)
