"""Environments, freezes, checklist items and checklist policies: read, and refused with the
line, key and fix when wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from release_cockpit.config import parse_config
from release_cockpit.domain import Action
from release_cockpit.domain.checklist import ItemKind
from release_cockpit.errors import ConfigError

KINDS = {"prometheus": "health", "argo-rollouts": "deploy"}
BASE = """
[backends.prom]
type = "prometheus"
url = "http://127.0.0.1:9090"

[services.api]
environment = "production"
"""


def problems(text: str) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + text, "c.toml", kinds=KINDS)
    return [(p.key, p.line, p.message, p.hint) for p in caught.value.problems]


def test_controls_are_read():
    config = parse_config(
        BASE
        + """
[[services.api.checklist]]
name = "Rollback plan reviewed"

[[services.api.checklist]]
name = "Errors low"
backend = "prom"
query = "up"
pass_above = 0.5

[[services.api.checklist]]
name = "Status page"
url = "https://status.example.com/health"
expect_status = 204

[environments.production]
read_only = true

[environments.qa]
type_to_confirm = true

[[freezes]]
name = "year end"
start = 2026-12-20T00:00:00Z
end = 2027-01-04T00:00:00Z
reason = "holidays"

[[policies]]
name = "checklist first"
require_checklist = ["promote", "promote-full"]

[cockpit]
bell = false
desktop_notifications = "osc777"
action_timeout = "45s"
database = "~/audit.db"
""",
        "c.toml",
        kinds=KINDS,
    )
    kinds = [i.kind for i in config.services["api"].checklist]
    assert kinds == [ItemKind.MANUAL, ItemKind.QUERY, ItemKind.HTTP]
    assert config.services["api"].checklist[2].expect_status == 204
    assert config.environments["production"].read_only
    assert config.environments["qa"].type_to_confirm is True
    [freeze] = config.freezes
    assert freeze.end - freeze.start == timedelta(days=15)
    assert Action.PROMOTE in freeze.actions
    assert Action.ABORT not in freeze.actions
    assert config.policies[0].require_checklist == {Action.PROMOTE, Action.PROMOTE_FULL}
    assert not config.cockpit.bell
    assert config.cockpit.desktop_notifications == "osc777"
    assert config.cockpit.action_timeout == timedelta(seconds=45)
    assert config.cockpit.database is not None
    assert "~" not in str(config.cockpit.database)


def test_a_misspelt_action_names_the_line_and_the_fix():
    found = problems(
        """
[[freezes]]
start = 2026-12-20T00:00:00Z
end = 2027-01-04T00:00:00Z
actions = ["promot"]
"""
    )
    assert found == [
        ("freezes[0].actions", 12, "'promot' is not an action", "did you mean 'promote'?")
    ]


def test_a_freeze_that_ends_before_it_starts():
    found = problems(
        """
[[freezes]]
start = 2027-01-04T00:00:00Z
end = 2026-12-20T00:00:00Z
"""
    )
    assert found[0][0] == "freezes[0].end"
    assert found[0][2] == "the freeze ends before it starts"


def test_checklist_item_mistakes():
    found = problems(
        """
[[services.api.checklist]]
name = "two thresholds"
backend = "prom"
query = "up"
pass_below = 1
pass_above = 0

[[services.api.checklist]]
name = "both"
query = "up"
backend = "prom"
url = "https://x.example.com"

[[services.api.checklist]]
name = "bad status"
url = "https://x.example.com"
expect_status = 42

[[services.api.checklist]]
name = "stray threshold"
pass_below = 1

[[services.api.checklist]]
name = "no backend"
query = "up"
pass_below = 1
"""
    )
    keys = [(key, message) for key, _line, message, _hint in found]
    assert keys == [
        (
            "services.api.checklist[0].pass_below",
            "a query item needs exactly one of pass_below and pass_above",
        ),
        ("services.api.checklist[1].url", "an item checks a query or a URL, not both"),
        ("services.api.checklist[2].expect_status", "42 is not an HTTP status"),
        ("services.api.checklist[3].pass_below", "only a query or url item uses this key"),
        (
            "services.api.checklist[4].backend",
            "missing required key 'backend' in [services.api.checklist[4]]",
        ),
    ]


def test_bad_notification_mode_suggests_the_choices():
    found = problems('[cockpit]\ndesktop_notifications = "osc99"\n')
    assert found[0][0] == "cockpit.desktop_notifications"
    assert "auto, off, osc777, osc9" in found[0][2]


def test_asking_for_confidence_is_on_by_default_and_off_by_configuration():
    assert parse_config(BASE, "c.toml", kinds=KINDS).cockpit.ask_confidence
    off = parse_config("[cockpit]\nask_confidence = false\n" + BASE, "c.toml", kinds=KINDS)
    assert not off.cockpit.ask_confidence
    found = problems('[cockpit]\nask_confidence = "no"\n')
    assert found[0][0] == "cockpit.ask_confidence"
    assert found[0][1] == BASE.count("\n") + 2  # the line of the key, after BASE
