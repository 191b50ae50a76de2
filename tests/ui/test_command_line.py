"""The : command line parser and the release lookup it jumps with."""

from __future__ import annotations

import pytest

from release_cockpit.ui.command_line import Command, Verb, find_release, parse_command
from tests.support.world import make_snapshot

RELEASES = make_snapshot().releases


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Command(Verb.EMPTY)),
        (":", Command(Verb.EMPTY)),
        ("checkout", Command(Verb.RELEASE, "checkout")),
        (":release cart", Command(Verb.RELEASE, "cart")),
        ("env production", Command(Verb.ENV, "production")),
        ("filter team:shop !state:done", Command(Verb.FILTER, "team:shop !state:done")),
        ("theme okabe-ito", Command(Verb.THEME, "okabe-ito")),
        ("PAUSE", Command(Verb.PAUSE)),
        ("resume", Command(Verb.RESUME)),
        ("q", Command(Verb.QUIT)),
    ],
)
def test_parse(text, command):
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("cart", "cart"),
        ("CHECK", "checkout"),
        ("profile/staging", "profile"),
        ("ventor", "inventory"),
        ("nothing-like-it", None),
        ("", None),
    ],
)
def test_find_release(text, service):
    found = find_release(RELEASES, text)
    assert (found.service if found else None) == service
