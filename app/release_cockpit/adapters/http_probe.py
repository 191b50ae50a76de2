"""HTTP probes for readiness-checklist items: GET a URL, report the status code.

Separate from the backend clients because a probe is judged by its status alone (a 503
is an answer, not an error), follows no redirects (a login page's 302 must not pass for
the service's 200) and carries no credentials.
"""

from __future__ import annotations

import httpx

from release_cockpit.adapters.http_errors import transport_failure


class HttpProbe:
    """One pooled client for every probe of the checklist."""

    def __init__(
        self, *, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, transport=transport
        )

    async def status(self, url: str, name: str) -> tuple[int | None, str]:
        """(status code, "") when the server answered, or (None, why it did not)."""
        try:
            response = await self._client.get(url)
        except httpx.HTTPError as exc:
            failure = transport_failure(name, exc, f"GET {url}", timeout=self.timeout, safe=True)
            return None, failure.error.message
        return response.status_code, ""

    async def aclose(self) -> None:
        await self._client.aclose()
