"""A tiny service the tests' Prometheus scrapes: a good ``stable`` track and a bad ``canary``.

It serves, for one service, ``http_requests_total{service,track,code}`` counters and
``http_request_duration_seconds{service,track}`` histograms, and a background thread
adds a fixed batch of requests to each track every tick. Every batch has the same mix, so
the true values are known exactly and do not depend on the window a query uses:

- 5xx ratio: ``errors / requests`` of a batch (``TRACKS[track].error_ratio``);
- p99 latency: what ``histogram_quantile(0.99, ...)`` computes from the batch's
  histogram, linear interpolation inside the bucket included (``expected_quantile``).

Both tracks share every label but ``track``, so a canary-versus-baseline query can ask
for both at once, e.g. ``sum by (track) (rate(http_requests_total{code=~"5.."}[1m]))``.
A tick's increments and a scrape exclude each other (one lock), so a scrape never sees
half a batch and the ratios hold to the last digit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.metrics_core import Metric

SERVICE = "checkout"
TICK_SECONDS = 0.1
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True, slots=True)
class Track:
    """One tick's batch of requests for a track: how many, how many fail, how fast."""

    ok: int
    errors: int
    error_code: str
    fast: int
    fast_seconds: float
    slow_seconds: float

    @property
    def requests(self) -> int:
        return self.ok + self.errors

    @property
    def slow(self) -> int:
        return self.requests - self.fast

    @property
    def error_ratio(self) -> float:
        return self.errors / self.requests


TRACKS = {
    # 1% errors; 1 request in 200 is slow, so p99 stays in the fastest bucket.
    "stable": Track(
        ok=198, errors=2, error_code="500", fast=199, fast_seconds=0.04, slow_seconds=0.3
    ),
    # 12% errors; 10% of requests take 0.8s, so p99 lands high in the (0.5, 1] bucket.
    "canary": Track(
        ok=44, errors=6, error_code="503", fast=45, fast_seconds=0.08, slow_seconds=0.8
    ),
}


def expected_quantile(track: str, q: float) -> float:
    """What PromQL's ``histogram_quantile(q, ...)`` returns for a track's batch mix.

    Prometheus finds the bucket holding rank ``q * count`` and interpolates linearly
    between its bounds (the first bucket starts at 0).
    """
    spec = TRACKS[track]
    rank = q * spec.requests
    lower, below = 0.0, 0
    for upper in BUCKETS:
        inside = (spec.fast if spec.fast_seconds <= upper else 0) + (
            spec.slow if spec.slow_seconds <= upper else 0
        )
        if inside >= rank:
            return lower + (upper - lower) * (rank - below) / (inside - below)
        lower, below = upper, inside
    return BUCKETS[-1]


class _TickLockedRegistry(CollectorRegistry):
    """A registry whose collection waits for the current tick to finish."""

    def __init__(self, lock: threading.Lock) -> None:
        super().__init__()
        self._tick_lock = lock

    def collect(self) -> Iterator[Metric]:
        with self._tick_lock:
            metrics = list(super().collect())
        yield from metrics


class Exporter:
    """The exporter's HTTP server on 127.0.0.1 plus its traffic thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.registry = _TickLockedRegistry(self._lock)
        self.requests = Counter(
            "http_requests",
            "Requests served, by track and status code.",
            ["service", "track", "code"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Request latency, by track.",
            ["service", "track"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        # Every series exists from the first scrape, so rate() sees all of them start together.
        for track, spec in TRACKS.items():
            self.requests.labels(SERVICE, track, "200")
            self.requests.labels(SERVICE, track, spec.error_code)
            self.duration.labels(SERVICE, track)
        self.ticks = 0
        self._server, self._server_thread = start_http_server(
            0, addr="127.0.0.1", registry=self.registry
        )
        self.port = int(self._server.server_port)
        self._traffic = threading.Thread(target=self._run, name="exporter-traffic", daemon=True)
        self._traffic.start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def tick(self) -> None:
        """Serve one batch on every track."""
        with self._lock:
            for track, spec in TRACKS.items():
                self.requests.labels(SERVICE, track, "200").inc(spec.ok)
                self.requests.labels(SERVICE, track, spec.error_code).inc(spec.errors)
                latency = self.duration.labels(SERVICE, track)
                for _ in range(spec.fast):
                    latency.observe(spec.fast_seconds)
                for _ in range(spec.slow):
                    latency.observe(spec.slow_seconds)
            self.ticks += 1

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.tick()

    def close(self) -> None:
        self._stop.set()
        self._traffic.join(timeout=5)
        self._server.shutdown()
        self._server.server_close()
        self._server_thread.join(timeout=5)


def error_ratio(track: str, window: str = "10s") -> str:
    selector = f'service="{SERVICE}",track="{track}"'
    return (
        f'sum(rate(http_requests_total{{{selector},code=~"5.."}}[{window}])) / '
        f"sum(rate(http_requests_total{{{selector}}}[{window}]))"
    )


def p99(track: str, window: str = "10s") -> str:
    return (
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket"
        f'{{service="{SERVICE}",track="{track}"}}[{window}])))'
    )
