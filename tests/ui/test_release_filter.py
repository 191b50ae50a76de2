"""The / filter query: fields, negation, case, and what an empty query shows."""

from __future__ import annotations

import pytest

from release_cockpit.ui.release_filter import ReleaseFilter, Term
from tests.support.world import make_snapshot

RELEASES = make_snapshot().releases


def shown(query: str) -> list[str]:
    return [r.service for r in ReleaseFilter.parse(query).apply(RELEASES)]


def test_empty_query_shows_everything_and_is_inactive():
    parsed = ReleaseFilter.parse("   ")
    assert not parsed.active
    assert shown("") == [r.service for r in RELEASES]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("checkout", ["checkout"]),
        ("service:cart", ["cart"]),
        ("env:staging", ["search", "profile"]),
        ("!env:prod", ["search", "profile"]),
        ("team:payments", ["checkout"]),
        ("cluster:staging", ["search", "profile"]),
        ("!cluster:prod-cluster", ["search", "profile"]),
        ("state:failing", ["checkout"]),
        ("state:waiting", ["payments"]),
        ("!state:done env:staging", ["search"]),
        ("STAGING", ["search", "profile"]),
        ("!payments", ["inventory", "search", "cart", "profile"]),  # checkout: team payments
    ],
)
def test_queries(query, expected):
    assert shown(query) == expected


def test_unknown_field_is_searched_as_plain_text():
    parsed = ReleaseFilter.parse("owner:ana")
    assert parsed.terms == (Term("owner:ana"),)
    assert shown("owner:ana") == []


def test_text_is_normalised_for_display():
    assert ReleaseFilter.parse("  env:prod   !state:done ").text == "env:prod !state:done"
