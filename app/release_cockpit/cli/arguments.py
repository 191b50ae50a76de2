"""Argument types for the command line: each turns text into a value or a usage error.

A bad value is a usage error (argparse prints it with the usage line and exits 2), never
a traceback: ``dora --window 9999999999d`` says the window is too long.
"""

from __future__ import annotations

import argparse
import ipaddress
from datetime import timedelta

MAX_WINDOW = timedelta(days=3650)
"""Ten years: longer than any history retention; longer windows overflow date maths."""


def releases(text: str) -> int:
    """``--releases``: a number of release lines the simulated world can hold."""
    from release_cockpit_demo.release_lines import MAX_RELEASES

    count = whole_number(text)
    if not 1 <= count <= MAX_RELEASES:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_RELEASES}, got {count}")
    return count


def families(text: str) -> tuple[str, ...]:
    """``--with datadog``: named families of demo lines, comma-separated."""
    from release_cockpit_demo.release_lines import FAMILIES

    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        known = ", ".join(sorted(FAMILIES))
        raise argparse.ArgumentTypeError(f"unknown line family {text!r}; known: {known}")
    return names


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def count(text: str) -> int:
    """``--limit``: a positive number of records."""
    value = whole_number(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be 1 to 100000, got {value}")
    return value


def window(text: str) -> timedelta:
    """``--window`` / ``--since``: 7d, 30d, 90d or any duration from a day to ten years."""
    from release_cockpit.domain.formatting import parse_duration

    try:
        value = parse_duration(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected 7d, 30d or 90d, got {text!r}") from None
    if value < timedelta(days=1):
        raise argparse.ArgumentTypeError(f"must be at least a day, got {text!r}")
    if value > MAX_WINDOW:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_WINDOW.days}d, got {text!r}")
    return value


def tier_year(text: str) -> int:
    """``--year``: a DORA report year with a tier table."""
    from release_cockpit.domain.dora_tiers import TABLES

    if not text.isdigit() or int(text) not in TABLES:
        years = ", ".join(str(y) for y in sorted(TABLES))
        raise argparse.ArgumentTypeError(f"no tier table for {text!r}; choose one of {years}")
    return int(text)


def port(text: str) -> int:
    """``--port``: a TCP port number, 0 for any free one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 (any free port) to 65535, got {value}")
    return value


def host(text: str) -> str:
    """``--host``: an IP address or a host name to listen on."""
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    labels = text.rstrip(".").split(".")
    ok = (
        bool(text)
        and len(text) <= 253
        and all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels)
    )
    if not ok:
        raise argparse.ArgumentTypeError(f"expected an IP address or a host name, got {text!r}")
    return text


def seconds(text: str) -> float:
    """``--rotate``: seconds each calm release stays on the wall."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be 1 to 3600 seconds, got {text}")
    return value


def timeout(text: str) -> timedelta:
    """``watch --timeout``: a duration from a second to ten years (``90s``, ``30m``, ``2h``)."""
    from release_cockpit.domain.formatting import parse_duration

    try:
        value = parse_duration(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected a duration like 30m, got {text!r}") from None
    if not timedelta(seconds=1) <= value <= MAX_WINDOW:
        raise argparse.ArgumentTypeError(f"must be 1s to {MAX_WINDOW.days}d, got {text!r}")
    return value
