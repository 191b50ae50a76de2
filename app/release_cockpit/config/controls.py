"""Reading the control half of the config: environments, freezes and readiness checklists.

Split from the loader because these tables decide what may change production, and each
mistake deserves a precise message (an action name misspelt in a freeze would otherwise
silently freeze nothing).
"""

from __future__ import annotations

from typing import Any

from release_cockpit.config.validate import (
    Invalid,
    Reader,
    array_of_tables,
    aware_datetime,
    boolean,
    http_url,
    integer,
    non_empty,
    number,
    strings,
    suggest,
    text,
)
from release_cockpit.domain.action_policy import PROMOTING, EnvironmentRules, Freeze
from release_cockpit.domain.checklist import ChecklistItem, ItemKind
from release_cockpit.domain.rollout import Action

ENVIRONMENT_KEYS = ("read_only", "type_to_confirm")
FREEZE_KEYS = ("name", "start", "end", "environments", "actions", "reason")
CHECKLIST_KEYS = (
    *("name", "backend", "query", "pass_below", "pass_above", "url", "expect_status"),
)
_ACTION_NAMES = tuple(a.value for a in Action)


def actions(value: Any) -> frozenset[Action]:
    """An array of action names, e.g. ["promote", "promote-full"]."""
    names = strings(value)
    bad = [n for n in names if n not in _ACTION_NAMES]
    if bad:
        raise Invalid(f"'{bad[0]}' is not an action", suggest(bad[0], _ACTION_NAMES, "actions"))
    return frozenset(Action(n) for n in names)


def environments(r: Reader | None) -> dict[str, EnvironmentRules]:
    """``[environments.NAME]`` tables."""
    if r is None:
        return {}
    found: dict[str, EnvironmentRules] = {}
    for name in r.data:
        sub = r.table(name)
        if sub is None:
            continue
        sub.unknown(ENVIRONMENT_KEYS)
        found[name] = EnvironmentRules(
            name,
            read_only=sub.optional("read_only", boolean, False),
            type_to_confirm=sub.optional("type_to_confirm", boolean, None),
        )
    return found


def freezes(r: Reader) -> tuple[Freeze, ...]:
    """``[[freezes]]``: windows that block promotion."""
    if not r.has("freezes"):
        return ()
    found: list[Freeze] = []
    for index, item in enumerate(r.convert("freezes", array_of_tables) or ()):
        sub = Reader(r.problems, f"freezes[{index}]", item)
        sub.unknown(FREEZE_KEYS)
        start = sub.required("start", aware_datetime, "e.g. start = 2026-11-27T00:00:00Z")
        end = sub.required("end", aware_datetime, "e.g. end = 2026-11-30T00:00:00Z")
        if start is not None and end is not None and end <= start:
            sub.problem("end", "the freeze ends before it starts", "end must be later than start")
            continue
        name = sub.optional("name", non_empty, f"freeze {index + 1}")
        blocked = sub.optional("actions", actions, PROMOTING)
        if start is None or end is None:
            continue
        found.append(
            Freeze(
                name,
                start,
                end,
                environments=frozenset(sub.optional("environments", strings, ())),
                actions=blocked,
                reason=sub.optional("reason", text, ""),
            )
        )
    return tuple(found)


def checklist_item(r: Reader, backend: str | None) -> ChecklistItem | None:
    """One ``[[services.KEY.checklist]]`` item: manual, a query with a threshold, or HTTP."""
    r.unknown(CHECKLIST_KEYS)
    name = r.required("name", non_empty, 'e.g. name = "Rollback plan reviewed"')
    has_query, has_url = r.has("query"), r.has("url")
    if has_query and has_url:
        r.problem("url", "an item checks a query or a URL, not both", "split it into two items")
        return None
    if has_url:
        url = r.required("url", http_url, "the URL to GET")
        status = r.optional("expect_status", integer, 200)
        if not 100 <= status <= 599:
            r.problem("expect_status", f"{status} is not an HTTP status", "e.g. 200")
            return None
        if name is None or url is None:
            return None
        return ChecklistItem(name, ItemKind.HTTP, url=url, expect_status=status)
    if has_query:
        query = r.required("query", non_empty, "the query whose value is checked")
        below = r.optional("pass_below", number, None)
        above = r.optional("pass_above", number, None)
        if (below is None) == (above is None):
            r.problem(
                "pass_below",
                "a query item needs exactly one of pass_below and pass_above",
                "e.g. pass_below = 0.01 for an error ratio under 1%",
            )
            return None
        # A missing or wrong backend was reported where it was read (the loader checks
        # that it names a health backend).
        if backend is None or name is None or query is None:
            return None
        return ChecklistItem(
            name, ItemKind.QUERY, backend=backend, query=query, pass_below=below, pass_above=above
        )
    for key in ("backend", "pass_below", "pass_above", "expect_status"):
        if r.has(key):
            r.problem(key, "only a query or url item uses this key", "add query or url, or drop it")
    return None if name is None else ChecklistItem(name)
