"""The one HTTP layer every adapter uses: a client per backend, retries, errors, ETags, quotas.

Everything that can go wrong on the wire becomes an ``app.errors`` type here (the policy
itself lives in ``http_errors.py``), so adapters only parse and the engine only handles
our own error tree.

- Retries with ``stamina``: three attempts, exponential backoff with jitter, and no new
  attempt once the retry budget (the request timeout by default) is spent, so a poll
  stays bounded. A server-requested wait (Retry-After, quota reset) is returned from the
  backoff hook, which makes stamina wait exactly that long.
- Conditional GETs: ETag, parsed JSON and links cached per (token fingerprint, full URL).
  GitHub documents a 304 as free against the quota and ties ETags to the token
  (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api); weak
  ETags are sent back exactly as received.
- Quota tracking from ``x-ratelimit-*`` (GitHub, Datadog) and ``RateLimit-*`` (GitLab,
  Buildkite) headers, and the latency of the last request, for the sources screen.
- Per-request credentials for backends whose token changes (a Kubernetes exec plugin's),
  through an httpx auth flow, scrubbed from answers like a configured token.

One module over 450 lines because it is one class whose methods all share its state (the
httpx client, the request slots, the caches, the quota): splitting the request path across
files would hide the order retries, the slot, the scrubbing and the error mapping happen in.
What does not touch that state lives beside it: building the httpx client
(``http_connection.py``), reading and decoding a body (``http_body.py``) and judging a
probe's outcome (``backend_probe.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx
import stamina

from release_cockpit import __version__
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.http_body import (
    MAX_BODY_BYTES,
    MAX_BODY_MIB,
    decode_json,
    read_capped,
    split_lines,
)
from release_cockpit.adapters.http_cache import CachedBody, EtagCache, ParseCache, token_fingerprint
from release_cockpit.adapters.http_connection import check_headers, client_for, tls_verify
from release_cockpit.adapters.http_errors import (
    Failure,
    attributed,
    backend_error_text,
    classify_status,
    header_int,
    parse_reset,
    reset_header,
    transport_failure,
)
from release_cockpit.adapters.scrub import Scrubber
from release_cockpit.adapters.sent_requests import note_answer, note_sending, note_unsent
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AdapterError, BadResponse, RateLimited

__all__ = [
    "DEFAULT_CONCURRENCY",
    "HTTP_OPTIONS",
    "HttpClient",
    "JsonResponse",
    "ParseCache",
    "attributed",
    "backend_error_text",
    "token_fingerprint",
]

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_RETRY_AFTER = 30.0
"""Longest server-requested wait honoured inside one request; longer ones go to the engine."""
RETRY_ATTEMPTS = 3
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_CONCURRENCY = 4
"""Requests in flight per backend: a big poll queues instead of opening hundreds of
connections (GitHub's secondary limits count concurrent requests, https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api)."""
STREAM_KEEPALIVE = 8
"""Idle streaming connections kept for the next watch: a watch the server ended on its
timeout reconnects at once, over the same connection."""
KEEPALIVE_SECONDS = 60.0
"""An idle connection is kept this long: longer than a poll interval, shorter than the
usual server idle timeouts (nginx 75 s)."""
HTTP_OPTIONS: dict[str, OptionSpec] = {
    "max_concurrency": OptionSpec(
        int,
        "requests in flight at once to this backend; more wait their turn",
        DEFAULT_CONCURRENCY,
        False,
        1,
        64,
    ),
    "max_response_mib": OptionSpec(
        int,
        "largest response body accepted from this backend, in MiB; a bigger one is an error",
        MAX_BODY_MIB,
        False,
        1,
        1024,
    ),
    "allowed_redirects": OptionSpec(
        list,
        "other hosts this backend may redirect to (e.g. a CDN for logs); redirects to any "
        "other host are refused, and none of them gets the credentials",
        [],
    ),
}
"""Options every HTTP adapter accepts, merged into its own ``OPTIONS``."""

# stamina logs every scheduled retry as a WARNING on the "stamina" logger. With logging
# unconfigured, Python's last-resort handler would print it to stderr, into the TUI or
# the JSON of `status`. A NullHandler silences only that fallback: an app that configures
# logging still receives the records through propagation.
logging.getLogger("stamina").addHandler(logging.NullHandler())


@dataclass(frozen=True, slots=True)
class JsonResponse:
    """A decoded JSON answer. ``changed`` is False when a 304 let us reuse the cached body."""

    data: Any
    changed: bool
    url: str
    status: int
    headers: httpx.Headers
    links: Mapping[str, str]


class StreamedLines(NamedTuple):
    """A streamed answer: its status and its lines as they arrive."""

    status: int
    lines: AsyncIterator[bytes]


async def _no_lines() -> AsyncIterator[bytes]:
    return
    yield  # pragma: no cover - makes this an async generator


class _Retry(Exception):
    """A retryable outcome, carrying the error to raise once the attempts run out."""

    def __init__(self, error: AdapterError, wait: float | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait


class HttpClient:
    """One ``httpx.AsyncClient`` per backend with retries, error mapping and caches.

    Attributes:
        rate_limit_remaining: requests left in the quota, when the backend says.
        rate_limit_limit: the quota size, when the backend says.
        rate_limit_reset: when the quota refills, when the backend says.
        last_latency_ms: duration of the last answered request, for the sources screen.
        last_retry_waits: the waits chosen between the attempts of the last request;
            None stands for stamina's exponential backoff with jitter.
    """

    def __init__(
        self,
        settings: BackendSettings,
        *,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        attempts: int = RETRY_ATTEMPTS,
        max_retry_after: float = MAX_RETRY_AFTER,
        rate_limit_floor: float | None = None,
        retry_budget: float | None = None,
        concurrency: int | None = None,
        reset_when_limited: bool = False,
        secrets: tuple[str, ...] = (),
        verify: ssl.SSLContext | None = None,
        auth: httpx.Auth | None = None,
        live_secret: Callable[[], str] | None = None,
    ) -> None:
        """Build the client.

        Args:
            settings: the backend's settings (URL, timeout, TLS). The token is only
                fingerprinted here (and scrubbed from answers); the adapter puts auth
                in ``headers``.
            headers: extra headers for every request (auth, Accept, API version).
            transport: an httpx transport, e.g. ``httpx.MockTransport`` in tests.
            clock: wall-clock seconds, for quota resets and Retry-After dates.
            attempts: tries per request, the first included.
            max_retry_after: longest server-requested wait honoured inside a request.
            rate_limit_floor: wait assumed for a rate limit that names none (GitHub asks
                for at least a minute on secondary limits, https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
            retry_budget: seconds after the first attempt when no new attempt starts;
                defaults to the request timeout.
            concurrency: requests in flight at once; defaults to the backend's
                ``max_concurrency`` option, else ``DEFAULT_CONCURRENCY``.
            reset_when_limited: on a 429 without Retry-After, wait for the quota's reset
                header even when it does not say the quota is spent (Datadog's 429s carry
                ``X-RateLimit-Reset``, https://docs.datadoghq.com/api/latest/rate-limits/).
            secrets: other spellings of the secret to scrub from answers too (the
                base64 of ``user:token`` that HTTP Basic sends, say).
            verify: the TLS context to check the server with, instead of the one
                ``verify_tls``/``ca_file`` make (a kubeconfig's CA and client certificate).
            auth: an httpx auth flow that sets credentials per request (a Kubernetes exec
                plugin's token, refreshed when it expires or after a 401).
            live_secret: the credential the auth flow sends now, scrubbed from answers
                like the configured token.

        Raises:
            ConfigError: the backend's ``ca_file`` is not a usable CA bundle.
        """
        self.settings = settings
        self.name = settings.name
        self._clock = clock
        self._attempts = attempts
        self._max_retry_after = max_retry_after
        self._rate_limit_floor = rate_limit_floor
        self._reset_when_limited = reset_when_limited
        self._budget = retry_budget if retry_budget is not None else max(1.0, settings.timeout)
        self._etags = EtagCache(settings.token)
        self.scrubber = Scrubber((settings.token, *settings.secrets.values(), *secrets))
        limit = settings.options.get("max_response_mib")
        self._max_body_mib = limit if isinstance(limit, int) and limit != MAX_BODY_MIB else None
        allowed = settings.options.get("allowed_redirects")
        self._redirect_hosts = frozenset(
            str(h).strip().lower() for h in (allowed if isinstance(allowed, list) else [])
        )
        self._live_secret = live_secret
        self._live_scrubber: Scrubber | None = None
        configured = settings.options.get("max_concurrency")
        if concurrency is None:
            concurrency = configured if isinstance(configured, int) else DEFAULT_CONCURRENCY
        self.concurrency = max(1, concurrency)
        self._slots = asyncio.Semaphore(self.concurrency)
        check_headers(settings, headers or {})
        self._client_options: dict[str, Any] = {
            "base_url": settings.url,
            "headers": {"User-Agent": f"release-cockpit/{__version__}", **(headers or {})},
            "timeout": httpx.Timeout(settings.timeout, connect=min(5.0, settings.timeout)),
            "verify": verify if verify is not None else tls_verify(settings),
            "transport": transport,
            "auth": auth,
            # Redirects are followed by _once: on the same host (GitHub redirects renamed
            # repositories), never to another host unless allowed_redirects names it.
            "follow_redirects": False,
        }
        self._client = client_for(
            settings,
            # Connections kept between polls: httpx's 5 s default closed them before every
            # 15 s poll, a new TCP and TLS handshake each time (httpcore drops one the
            # server closed meanwhile before reusing it).
            limits=httpx.Limits(
                max_connections=self.concurrency,
                max_keepalive_connections=self.concurrency,
                keepalive_expiry=KEEPALIVE_SECONDS,
            ),
            **self._client_options,
        )
        self._stream_client: httpx.AsyncClient | None = None
        base = self._client.base_url
        self._origin = (base.scheme, base.host, base.port)
        self.rate_limit_remaining: int | None = None
        self.rate_limit_limit: int | None = None
        self.rate_limit_reset: datetime | None = None
        self.last_latency_ms: float | None = None
        self.last_retry_waits: tuple[float | None, ...] = ()
        self.last_url = ""
        """``GET https://host/path`` of the last request (no query, no credentials): a
        probe that meets a 404 shows what it asked for."""

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self._client.aclose()
        if self._stream_client is not None:
            await self._stream_client.aclose()

    @contextlib.asynccontextmanager
    async def stream_lines(
        self,
        path: str,
        *,
        params: Mapping[str, str | int],
        idle_timeout: float,
        allow: frozenset[int] = frozenset(),
    ) -> AsyncIterator[StreamedLines]:
        """GET a long-lived streaming answer (a Kubernetes watch) and hand over its lines.

        The stream has a pool of its own, without the request slots: a watch holds its
        connection for as long as it lasts, and in the shared pool a few of them would
        starve every poll. Nothing is retried (the caller re-lists and watches again); an
        error status raises the same typed error a plain request would, and each line is
        scrubbed of the backend's secrets like any answer. ``idle_timeout``: seconds without a byte
        after which the stream counts as dead (``Timeout``), for a connection that died
        without being closed. ``allow``: error statuses handed over (with no lines)
        instead of raised, for an answer the caller acts on (410 Gone: list again).

        Raises:
            AdapterError: the request failed, was refused, or the stream broke or went
                silent; a line longer than the body cap is a ``BadResponse``.
        """
        self._check_origin(path)
        if self._stream_client is None:
            self._stream_client = client_for(
                self.settings,
                limits=httpx.Limits(
                    max_connections=None,
                    max_keepalive_connections=STREAM_KEEPALIVE,
                    keepalive_expiry=KEEPALIVE_SECONDS,
                ),
                **self._client_options,
            )
        client = self._stream_client
        timeout = httpx.Timeout(idle_timeout, connect=min(5.0, self.settings.timeout))
        where = self._where(path)
        what = f"GET {where} (watch)"
        try:
            request = client.build_request("GET", path, params=params, timeout=timeout)
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise transport_failure(
                self.name, exc, what, timeout=idle_timeout, safe=False
            ).error from None
        try:
            if response.status_code in allow:
                yield StreamedLines(response.status_code, _no_lines())
                return
            if response.status_code >= 300:
                # Read and scrubbed in one expression: no local holds the raw bytes.
                refused = self._whole(
                    response,
                    await read_capped(response.aiter_bytes(), self._max_body_mib, self.name, where),
                    request,
                )
                raise self._classify(refused, where, False).error
            yield StreamedLines(response.status_code, self._stream_of(response, what, idle_timeout))
        except httpx.HTTPError as exc:
            raise transport_failure(
                self.name, exc, what, timeout=idle_timeout, safe=False
            ).error from None
        finally:
            await response.aclose()

    async def _stream_of(
        self, response: httpx.Response, what: str, idle_timeout: float
    ) -> AsyncIterator[bytes]:
        cap = (self._max_body_mib << 20) if self._max_body_mib else MAX_BODY_BYTES
        try:
            async for line in split_lines(response.aiter_bytes(), cap, self.name, what):
                yield self._scrub(line)
        except httpx.HTTPError as exc:
            raise transport_failure(
                self.name, exc, what, timeout=idle_timeout, safe=False
            ).error from None

    async def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        conditional: bool = False,
    ) -> JsonResponse:
        """GET a JSON document, optionally as a conditional request.

        Args:
            path: relative to the backend URL, or an absolute URL on the same origin
                (a pagination ``Link``).
            params: query parameters.
            conditional: send the cached ETag as ``If-None-Match``; a 304 returns the
                cached body and links with ``changed=False``.

        Raises:
            AdapterError: any failure, already mapped.
        """
        url = str(self._client.build_request("GET", path, params=params).url)
        cached = self._etags.get(url) if conditional else None
        headers = {"If-None-Match": cached.etag} if cached else {}
        response = await self._request("GET", path, params=params, headers=headers, safe=True)
        if response.status_code == 304:
            if cached is None:
                raise BadResponse(
                    f"{self.name} answered 304 Not Modified to a request without an ETag",
                    backend=self.name,
                    hint="the backend or a proxy mishandles conditional requests",
                )
            return JsonResponse(cached.data, False, url, 304, response.headers, cached.links)
        data = self.decode(response)
        links = {str(rel): link["url"] for rel, link in response.links.items() if "url" in link}
        etag = response.headers.get("etag")
        if conditional and etag:
            self._etags.put(url, CachedBody(etag, data, links))
        return JsonResponse(data, True, url, response.status_code, response.headers, links)

    async def post_form(
        self,
        path: str,
        form: Mapping[str, str],
        *,
        safe: bool = True,
        allow: frozenset[int] = frozenset(),
    ) -> JsonResponse:
        """POST ``application/x-www-form-urlencoded`` and decode the JSON answer.

        ``safe`` says the POST only reads (a Prometheus query), so it is retried like a GET.
        ``allow``: error statuses returned (``data`` is then the raw body, bytes) instead
        of raised, for a backend whose error bodies the adapter reads itself (Loki's
        plain text).

        Raises:
            AdapterError: any failure whose status is not in ``allow``, already mapped.
        """
        response = await self._request("POST", path, data=dict(form), safe=safe, allow=allow)
        if response.status_code in allow:
            return JsonResponse(
                response.content,
                True,
                str(response.request.url),
                response.status_code,
                response.headers,
                {},
            )
        url = str(response.request.url)
        return JsonResponse(
            self.decode(response), True, url, response.status_code, response.headers, {}
        )

    async def post_json(self, path: str, body: Any, *, safe: bool = True) -> JsonResponse:
        """POST a JSON body and decode the JSON answer.

        ``safe`` says the POST only reads (a GraphQL query, a Datadog metrics query), so
        it is retried like a GET; a mutation must pass False.

        Raises:
            AdapterError: any failure, already mapped.
        """
        response = await self._request("POST", path, json_body=body, safe=safe)
        url = str(response.request.url)
        return JsonResponse(
            self.decode(response), True, url, response.status_code, response.headers, {}
        )

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        allow: frozenset[int] = frozenset(),
        safe: bool | None = None,
    ) -> httpx.Response:
        """Send one request and return the response with its body read.

        Args:
            method: HTTP method; only GET/HEAD/OPTIONS are retried once the request may
                have reached the backend.
            path: relative path or same-origin absolute URL.
            params: query parameters.
            json: a JSON body.
            content: a raw body (set ``Content-Type`` in ``headers``).
            headers: extra headers.
            allow: error statuses returned instead of raised (e.g. 409 for an action the
                adapter turns into ``ActionFailed``); rate limits are always raised.
            safe: the request only reads, so it is retried like a GET (an OFREP
                evaluation is a POST); by default only GET/HEAD/OPTIONS are.

        Raises:
            AdapterError: any failure whose status is not in ``allow``, already mapped.
        """
        return await self._request(
            method,
            path,
            params=params,
            json_body=json,
            content=content,
            headers=dict(headers or {}),
            allow=allow,
            safe=method.upper() in SAFE_METHODS if safe is None else safe,
        )

    def decode(self, response: httpx.Response) -> Any:
        """The JSON body of a response (None when empty).

        Raises:
            BadResponse: not JSON (e.g. an HTML page from a proxy), or truncated.
        """
        return decode_json(self.name, response)

    def _where(self, path: str) -> str:
        """The request path without query or credentials, safe for an error message."""
        if path.startswith(("http://", "https://")):
            return clean_text(httpx.URL(path).path, 200)
        return clean_text(path.split("?", 1)[0], 200)

    def _check_origin(self, path: str) -> None:
        if not path.startswith(("http://", "https://")):
            return
        url = httpx.URL(path)
        if (url.scheme, url.host, url.port) != self._origin:
            raise BadResponse(
                f"{self.name} linked to another host ({clean_text(url.host, 100)}); not "
                "following it with our credentials",
                backend=self.name,
                hint=f"check backends.{self.name}.url: links must stay on the same host",
            )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        safe: bool,
        params: Mapping[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        allow: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        self._check_origin(path)
        try:
            request = self._client.build_request(
                method,
                path,
                params=params,
                headers=headers,
                data=data,
                json=json_body,
                content=content,
            )
        except httpx.InvalidURL as exc:
            raise transport_failure(self.name, exc, method, timeout=0, safe=False).error from None
        url = request.url
        self.last_url = clean_text(f"{method} {url.scheme}://{url.netloc.decode()}{url.path}", 300)
        # One slot per logical request, held through its retries (a struggling backend gets
        # no more parallel load); the wait for a slot is not charged to the retry budget,
        # and httpx's own timeouts only start once the request is sent.
        async with self._slots:
            return await self._attempts_of(request, method, path, allow=allow, safe=safe)

    async def _attempts_of(
        self,
        request: httpx.Request,
        method: str,
        path: str,
        *,
        allow: frozenset[int],
        safe: bool,
    ) -> httpx.Response:
        started = time.monotonic()
        waits: list[float | None] = []

        def backoff(exc: Exception) -> bool | float:
            if not isinstance(exc, _Retry):
                return False
            if exc.wait is not None:
                if exc.wait > self._budget - (time.monotonic() - started):
                    return False
                waits.append(exc.wait)
                return exc.wait
            waits.append(None)
            return True

        try:
            async for attempt in stamina.retry_context(
                on=backoff,
                attempts=self._attempts,
                timeout=self._budget,
                wait_initial=0.5,
                wait_max=5.0,
                wait_jitter=1.0,
            ):
                with attempt:
                    return await self._once(request, method, path, allow=allow, safe=safe)
        except _Retry as exc:
            raise exc.error from None
        finally:
            self.last_retry_waits = tuple(waits)
        raise AssertionError("unreachable: stamina returns or raises")

    async def _once(
        self,
        request: httpx.Request,
        method: str,
        path: str,
        *,
        allow: frozenset[int],
        safe: bool,
    ) -> httpx.Response:
        where = self._where(path)
        began = time.perf_counter()
        for _ in range(MAX_REDIRECTS + 1):
            response, body = await self._exchange(request, method, where, safe)
            if response.status_code not in REDIRECTS or "location" not in response.headers:
                break
            request = self._redirected(request, response)
        else:
            raise BadResponse(
                f"{self.name} redirected {where} more than {MAX_REDIRECTS} times",
                backend=self.name,
                hint=f"check backends.{self.name}.url",
            )
        self.last_latency_ms = (time.perf_counter() - began) * 1000
        self._track_quota(response.headers)
        # A proxy or backend that echoes the Authorization header into its answer (debug
        # error pages do), whole, cut or encoded, must not carry a secret into messages,
        # the screen, logs or exports. Done in a helper so no local variable of this frame
        # holds a secret for a traceback to show.
        full = self._whole(response, body, request)
        del body  # the unscrubbed bytes: no local of this frame may hold them
        if full.status_code < 300 or full.status_code == 304:
            return full
        failure = self._classify(full, where, safe)
        if full.status_code in allow and not isinstance(failure.error, RateLimited):
            return full
        if failure.retry:
            raise _Retry(failure.error, failure.wait)
        raise failure.error

    async def _exchange(
        self, request: httpx.Request, method: str, where: str, safe: bool
    ) -> tuple[httpx.Response, bytes]:
        """One request and its body, read under the size limit."""
        noted = note_sending(f"{method} {where}")  # before: it may reach the backend
        try:
            response = await self._client.send(request, stream=True)
            note_answer(noted, response.status_code)
            try:
                body = await read_capped(
                    response.aiter_bytes(), self._max_body_mib, self.name, where
                )
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
                note_unsent(noted)
            failure = transport_failure(
                self.name, exc, f"{method} {where}", timeout=self.settings.timeout, safe=safe
            )
            if failure.retry:
                raise _Retry(failure.error, failure.wait) from exc
            raise failure.error from None
        return response, body

    def _redirected(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """The request a redirect asks for, if it may be followed.

        Raises:
            BadResponse: it leads to another host that ``allowed_redirects`` does not name
                (its data would be shown as this backend's, and it may be a trap).
        """
        target = request.url.join(self.scrubber.scrub_text(response.headers["location"]))
        same = (target.scheme, target.host, target.port) == self._origin
        if not same and target.host.lower() not in self._redirect_hosts:
            raise BadResponse(
                f"{self.name} redirected {request.url.path} to another host "
                f"({clean_text(target.host, 100)}); not followed",
                backend=self.name,
                hint=f"check backends.{self.name}.url; if that host is expected, add it to "
                f"backends.{self.name}.allowed_redirects",
            )
        headers = request.headers.copy()
        if not same:
            headers.pop("authorization", None)  # credentials never leave the origin
        method = request.method
        if response.status_code in (301, 302, 303) and method not in ("GET", "HEAD"):
            method = "GET"  # as browsers and httpx do; the body is not sent again
            return httpx.Request(method, target, headers=headers)
        return httpx.Request(method, target, headers=headers, content=request.content)

    def _whole(
        self, response: httpx.Response, body: bytes, request: httpx.Request
    ) -> httpx.Response:
        """The answer with its body read and scrubbed of secrets. The body was decoded
        while streaming, so its content encoding is dropped (not decoded twice)."""
        plain = response.headers.copy()
        plain.pop("content-encoding", None)
        return httpx.Response(
            response.status_code, headers=plain, content=self._scrub(body), request=request
        )

    def _classify(self, full: httpx.Response, where: str, safe: bool) -> Failure:
        """What an error status means here, with this backend's rate-limit habits."""
        return classify_status(
            self.name,
            full,
            where,
            now=self._clock(),
            safe=safe,
            max_retry_after=self._max_retry_after,
            rate_limit_floor=self._rate_limit_floor,
            reset_when_limited=self._reset_when_limited,
        )

    def _scrub(self, body: bytes) -> bytes:
        """``body`` without the configured secrets or the auth flow's current credential."""
        if self.scrubber.active:
            body = self.scrubber.scrub(body)
        if self._live_secret is not None:
            if self._live_scrubber is None or not self._live_scrubber.scrubs(self._live_secret()):
                self._live_scrubber = Scrubber((self._live_secret(),))
            body = self._live_scrubber.scrub(body)
        return body

    def _track_quota(self, headers: httpx.Headers) -> None:
        remaining = header_int(headers, "x-ratelimit-remaining", "ratelimit-remaining")
        if remaining is None:
            return
        self.rate_limit_remaining = remaining
        self.rate_limit_limit = header_int(headers, "x-ratelimit-limit", "ratelimit-limit")
        reset = parse_reset(reset_header(headers), self._clock())
        self.rate_limit_reset = datetime.fromtimestamp(reset, UTC) if reset else None


def bearer(settings: BackendSettings) -> dict[str, str]:
    """The Authorization header for a bearer token, when the backend has one."""
    return {"Authorization": f"Bearer {settings.token}"} if settings.token else {}


def json_client(
    settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> HttpClient:
    """The client most JSON APIs need: JSON accepted, bearer auth when configured."""
    headers = {"Accept": "application/json", **bearer(settings)}
    return HttpClient(settings, headers=headers, transport=transport)
