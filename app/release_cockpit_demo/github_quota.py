"""GitHub's primary rate limits as the demo world keeps them: one budget per resource.

REST (``core``) counts requests, 5,000 an hour; GraphQL (``graphql``) counts points, 5,000
an hour (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api,
https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api).
Each answer carries ``x-ratelimit-*`` headers naming its resource.
"""

from __future__ import annotations

RATE_LIMIT = 5000
WINDOW = 3600


class Quota:
    """One resource's budget, reset an hour after the window started.

    The demo starts a fresh window when one is spent, so a long-running demo never stalls.
    """

    def __init__(self, now: float, resource: str = "core", limit: int = RATE_LIMIT) -> None:
        self.resource = resource
        self.limit = limit
        self.reset = int(now) + WINDOW
        self.used = 0

    def spend(self, now: float, cost: int) -> tuple[tuple[str, str], ...]:
        if now >= self.reset or self.used + cost > self.limit:
            self.reset, self.used = int(now) + WINDOW, 0
        self.used += cost
        return self.headers()

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-used", str(self.used)),
            ("x-ratelimit-reset", str(self.reset)),
            ("x-ratelimit-resource", self.resource),
        )
