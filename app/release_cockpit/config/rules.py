"""Reading signal rules and release policies: the judging half of the config.

Split from the loader because these tables carry the most options and the most ways to
get them wrong (two conditions, a warning on the wrong side, a comparison without its
populations), and each deserves a precise message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from release_cockpit.config.controls import actions
from release_cockpit.config.validate import (
    Invalid,
    at_least,
    boolean,
    choice,
    duration,
    non_empty,
    number,
    positive_duration,
    strings,
    text,
    threshold,
)
from release_cockpit.domain import AlertMatcher, ReleaseType, ValueFormat
from release_cockpit.domain.policy import Policy
from release_cockpit.domain.signal_rules import Baseline, Change, SignalMode, SignalRule

if TYPE_CHECKING:
    from release_cockpit.config.validate import (
        Reader,
    )

SIGNAL_KEYS = (
    *("name", "backend", "query", "format", "unit", "fail_above", "fail_below", "warn_above"),
    *("warn_below", "failure_limit", "inconclusive_limit", "consecutive_error_limit"),
    *("consecutive_success_limit", "count", "interval", "initial_delay", "dry_run"),
    *("critical", "mode", "canary", "baseline", "window", "direction", "confidence"),
    *("tolerance", "min_samples"),
)
POLICY_KEYS = (
    *("name", "release_types", "environments", "soak", "failure_limit"),
    *("inconclusive_limit", "consecutive_error_limit", "require_checklist"),
)
_COMPARISON_ONLY = ("canary", "baseline", "window", "direction", "confidence", "tolerance")
_MATCHER_HINT = 'the operators are = != =~ !~ and the value is quoted: track="canary"'

SERVICE_PLACEHOLDER = "$service"
"""Marks a query template: one query measures every service that uses it (see README)."""
_PLACEHOLDER_MATCHER = re.compile(r'\bservice\s*=~\s*"\$service"')
# PromQL aggregation operators (prometheus/promql/parser/lex.go, ItemType aggregators).
_AGGREGATION = re.compile(
    r"\b(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile|count_values"
    r"|limitk|limit_ratio)\s*(?=\(|by\b|without\b)"
)
_GROUPING = re.compile(r"\s*(by|without)\s*\(([^)]*)\)")
TEMPLATE_HINT = (
    'a template selects with service=~"$service" and keeps the label in every aggregation, '
    'e.g. sum by (service) (rate(http_requests_total{service=~"$service"}[1m]))'
)


def fraction(value: Any) -> float:
    """A number strictly between 0 and 1 (a confidence level)."""
    result = number(value)
    if not 0 < result < 1:
        raise Invalid(f"must be between 0 and 1, got {result:g}", "e.g. 0.98 for 98%")
    return result


def non_negative(value: Any) -> float:
    result = number(value)
    if result < 0:
        raise Invalid(f"must not be negative, got {result:g}", "e.g. 0.25 for 25%")
    return result


def matchers(r: Reader, key: str) -> tuple[AlertMatcher, ...] | None:
    """Label matchers given as one string or an array of strings."""
    if not r.has(key):
        return None
    raw = r.data[key]
    items = (raw,) if isinstance(raw, str) else r.convert(key, strings)
    if items is None:
        return None
    found: list[AlertMatcher] = []
    for item in items:
        try:
            found.append(AlertMatcher.parse(item))
        except ValueError as exc:
            r.problem(key, str(exc), _MATCHER_HINT)
            return None
    if not found:
        r.problem(key, "needs at least one label matcher", 'e.g. track="canary"')
        return None
    return tuple(found)


def comparison(r: Reader) -> Baseline | None:
    """The canary-vs-baseline settings; both populations are required."""
    canary = matchers(r, "canary")
    baseline = matchers(r, "baseline")
    for key, value in (("canary", canary), ("baseline", baseline)):
        if value is None and not r.has(key):
            r.problems.add(
                r.path,
                f"a canary-vs-baseline signal needs `{key}`",
                f"label matchers selecting the {key} series, e.g. {key} = 'track=\"{key}\"'",
            )
    default = Baseline(canary=(), baseline=())
    change = r.optional("direction", choice([c.value for c in Change]), default.change.value)
    spec = Baseline(
        canary=canary or (),
        baseline=baseline or (),
        window=r.optional("window", positive_duration, default.window),
        change=Change(change),
        confidence=r.optional("confidence", fraction, default.confidence),
        tolerance=r.optional("tolerance", non_negative, default.tolerance),
        min_samples=r.optional("min_samples", at_least(2), default.min_samples),
    )
    return spec if canary and baseline else None


def _closing(text: str, start: int) -> int:
    """The index after the parenthesis that closes the one at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _grouping(query: str, end: int) -> tuple[str, set[str]] | None:
    """The ``by``/``without`` clause of the aggregation whose keyword ends at ``end``: it
    may come before the argument (``sum by (x) (...)``) or after it (``sum(...) by (x)``)."""
    before = _GROUPING.match(query, end)
    if before is not None:
        return before.group(1), {label.strip() for label in before.group(2).split(",")}
    if end < len(query) and query[end] == "(":
        after = _GROUPING.match(query, _closing(query, end))
        if after is not None:
            return after.group(1), {label.strip() for label in after.group(2).split(",")}
    return None


