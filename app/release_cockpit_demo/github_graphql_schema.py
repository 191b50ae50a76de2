"""GitHub's GraphQL schema in the demo world: built once, queries validated and costed.

The schema is a verbatim extract of GitHub's published one (``github_schema.graphql``),
run by graphql-core (the Python port of the GraphQL reference implementation). What GitHub
adds around the spec lives here too: every connection needs ``first`` or ``last``, at
most 100, and a query costs points by GitHub's formula
(https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api).
Errors take GitHub's shape (``type`` at the top). ``github_graphql`` serves the endpoint.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from release_cockpit_demo.payloads import JSON

MAX_PAGE = 100
LIMITS_DOCS = (
    "https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api"
)


@cache
def schema() -> Any:
    """The executable schema, built once (graphql-core is imported only when GitHub's
    GraphQL endpoint is first asked, so the rest of the world starts without it).

    GitHub's ``Int`` fields carry ids past 2^31 (a recorded ``WorkflowRun.databaseId`` is
    11073456019, ebmdatalab/bennettbot ``tests/workspace/workflows``), which the GraphQL
    spec's 32-bit ``Int`` would refuse: output fields of type ``Int`` get a scalar of the
    same name that serializes any integer, as GitHub does; arguments keep the spec's.
    """
    from graphql import (
        GraphQLInt,
        GraphQLInterfaceType,
        GraphQLList,
        GraphQLNonNull,
        GraphQLObjectType,
        GraphQLScalarType,
        build_schema,
    )

    text = resources.files("release_cockpit_demo").joinpath("github_schema.graphql")
    built = build_schema(text.read_text(encoding="utf-8"))
    wide = GraphQLScalarType(
        "WideInt", serialize=lambda value: int(value), description=GraphQLInt.description
    )
    wide.name = "Int"  # what introspection shows; the constructor reserves the name

    def widened(kind: Any) -> Any:
        if isinstance(kind, GraphQLNonNull):
            return GraphQLNonNull(widened(kind.of_type))
        if isinstance(kind, GraphQLList):
            return GraphQLList(widened(kind.of_type))
        return wide if kind is GraphQLInt else kind

    for kind in built.type_map.values():
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field in kind.fields.values():
                field.type = widened(field.type)
        if isinstance(kind, GraphQLInterfaceType):
            # Every object the world builds names its type; reading it is all it takes.
            kind.resolve_type = lambda value, info, abstract: value["__typename"]
    return built


@lru_cache(maxsize=128)
def prepared(query: str) -> tuple[Any, tuple[JSON, ...]]:
    """(document, no errors) or (None, syntax or validation errors) for a query text.

    Kept per text: a client sends the same few queries every poll, and parsing and
    validating them costs twice what running them does."""
    from graphql import GraphQLError, parse, validate

    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (graphql_error(exc),)
    problems = validate(schema(), document)
    if problems:
        return None, tuple(graphql_error(e) for e in problems)
    return document, ()


def graphql_error(exc: Any) -> JSON:
    """A graphql-core error in GitHub's shape: ``type`` at the top, ``path``, ``locations``."""
    formatted: JSON = dict(exc.formatted)
    extensions = formatted.pop("extensions", None) or {}
    if "type" in extensions:
        formatted = {"type": extensions["type"], **formatted}
    return formatted


def query_cost(
    document: Any, variables: dict[str, Any], operation: str | None
) -> tuple[int, list[JSON]]:
    """(points, pagination errors) by GitHub's formula: every connection costs the number
    of requests needed to fill it, each ``first``/``last`` assumed reached; the sum over
    100, rounded, at least 1. ``nodes(ids:)`` repeats what it holds once per id."""
    from graphql import (
        FieldNode,
        FragmentDefinitionNode,
        FragmentSpreadNode,
        InlineFragmentNode,
        OperationDefinitionNode,
        get_named_type,
        value_from_ast_untyped,
    )

    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (o for o in operations if operation is None or (o.name and o.name.value == operation)),
        None,
    )
    errors: list[JSON] = []
    total = 0

    def walk(selections: Any, parent: Any, times: int) -> None:
        nonlocal total
        for node in selections.selections:
            if isinstance(node, FragmentSpreadNode):
                fragment = fragments[node.name.value]
                kind = schema().get_type(fragment.type_condition.name.value)
                walk(fragment.selection_set, kind, times)
            elif isinstance(node, InlineFragmentNode):
                kind = (
                    schema().get_type(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                walk(node.selection_set, kind, times)
            elif isinstance(node, FieldNode) and node.name.value in getattr(parent, "fields", {}):
                field_type = get_named_type(parent.fields[node.name.value].type)
                args = {
                    a.name.value: value_from_ast_untyped(a.value, variables)
                    for a in node.arguments or ()
                }
                inner = times
                if field_type.name.endswith("Connection"):
                    size = args.get("first", args.get("last"))
                    label = node.name.value
                    if not isinstance(size, int):
                        errors.append(
                            _limit_error(
                                "MISSING_PAGINATION_BOUNDARIES",
                                "You must provide a `first` or `last` value to properly "
                                f"paginate the `{label}` connection.",
                            )
                        )
                        size = 0
                    elif not 0 <= size <= MAX_PAGE:
                        errors.append(
                            _limit_error(
                                "EXCESSIVE_PAGINATION",
                                f"Requesting {size} records on the `{label}` connection "
                                f"exceeds the `first` limit of {MAX_PAGE} records.",
                            )
                        )
                    total += times
                    inner = times * max(size, 1)
                elif node.name.value == "nodes" and isinstance(args.get("ids"), list):
                    inner = times * max(len(args["ids"]), 1)
                if node.selection_set is not None:
                    walk(node.selection_set, field_type, inner)

    if chosen is not None:
        walk(chosen.selection_set, schema().query_type, 1)
    return max(1, math.floor(total / 100 + 0.5)), errors


def _limit_error(kind: str, message: str) -> JSON:
    return {"type": kind, "message": message, "documentation_url": LIMITS_DOCS}
