"""A settable clock for the simulated world (epoch seconds), and the start it begins at."""

from __future__ import annotations

START = 1_795_000_000.0  # 2026-11-18T11:06:40Z: a fixed start keeps payloads deterministic


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def to(self, offset: float) -> None:
        """Jump to ``offset`` seconds after the start."""
        self.now = START + offset
