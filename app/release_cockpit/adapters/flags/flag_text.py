"""Text shared by the flag parsers: a served value as short text, and what a switch does."""

from __future__ import annotations

import json

from release_cockpit.domain.text import clean_text


def value_text(value: object, limit: int = 120) -> str:
    """A flag value of any JSON type as short, safe text; ``None`` (nothing served) -> ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return clean_text(value, limit)
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(value)
    return clean_text(text, limit)


def switch_effect(key: str, environment: str, on: bool, now: str = "") -> str:
    """What turning a flag on or off does, for the confirmation dialog.

    ``now`` is the flag's current rollout text, said so that turning a flag on that serves
    25% is not mistaken for turning it on for everyone.
    """
    where = f" in {environment}" if environment else ""
    if on:
        served = f" for whoever its rules select ({now})" if now else " as its rules say"
        return (
            f"turns {key} on{where}{served}; the code is already deployed, only who sees it changes"
        )
    return f"turns {key} off{where} for everyone; the code stays deployed"
