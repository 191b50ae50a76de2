"""The team scope of a backend is the same text in every cockpit with the same config."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from enum import Enum
from pathlib import Path

from release_cockpit.engine.team_link import canonical

REPO = Path(__file__).resolve().parents[2]

SIGNATURES = """
import hashlib
from pathlib import Path
from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import load_config
from release_cockpit.engine.team_link import signature
config = load_config(Path("config.example.toml"), kinds=adapter_kinds())
for source in sorted(config.backends):
    print(source, hashlib.sha256(signature(config, source).encode()).hexdigest())
"""


def test_every_process_computes_the_same_signatures() -> None:
    """Regression: ``repr`` of a frozenset follows the hash seed, and five benchmark
    cockpits split one Alertmanager into two scopes, each with its own poller."""
    seen = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        done = subprocess.run(
            [sys.executable, "-c", SIGNATURES],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert "alertmanager" in done.stdout
        seen.add(done.stdout)
    assert len(seen) == 1


class Colour(Enum):
    RED = "red"


def test_canonical_orders_sets_and_mappings_and_keeps_types_apart() -> None:
    assert canonical(frozenset({"page", "critical"})) == canonical(frozenset({"critical", "page"}))
    assert canonical({"b": 1, "a": 2}) == canonical({"a": 2, "b": 1})
    assert canonical(Colour.RED) == canonical("red")
    assert canonical(timedelta(seconds=3)) != canonical(timedelta(seconds=4))
    assert canonical((1, "1")) != canonical(("1", 1))
