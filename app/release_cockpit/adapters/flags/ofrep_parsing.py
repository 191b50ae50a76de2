"""OpenFeature Remote Evaluation Protocol (OFREP): requests and answers as pure functions.

OFREP evaluates flags for one evaluation context; it is read-only (switching a flag happens
in the flag system behind it). Spec: open-feature/protocol ``service/openapi.yaml``,
rendered at https://openfeature.dev/docs/reference/other-technologies/ofrep/openapi/

- bulk: ``POST /ofrep/v1/evaluate/flags`` with ``{"context": {...}}`` and ``If-None-Match``;
  200 ``{flags[], metadata?, eventStreams?}`` with an ``ETag``, or 304 with no body when
  nothing changed. One request per poll serves every flag of every release line.
- one flag: ``POST /ofrep/v1/evaluate/flags/{key}``; 200 success, 400/404 failure.
- a flag item is a success (``key, value, reason, variant?, metadata?``) or a failure
  (``key, errorCode, errorDetails?``), also inside a 200 bulk answer.
- ``reason`` is an open set: the spec lists STATIC, TARGETING_MATCH, SPLIT, DISABLED,
  UNKNOWN; OpenFeature adds DEFAULT, CACHED, ERROR, and servers send those and others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.flags.flag_text import value_text
from release_cockpit.adapters.payload import as_dict, as_list, as_str
from release_cockpit.domain.flags import FlagSource, FlagState
from release_cockpit.errors import AdapterError, AuthError, BadResponse, NotFound, RateLimited

BULK_PATH = "/ofrep/v1/evaluate/flags"


def flag_path(key: str) -> str:
    """``/ofrep/v1/evaluate/flags/{key}``, the key percent-encoded.

    Raises:
        ValueError: an empty key (it would hit the bulk route or a router 404).
    """
    if not key.strip():
        raise ValueError("an OFREP flag key cannot be empty")
    return f"{BULK_PATH}/{quote(key, safe='')}"


def evaluation_body(
    targeting_key: str | None = None, attributes: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """``{"context": {"targetingKey": ..., ...}}``.

    A percentage rollout needs a targeting key (else ``TARGETING_KEY_MISSING``); the cockpit
    evaluates as a fixed identity (configured), never as a real user.
    """
    context: dict[str, Any] = dict(attributes or {})
    if targeting_key is not None:
        context["targetingKey"] = targeting_key
    return {"context": context}


def bulk_headers(etag: str | None) -> dict[str, str]:
    """``If-None-Match`` with the last ETag, so an unchanged answer costs a 304."""
    return {"If-None-Match": etag} if etag else {}


class Reason(Enum):
    STATIC = "STATIC"
    TARGETING_MATCH = "TARGETING_MATCH"
    SPLIT = "SPLIT"
    DISABLED = "DISABLED"
    DEFAULT = "DEFAULT"
    CACHED = "CACHED"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"
    OTHER = "OTHER"  # a value outside the list; the text is kept in ``reason_text``

    @classmethod
    def parse(cls, value: object) -> Reason:
        for reason in cls:
            if reason.value == value and reason is not cls.OTHER:
                return reason
        return cls.OTHER if value else cls.UNKNOWN


class ErrorCode(Enum):
    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    PARSE_ERROR = "PARSE_ERROR"
    TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"
    INVALID_CONTEXT = "INVALID_CONTEXT"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    GENERAL = "GENERAL"
    OTHER = "OTHER"

    @classmethod
    def parse(cls, value: object) -> ErrorCode:
        for code in cls:
            if code.value == value:
                return code
        return cls.OTHER


# What a reason says about who gets the value, for FlagState.rollout. An evaluation is for
# one context, so only reasons that speak for everyone say "everyone".
_ROLLOUT = {
    Reason.STATIC: "same for everyone",
    Reason.SPLIT: "split between variants",
    Reason.TARGETING_MATCH: "targeted",
    Reason.DISABLED: "flag disabled",
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One flag's evaluation: a success (``error_code`` None) or a failure."""

    key: str
    value: object = None
    variant: str = ""
    reason: Reason = Reason.UNKNOWN
    reason_text: str = ""
    error_code: ErrorCode | None = None
    error_details: str = ""
    metadata: Mapping[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_code is None

    def state(self, environment: str = "") -> FlagState:
        """As a ``FlagState``: on/off only for a boolean value of a successful evaluation."""
        on = self.value if self.ok and isinstance(self.value, bool) else None
        error = ""
        if not self.ok:
            code = self.error_code.value if self.error_code else ""
            error = f"{code}: {self.error_details}" if self.error_details else code
        return FlagState(
            key=self.key,
            environment=environment,
            on=on,
            value=value_text(self.value) if self.ok else "",
            variant=self.variant,
            rollout=_ROLLOUT.get(self.reason, "") if self.ok else "",
            reason=self.reason_text,
            error=error,
            source=FlagSource.OFREP,
        )


def parse_item(item: Mapping[str, Any]) -> Evaluation:
    """A success or failure item (single answer or bulk entry)."""
    key = as_str(item.get("key"), 200)
    if "errorCode" in item:
        raw = item.get("errorCode")
        code = ErrorCode.parse(raw)
        details = as_str(item.get("errorDetails"), 500)
        if code is ErrorCode.OTHER and raw:
            details = f"{as_str(raw, 60)}: {details}" if details else as_str(raw, 60)
        return Evaluation(
            key=key,
            reason=Reason.ERROR,
            reason_text="ERROR",
            error_code=code,
            error_details=details,
        )
    raw_reason = item.get("reason")
    value = item.get("value")
    return Evaluation(
        key=key,
        value=value if isinstance(value, str | int | float | bool | list | dict) else None,
        variant=as_str(item.get("variant"), 200),
        reason=Reason.parse(raw_reason),
        reason_text=as_str(raw_reason, 60),
        metadata=as_dict(item.get("metadata")),
    )


def error_for(status: int, payload: object, key: str = "") -> AdapterError:
    """A non-200 OFREP answer as our error type.

    401/403 have no body schema; 404 is FLAG_NOT_FOUND only when the body says so (a router
    404 can carry anything, e.g. GO Feature Flag's ``{"message":"Not Found"}``); 429 may
    carry Retry-After (the HTTP layer reads it).
    """
    body = as_dict(payload)
    code = as_str(body.get("errorCode"), 60)
    details = as_str(body.get("errorDetails") or body.get("message"), 300)
    text = ": ".join(t for t in (code, details) if t) or f"HTTP {status}"
    what = f"OFREP flag {key!r}" if key else "OFREP evaluation"
    if status in (401, 403):
        return AuthError(f"{what}: not authorised ({text})", hint="check the OFREP token")
    if status == 404:
        if code == ErrorCode.FLAG_NOT_FOUND.value:
            return NotFound(f"{what}: {text}", hint="check the flag key in the config")
        return NotFound(f"{what}: {text}", hint="check the OFREP base URL (…/ofrep/v1)")
    if status == 429:
        return RateLimited(f"{what}: rate limited ({text})")
    if status == 400:
        return BadResponse(
            f"{what} refused the context: {text}",
            hint="check the evaluation context in the config (a targetingKey is usually needed)",
        )
    return BadResponse(f"{what} failed ({status}): {text}")


def parse_single(payload: object, status: int = 200) -> Evaluation:
    """``POST /ofrep/v1/evaluate/flags/{key}``: 200 success or 400/404 failure -> Evaluation.

    A 400/404 with a flag failure body is a value (the flag is unknown or the context bad),
    not an exception, so it shows next to the flag.

    Raises:
        AdapterError: any other status, or a body that is not an evaluation.
    """
    body = as_dict(payload)
    if status == 200 and "key" in body:
        return parse_item(body)
    if status in (400, 404) and "errorCode" in body:
        return parse_item(body)
    raise error_for(status, payload)


@dataclass(frozen=True, slots=True)
class EventStream:
    """An ``eventStreams[]`` entry. The URL may embed a token: treat it as a secret."""

    type: str
    url: str = field(repr=False, default="")
    inactivity_delay_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class BulkAnswer:
    """A bulk evaluation, or "not modified" (304: keep the previous answer)."""

    flags: tuple[Evaluation, ...] = ()
    etag: str = ""
    not_modified: bool = False
    metadata: Mapping[str, object] = field(default_factory=dict)
    event_streams: tuple[EventStream, ...] = ()


def parse_bulk(payload: object, status: int = 200, etag: str | None = None) -> BulkAnswer:
    """``POST /ofrep/v1/evaluate/flags`` -> flags, ETag, metadata and event streams.

    Raises:
        AdapterError: a whole-request failure (400 ``{errorCode, errorDetails}``, 500, ...)
            or a 200 body without ``flags``.
    """
    if status == 304:
        return BulkAnswer(etag=etag or "", not_modified=True)
    if status != 200:
        raise error_for(status, payload)
    body = as_dict(payload)
    if not isinstance(body.get("flags"), list):
        raise BadResponse(
            "OFREP bulk answer has no 'flags' list", hint="check the OFREP base URL (…/ofrep/v1)"
        )
    flags = tuple(parse_item(item) for item in body["flags"] if isinstance(item, dict))
    streams = []
    for stream in as_list(body.get("eventStreams")):
        stream = as_dict(stream)
        url = as_str(stream.get("url"), 2000)
        endpoint = as_dict(stream.get("endpoint"))
        if not url and endpoint:
            url = as_str(endpoint.get("origin"), 1000) + as_str(endpoint.get("requestUri"), 1000)
        delay = stream.get("inactivityDelaySec")
        streams.append(
            EventStream(
                type=as_str(stream.get("type"), 40),
                url=url,
                inactivity_delay_seconds=delay if isinstance(delay, int) else None,
            )
        )
    return BulkAnswer(
        flags=flags,
        etag=etag or "",
        metadata=as_dict(body.get("metadata")),
        event_streams=tuple(streams),
    )


def flag_states(
    answer: BulkAnswer, keys: Iterable[str], environment: str = ""
) -> dict[str, FlagState]:
    """The states of the flags a config names; a flag missing from the answer is unknown
    (an OFREP server may leave out flags it does not know), never off."""
    by_key = {flag.key: flag for flag in answer.flags}
    states: dict[str, FlagState] = {}
    for key in keys:
        found = by_key.get(key)
        states[key] = (
            found.state(environment)
            if found is not None
            else FlagState(
                key, environment, error="not in the OFREP answer", source=FlagSource.OFREP
            )
        )
    return states
