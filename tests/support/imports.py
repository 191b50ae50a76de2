"""Which modules an import loads, asked of a fresh interpreter (this one has loaded all)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable


def loaded_by(imports: Iterable[str]) -> set[str]:
    """Every module in ``sys.modules`` after importing ``imports`` in a new Python."""
    code = (
        "import json, sys\n"
        + "".join(f"import {name}\n" for name in imports)
        + "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))
