"""How many examples the fuzzers draw: a few locally, more in CI.

Locally the suite stays fast; under ``CI=true`` (set by ``.ci/run``) every fuzzer draws
``CI_SCALE`` times as many examples, and ``RELEASE_COCKPIT_FUZZ_SCALE`` overrides both (for
a long hunt: ``RELEASE_COCKPIT_FUZZ_SCALE=50``).
"""

from __future__ import annotations

import os

CI_SCALE = 4


def scale() -> int:
    override = os.environ.get("RELEASE_COCKPIT_FUZZ_SCALE", "")
    if override.isdigit() and int(override) > 0:
        return int(override)
    return CI_SCALE if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 1


def examples(local: int) -> int:
    """``local`` examples here, scaled up in CI."""
    return local * scale()