def template_problems(query: str) -> list[str]:
    """Why a ``$service`` query template cannot be batched; empty when it can (or when the
    query is literal). A batch sends one query for many services and splits the answer by
    the ``service`` label, so the placeholder must sit in a regex matcher and every
    aggregation must keep that label."""
    if SERVICE_PLACEHOLDER not in query:
        return []
    problems: list[str] = []
    if query.count(SERVICE_PLACEHOLDER) != len(_PLACEHOLDER_MATCHER.findall(query)):
        problems.append(
            '$service may only appear as service=~"$service" (a batch puts an alternation '
            "of services there)"
        )
    for found in _AGGREGATION.finditer(query):
        grouping = _grouping(query, found.end())
        operator = found.group(1)
        if grouping is None:
            problems.append(f"`{operator}` without `by (service)` drops the service label")
        elif grouping[0] == "by" and "service" not in grouping[1]:
            problems.append(f"`{operator} by (...)` must keep the service label")
        elif grouping[0] == "without" and "service" in grouping[1]:
            problems.append(f"`{operator} without (service)` drops the service label")
    return problems


def signal(
    r: Reader,
    backend: str | None,
    check: Callable[[str], list[str]] | None = None,
    hint: str = TEMPLATE_HINT,
) -> SignalRule | None:
    """One ``[[services.KEY.signals]]`` table; None when it has problems (all reported).

    ``check`` says why the query cannot be sent to its backend (default: the PromQL
    template rules); ``hint`` goes with each of its messages.
    """
    r.unknown(SIGNAL_KEYS)
    name = r.required("name", non_empty, 'e.g. name = "5xx ratio"')
    query = r.required("query", non_empty, "the query whose value is judged")
    template_ok = True
    for message in (check or template_problems)(query or ""):
        r.problem("query", message, hint)
        template_ok = False
    mode = SignalMode(
        r.optional("mode", choice([m.value for m in SignalMode]), SignalMode.THRESHOLD.value)
    )
    spec: Baseline | None = None
    bounds = None
    if mode is SignalMode.CANARY_VS_BASELINE:
        spec = comparison(r)
        if any(r.has(k) for k in ("fail_above", "fail_below")):
            bounds = threshold(r)
    else:
        for key in _COMPARISON_ONLY:
            if r.has(key):
                r.problem(
                    key,
                    f"`{key}` only applies to canary-vs-baseline signals",
                    'set mode = "canary-vs-baseline", or remove it',
                )
        bounds = threshold(r)
    fmt = r.optional("format", choice([f.value for f in ValueFormat]), "number")
    limit_hint = "use -1 to disable the failure limit"
    rule = SignalRule(
        name=name or "",
        backend=backend or "",
        query=query or "",
        threshold=bounds,
        format=ValueFormat(fmt),
        unit=r.optional("unit", text, ""),
        interval=r.optional("interval", positive_duration, timedelta(seconds=15)),
        failure_limit=r.optional("failure_limit", at_least(-1, limit_hint), 0),
        inconclusive_limit=r.optional("inconclusive_limit", at_least(0), 0),
        consecutive_error_limit=r.optional("consecutive_error_limit", at_least(0), 4),
        consecutive_success_limit=r.optional("consecutive_success_limit", at_least(1), None),
        count=r.optional("count", at_least(1), None),
        initial_delay=r.optional("initial_delay", duration, timedelta(0)),
        dry_run=r.optional("dry_run", boolean, False),
        critical=r.optional("critical", boolean, False),
        baseline=spec,
    )
    judged = spec is not None if mode is SignalMode.CANARY_VS_BASELINE else bounds is not None
    complete = None not in (name, backend, query) and judged and template_ok
    return rule if complete else None


def policy(r: Reader, index: int) -> Policy | None:
    """One ``[[policies]]`` table: which releases it matches and what it overrides."""
    r.unknown(POLICY_KEYS)
    types = r.optional("release_types", strings, ())
    known = [t.value for t in ReleaseType]
    bad = [t for t in types if t not in known]
    if bad:
        r.problem(
            "release_types",
            f"'{bad[0]}' is not a release type",
            f"use some of: {', '.join(known)}",
        )
    result = Policy(
        name=r.optional("name", non_empty, f"policy {index + 1}"),
        release_types=frozenset(ReleaseType(t) for t in types if t in known),
        environments=frozenset(r.optional("environments", strings, ())),
        soak=r.optional("soak", duration, None),
        failure_limit=r.optional("failure_limit", at_least(-1), None),
        inconclusive_limit=r.optional("inconclusive_limit", at_least(0), None),
        consecutive_error_limit=r.optional("consecutive_error_limit", at_least(0), None),
        require_checklist=r.optional("require_checklist", actions, frozenset()),
    )
    return None if bad else result
