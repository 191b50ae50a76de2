"""A Datadog signal's query text: named metric queries and formulas, and ``$service`` batches.

A signal's ``query`` holds what Datadog's v2 query API takes in one request: several named
metric queries and formulas over them
(https://docs.datadoghq.com/api/latest/metrics/#query-timeseries-data-across-multiple-products).
Statements are separated by ``;`` or new lines:

- ``avg:trace.http.request.duration{service:checkout}``: one bare metric query;
- ``errors = sum:trace.http.request.errors{service:$service}.as_count()`` names a query;
- any other statement is a formula over the names (``errors / hits * 100``), optionally
  named with ``as`` (``errors / hits as ratio``).

Each output (a formula, or each query when there is no formula) answers series labelled
with their group tags plus ``query=<output name>``, so a canary-vs-baseline signal can be
``canary = ...; baseline = ...`` with the matchers ``query="canary"`` and
``query="baseline"``: both populations from one request.

A ``$service`` template is batched across services in one request, in one of two forms:

- ``{service:$service}`` (any scope syntax): every query is sent once per service, renamed
  ``<name>_s<i>``, and the answer is keyed back by query name;
- ``{$service}`` or ``{$service AND env:prod}`` with ``by {service}``: one query whose
  scope is ``service IN (a,b,c)`` (https://docs.datadoghq.com/metrics/advanced-filtering/),
  split by the ``service`` group tag. Requests and query count stay the same whatever the
  number of services. Datadog does not mix ``IN`` with the comma scope syntax, so this form
  needs ``AND`` between scope terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from release_cockpit.adapters.monitoring.datadog_metrics import (
    Formula,
    MetricQuery,
    QueryBatch,
    service_scope,
)
from release_cockpit.adapters.monitoring.promql import SERVICE_PLACEHOLDER
from release_cockpit.adapters.query_results import QueryResult, Sample, Series

OUTPUT_LABEL = "query"
"""The label naming which output (formula or query) a series answers."""

_DEFINITION = re.compile(r"^([A-Za-z][A-Za-z0-9_]{0,63})\s*=(?!=)\s*(.+)$", re.DOTALL)
_ALIAS = re.compile(r"^(.+?)\s+as\s+([A-Za-z][A-Za-z0-9_]{0,63})$", re.DOTALL)
_BY = re.compile(r"\bby\s*\{([^}]*)\}")
_SCOPED = re.compile(r"service:\$service(?![A-Za-z0-9_\-./:])")
_BARE = re.compile(r"(?<=[{(\s,])\$service(?=[\s}),])")
_SCOPE = re.compile(r"\{([^}]*)\}")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class SignalQuery:
    """A parsed signal query: named metric queries and formulas (maybe none)."""

    queries: tuple[MetricQuery, ...]
    formulas: tuple[Formula, ...] = ()

    @property
    def outputs(self) -> tuple[str, ...]:
        """What the answer is keyed by: the formulas' names, else the queries' names."""
        if self.formulas:
            return tuple(f.alias for f in self.formulas)
        return tuple(q.name for q in self.queries)

    @property
    def templated(self) -> tuple[MetricQuery, ...]:
        return tuple(q for q in self.queries if SERVICE_PLACEHOLDER in q.query)

    @property
    def split_by_tag(self) -> bool:
        """True for the ``{$service} by {service}`` form (one query for every service)."""
        templated = self.templated
        return bool(templated) and all(not _SCOPED.search(q.query) for q in templated)


def _statements(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def parse_signal_query(text: str, aggregator: str = "avg") -> SignalQuery:
    """The named queries and formulas of a signal's query text.

    Raises:
        ValueError: no query, a duplicate name, an invalid name, a formula naming no
            query, or several statements without names.
    """
    statements = _statements(text)
    if not statements:
        raise ValueError("the query is empty")
    queries: list[MetricQuery] = []
    formulas: list[tuple[str, str]] = []
    for statement in statements:
        definition = _DEFINITION.match(statement)
        if definition and ":" in definition.group(2):
            queries.append(
                MetricQuery(definition.group(1), definition.group(2).strip(), aggregator)
            )
            continue
        alias = _ALIAS.match(statement)
        formula, name = (alias.group(1).strip(), alias.group(2)) if alias else (statement, "")
        formulas.append((formula, name))
    if not queries:
        if len(formulas) != 1:
            raise ValueError(
                "several statements but no named query: name each metric query "
                "(errors = sum:...{...}; hits = sum:...{...}; errors / hits)"
            )
        return SignalQuery((MetricQuery("query", formulas[0][0], aggregator),))
    names = [q.name for q in queries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"query name {duplicates[0]!r} is defined twice")
    built: list[Formula] = []
    for index, (formula, name) in enumerate(formulas):
        used = set(_IDENTIFIER.findall(formula)) & set(names)
        if not used:
            raise ValueError(
                f"formula {formula!r} uses none of the named queries ({', '.join(names)})"
            )
        built.append(Formula(formula, name or f"f{index}"))
    aliases = [f.alias for f in built]
    if len(set(aliases)) != len(aliases) or set(aliases) & set(names):
        raise ValueError("formula names (after `as`) must be unique and differ from query names")
    return SignalQuery(tuple(queries), tuple(built))


def signal_problems(text: str) -> list[str]:
    """Why a Datadog signal query cannot be sent (for the config loader); [] when it can."""
    try:
        signal = parse_signal_query(text)
    except ValueError as exc:
        return [str(exc)]
    problems: list[str] = []
    for query in signal.templated:
        scopes = _BY.sub("", query.query)  # a $service in `by {...}` is not in a scope
        scoped = len(_SCOPED.findall(scopes))
        bare = len(_BARE.findall(scopes))
        if scoped + bare != query.query.count(SERVICE_PLACEHOLDER):
            problems.append(
                f"{query.name}: $service may only appear in a scope, as service:$service or "
                "as a term of its own ({$service AND env:prod})"
            )
            continue
        if bare and scoped:
            problems.append(f"{query.name}: use either service:$service or {{$service}}, not both")
        if bare:
            grouping = _BY.search(query.query)
            if grouping is None or "service" not in [t.strip() for t in grouping[1].split(",")]:
                problems.append(
                    f"{query.name}: a {{$service}} scope needs `by {{service}}` so the answer "
                    "can be split by service (or write service:$service)"
                )
            for scope in _SCOPE.findall(query.query):
                if SERVICE_PLACEHOLDER in scope and "," in scope:
                    problems.append(
                        f"{query.name}: join {{$service}} to other scope terms with AND, not a "
                        "comma (Datadog does not mix IN with the comma syntax)"
                    )
    if (
        signal.templated
        and not signal.split_by_tag
        and any(not _SCOPED.search(q.query) for q in signal.templated)
    ):
        problems.append("every templated query must use the same $service form")
    return problems


# --- batches ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Batch:
    """One request's queries, and how to read each sent output back.

    ``outputs`` maps a sent output name to (the service it measures or "" for every
    service, the signal's own output name).
    """

    request: QueryBatch
    outputs: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def sent(self) -> tuple[str, ...]:
        return self.request.outputs


def literal_batch(signal: SignalQuery) -> Batch:
    """The signal as written (no placeholder, or one service already substituted)."""
    request = QueryBatch(signal.queries, signal.formulas)
    return Batch(request, {name: ("", name) for name in request.outputs})


def _rename(formula: str, names: Mapping[str, str]) -> str:
    """Query names in a formula replaced; functions (``abs(``) are left alone."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        following = formula[match.end() :].lstrip()
        if following.startswith("("):
            return word
        return names.get(word, word)

    return _IDENTIFIER.sub(replace, formula)


def service_batch(signal: SignalQuery, services: Sequence[str]) -> Batch:
    """One request answering the signal for every service of a ``$service`` template.

    Raises:
        ValueError: a service name Datadog cannot put in a tag scope.
    """
    unique = list(dict.fromkeys(services))
    if not signal.templated:
        return literal_batch(signal)
    if signal.split_by_tag:
        scope = service_scope(unique)
        scoped = tuple(
            MetricQuery(q.name, _fill(q.query, scope, scope), q.aggregator) for q in signal.queries
        )
        request = QueryBatch(scoped, signal.formulas)
        return Batch(request, {name: ("", name) for name in request.outputs})
    queries: list[MetricQuery] = []
    formulas: list[Formula] = []
    outputs: dict[str, tuple[str, str]] = {}
    for index, service in enumerate(unique):
        service_scope([service])  # refuses a name Datadog cannot scope by
        names = {q.name: f"{q.name}_s{index}" for q in signal.queries}
        for query in signal.queries:
            text = _fill(query.query, f"service:{service}", f"service:{service}")
            queries.append(MetricQuery(names[query.name], text, query.aggregator))
        for formula in signal.formulas:
            alias = f"{formula.alias}_s{index}"
            formulas.append(Formula(_rename(formula.formula, names), alias))
            outputs[alias] = (service, formula.alias)
        if not signal.formulas:
            outputs.update({names[q.name]: (service, q.name) for q in signal.queries})
    return Batch(QueryBatch(tuple(queries), tuple(formulas)), outputs)


def _fill(query: str, scoped: str, bare: str) -> str:
    text = _SCOPED.sub(lambda _: scoped, query)
    return _BARE.sub(lambda _: bare, text)


def _labelled(labels: Mapping[str, str], service: str, output: str) -> dict[str, str]:
    found = dict(labels)
    found.setdefault(OUTPUT_LABEL, output)
    if service:
        found.setdefault("service", service)
    return found


def series_of(batch: Batch, answer: Mapping[str, tuple[Series, ...]]) -> tuple[Series, ...]:
    """Every series of a timeseries answer, labelled with its signal output (and service)."""
    found: list[Series] = []
    for sent, (service, output) in batch.outputs.items():
        for one in answer.get(sent, ()):
            found.append(Series(_labelled(one.labels, service, output), one.points))
    return tuple(found)


def samples_of(batch: Batch, answer: Mapping[str, QueryResult]) -> QueryResult:
    """Every sample of a scalar answer, labelled with its signal output (and service)."""
    samples: list[Sample] = []
    notes: list[str] = []
    for sent, (service, output) in batch.outputs.items():
        result = answer.get(sent)
        if result is None:
            continue
        notes += [n for n in result.warnings if n not in notes]
        samples += [
            Sample(_labelled(s.labels, service, output), s.value, s.at) for s in result.samples
        ]
    return QueryResult("datadog-scalar", tuple(samples), tuple(notes))
