"""``release-cockpit check``'s probe of a backend: one cheap request, its outcome described
(reachable, authorised, the latency, and what to change when the URL is wrong).

Apart from ``http.py`` because it judges an outcome instead of making the request: every
adapter's ``probe`` runs its own cheap request through here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HttpClient
from release_cockpit.errors import (
    AdapterError,
    AuthError,
    NotFound,
    RateLimited,
    Timeout,
    Unreachable,
)


async def run_probe(
    client: HttpClient, check: Callable[[], Awaitable[str]], *, api_path: str = ""
) -> ProbeResult:
    """Run one cheap request and describe the outcome for ``release-cockpit check``.

    ``api_path`` is the path the adapter puts before every request itself (``/api/v1``
    for Prometheus): a url that already ends in it is named as the cause of a 404.

    Never raises an AdapterError: unreachable, refused and broken backends are results.
    """
    try:
        detail = await check()
    except (Unreachable, Timeout) as exc:
        return ProbeResult(False, False, None, str(exc))
    except RateLimited as exc:
        return ProbeResult(True, True, client.last_latency_ms, str(exc))
    except AuthError as exc:
        return ProbeResult(True, False, client.last_latency_ms, str(exc))
    except NotFound as exc:
        # A 404 on the probe's own path is a URL problem, not a permission one: most
        # often the API path was appended to a url the adapter appends it to itself.
        return ProbeResult(
            True,
            False,
            client.last_latency_ms,
            f"{exc.message}; {wrong_path_hint(client.settings, api_path)}",
            problem="wrong path",
            url=client.last_url,
        )
    except AdapterError as exc:
        return ProbeResult(
            True, False, client.last_latency_ms, str(exc), problem="bad answer", url=client.last_url
        )
    return ProbeResult(True, True, client.last_latency_ms, detail)


def wrong_path_hint(settings: BackendSettings, api_path: str = "") -> str:
    """What to change when the probe's path answered 404: drop ``api_path`` from a url
    that already ends in it, else point the url at the server's root."""
    url = settings.url.rstrip("/")
    suffix = api_path.rstrip("/")
    if suffix and url.endswith(suffix):
        root = url[: -len(suffix)] or "/"
        return (
            f"backends.{settings.name}.url already ends in the API path '{suffix}', which "
            f"the cockpit adds itself: set it to {root}"
        )
    return (
        f"check backends.{settings.name}.url: it must be the address the server's API lives "
        "under, without the API's own path"
    )
