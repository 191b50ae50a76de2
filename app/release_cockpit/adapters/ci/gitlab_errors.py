"""GitLab error bodies and rate-limit headers, read the same way for REST and GraphQL.

Sources: https://docs.gitlab.com/api/rest/troubleshooting/ (error shapes) and
https://docs.gitlab.com/user/gitlab_com/#gitlabcom-specific-rate-limits (headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from release_cockpit.adapters.ci.ci_parsing import (
    header,
)
from release_cockpit.adapters.ci.gitlab_graphql import ERROR_LIMIT, graphql_errors
from release_cockpit.adapters.http_errors import parse_reset, parse_retry_after
from release_cockpit.adapters.payload import (
    as_int,
    as_str,
)
from release_cockpit.domain.text import clean_text

# -- errors and rate limits --------------------------------------------------------------


def error_text(payload: object) -> str:
    """GitLab's own explanation from an error body, short and cleaned.

    Shapes (https://docs.gitlab.com/api/rest/troubleshooting/): ``{"message": "404
    Project Not Found"}``; validation errors as ``{"message": {"field": ["is invalid"]}}``;
    ``{"error": "insufficient_scope", "error_description": "..."}`` from OAuth token
    checks; ``{"error": "..."}``; GraphQL ``{"errors": [{"message": ...}]}``.
    """
    body = payload if isinstance(payload, dict) else {}
    message = body.get("message")
    text = ""
    if isinstance(message, str):
        text = message
    elif isinstance(message, dict):
        parts = []
        for field_name, problems in message.items():
            listed = problems if isinstance(problems, list) else [problems]
            words = ", ".join(as_str(p, 200) for p in listed if as_str(p, 200))
            parts.append(f"{as_str(field_name, 60)} {words}".strip())
        text = "; ".join(p for p in parts if p)
    elif isinstance(message, list):
        text = "; ".join(as_str(m, 200) for m in message if as_str(m, 200))
    elif isinstance(body.get("error"), str):
        text = body["error"]
        description = body.get("error_description")
        if isinstance(description, str) and description:
            text = f"{text}: {description}"
    elif body.get("errors") is not None:
        text = "; ".join(text for text, _ in graphql_errors(body))
    elif isinstance(payload, str):
        text = payload
    return clean_text(" ".join(text.split()), ERROR_LIMIT)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """GitLab's ``RateLimit-*`` headers, whichever were sent.

    GitLab documents ``RateLimit-Limit``, ``-Observed``, ``-Remaining``, ``-Reset``
    (epoch seconds) and ``-ResetTime`` (HTTP date), plus ``Retry-After`` on 429
    (https://docs.gitlab.com/user/gitlab_com/#gitlabcom-specific-rate-limits), but they
    are often missing (issues 365728, 352409: none on GraphQL 429s, none behind the CDN):
    every field may be None, and None means "unknown", never "plenty left".
    """

    limit: int | None = None
    observed: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    retry_after: float | None = None

    @property
    def known(self) -> bool:
        return any(
            v is not None
            for v in (self.limit, self.observed, self.remaining, self.reset_at, self.retry_after)
        )


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = header(headers, name)
    return as_int(value) if value is not None else None


def parse_rate_limit(headers: Mapping[str, str], now: float) -> RateLimit:
    """The rate-limit headers of one answer; ``now`` is the epoch time it arrived.

    ``RateLimit-Reset`` wins over ``RateLimit-ResetTime`` (same instant, seconds are
    exact); ``Retry-After`` is seconds or an HTTP date.
    """
    reset = parse_reset(header(headers, "RateLimit-Reset"), now)
    if reset is None:
        wait = parse_retry_after(header(headers, "RateLimit-ResetTime"), now)
        reset = None if wait is None else now + wait
    return RateLimit(
        limit=_int_header(headers, "RateLimit-Limit"),
        observed=_int_header(headers, "RateLimit-Observed"),
        remaining=_int_header(headers, "RateLimit-Remaining"),
        reset_at=reset,
        retry_after=parse_retry_after(header(headers, "Retry-After"), now),
    )
