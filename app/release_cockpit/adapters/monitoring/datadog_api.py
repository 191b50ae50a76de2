"""What both Datadog adapters share: site, keys, the HTTP client and the rate-limit buckets.

- Site: ``site = "eu"`` (or ``datadoghq.eu``, ``us5``, ``app.datadoghq.com``...) names
  the API host (``datadog_parsing.api_base_url``); ``url`` is then left out, or must be
  that host. ``url`` alone points at a proxy (or the demo world).
- Keys: reads need the API key *and* an application key
  (https://docs.datadoghq.com/api/latest/authentication/), so the adapters declare two
  secrets, ``api_key`` and ``app_key``, read from ``*_env`` or ``*_file`` like
  ``token_env``/``token_file``; ``token_env``/``token_file`` themselves are refused.
- Rate limits: Datadog limits each endpoint in its own bucket and says so in
  ``X-RateLimit-Limit/-Period/-Remaining/-Reset/-Name`` (reset in seconds from now,
  https://docs.datadoghq.com/api/latest/rate-limits/). The buckets are tracked per
  request path; a request whose bucket an answer said is spent is not sent before its
  reset (a ``RateLimited`` with that wait, so the engine backs off); a 429 waits for
  ``X-RateLimit-Reset`` (the HTTP layer's ``reset_when_limited``) and the engine backs
  off by it; the sources screen shows the scarcest bucket's remaining requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec, SecretSpec
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, JsonResponse
from release_cockpit.adapters.monitoring.datadog_parsing import (
    api_base_url,
    auth_headers,
    parse_rate_limit,
)
from release_cockpit.errors import ConfigError, RateLimited

SECRETS = (
    SecretSpec("api_key", "a Datadog API key"),
    SecretSpec("app_key", "a Datadog application key (reads need one)"),
)
OPTIONS: dict[str, OptionSpec] = {
    **HTTP_OPTIONS,
    "site": OptionSpec(
        str,
        "the Datadog site: us1, us3, us5, eu, ap1, ap2, uk1, us1-fed (or its domain, e.g. "
        "datadoghq.eu); names the API URL, so url may be left out",
        None,
    ),
}
VALIDATE_KEYS_PATH = "/api/v2/validate_keys"
VALIDATE_API_KEY_PATH = "/api/v1/validate"


def site_url(options: Mapping[str, Any]) -> str | None:
    """The API URL of the ``site`` option, or None without one.

    Raises:
        ValueError: ``site`` is not a Datadog site (the message lists the accepted ones).
    """
    site = options.get("site")
    if site is None:
        return None
    if not isinstance(site, str):
        raise ValueError('site must be a string such as "eu" or "datadoghq.com"')
    return api_base_url(site)


def check_settings(settings: BackendSettings) -> None:
    """Refuse ``token_env``/``token_file`` and a ``url`` that is not the site's API.

    Raises:
        ConfigError: either mistake, with the fix.
    """
    problems = []
    if settings.token:
        problems.append(
            settings.problem(
                "token_env",
                "Datadog takes two keys, not a token",
                "use api_key_env (or api_key_file) and app_key_env (or app_key_file)",
            )
        )
    try:
        derived = site_url(settings.options)
    except ValueError as exc:
        problems.append(settings.problem("site", str(exc), 'e.g. site = "us1"'))
        derived = None
    if derived is not None and settings.url.rstrip("/") != derived:
        problems.append(
            settings.problem(
                "url",
                f"url {settings.url} is not the API of site {settings.options.get('site')}",
                "drop url (the site names the API), or drop site to use url as written",
            )
        )
    if problems:
        raise ConfigError(problems)


@dataclass(slots=True)
class Bucket:
    """One rate-limit bucket as its last answer left it."""

    name: str
    limit: int | None
    remaining: int | None
    reset_at: float | None  # epoch seconds


class DatadogApi:
    """One Datadog organisation on one site: authenticated client and quota buckets."""

    def __init__(
        self,
        settings: BackendSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_settings(settings)
        self.clock = clock
        headers = {
            "Accept": "application/json",
            **auth_headers(
                settings.secrets.get("api_key", ""), settings.secrets.get("app_key", "")
            ),
        }
        self.http = HttpClient(
            settings, headers=headers, transport=transport, clock=clock, reset_when_limited=True
        )
        self.name = settings.name
        self.buckets: dict[str, Bucket] = {}
        self._bucket_of: dict[str, str] = {}  # request path -> bucket name

    async def aclose(self) -> None:
        await self.http.aclose()

    def remaining(self) -> int | None:
        """Requests left in the scarcest bucket whose window has not reset yet."""
        now = self.clock()
        left = [
            b.remaining
            for b in self.buckets.values()
            if b.remaining is not None and (b.reset_at is None or b.reset_at > now)
        ]
        return min(left) if left else None

    def _refuse_if_spent(self, path: str) -> None:
        bucket = self.buckets.get(self._bucket_of.get(path, ""))
        if bucket is None or bucket.remaining != 0 or bucket.reset_at is None:
            return
        wait = bucket.reset_at - self.clock()
        if wait > 0:
            raise RateLimited(
                f"{self.name}: Datadog's {bucket.name or 'API'} rate limit is spent; it "
                f"resets in {wait:.0f}s (not sent)",
                backend=self.name,
                retry_after=wait,
                hint=f"the cockpit waits for the reset; raise backends.{self.name}.interval "
                "or share one query template between services to need fewer requests",
            )

    def _track(self, path: str, headers: Mapping[str, str]) -> None:
        limit = parse_rate_limit(headers)
        if limit is None:
            return
        name = limit.name or path
        reset = None if limit.reset_seconds is None else self.clock() + limit.reset_seconds
        self.buckets[name] = Bucket(name, limit.limit, limit.remaining, reset)
        self._bucket_of[path] = name

    async def post(self, path: str, body: Any) -> JsonResponse:
        """POST a read-only JSON query (retried like a GET).

        Raises:
            RateLimited: the path's bucket is spent (not sent), or Datadog answered 429.
            AdapterError: any other failure.
        """
        self._refuse_if_spent(path)
        answer = await self.http.post_json(path, body)
        self._track(path, answer.headers)
        return answer

    async def get(self, path: str, params: Mapping[str, str | int] | None = None) -> JsonResponse:
        """GET a JSON document.

        Raises:
            RateLimited: the path's bucket is spent (not sent), or Datadog answered 429.
            AdapterError: any other failure.
        """
        self._refuse_if_spent(path)
        answer = await self.http.get_json(path, params=params)
        self._track(path, answer.headers)
        return answer

    async def validate(self) -> str:
        """Both keys checked with one cheap request (``/api/v2/validate_keys``); where that
        endpoint is missing (older sites, proxies), the API key alone (``/api/v1/validate``).

        Raises:
            AdapterError: the keys are refused or the site cannot be reached.
        """
        from release_cockpit.errors import NotFound

        try:
            await self.get(VALIDATE_KEYS_PATH)
            return "API and application keys valid"
        except NotFound:
            await self.get(VALIDATE_API_KEY_PATH)
            return "API key valid (this site cannot check the application key up front)"
