"""Untrusted text from backends made safe to show: no control, escape or bidi characters."""

from __future__ import annotations

import re

# C0/C1 control characters (ESC included, so no CSI/OSC sequence survives) except tab and
# newline; tabs and newlines are folded later by whoever lays the text out. Also the bidi
# embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): they reorder
# what follows them on screen, so a job name could make a line read differently than it
# is (the "Trojan Source" trick, CVE-2021-42574).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A lone UTF-16 surrogate (JSON allows "\ud800"; Python keeps it in the str) cannot be
# encoded as UTF-8: SQLite, the terminal and json.dumps(ensure_ascii=False) all fail on it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def valid_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD (valid pairs are already joined by
    the JSON decoder, so any surrogate left in a ``str`` is lone)."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def valid_payload(value: object) -> object:
    """A decoded JSON value with every string (keys too) made valid text."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        return {
            valid_text(k) if isinstance(k, str) else k: valid_payload(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [valid_payload(v) for v in value]
    return value


def clean_text(value: object, limit: int = 2000) -> str:
    """A backend string with control characters removed and its length capped.

    Every string that comes from a backend (job names, commit messages, alert text)
    goes through this at the adapter boundary; the UI still escapes Rich markup.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = valid_text(_CONTROL.sub("", text))
    return text if len(text) <= limit else text[: limit - 1] + "…"
