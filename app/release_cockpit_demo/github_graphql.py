"""GitHub's GraphQL endpoint of the demo world: ``POST /github/graphql``.

Any query over the part of GitHub's schema the world holds is answered: the schema is a
verbatim extract of GitHub's published one (``github_schema.graphql``), executed by
graphql-core (the Python port of the GraphQL reference implementation), so aliases,
variables, fragments and ``__typename`` behave as on api.github.com. What GitHub adds
around the GraphQL spec is reproduced here:

- a token is required: without ``Authorization`` the answer is HTTP 401 with GitHub's
  "basic-error" body (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql);
- failures come inside HTTP 200 as ``errors`` with GitHub's ``type`` and the ``path`` of
  the alias they belong to (a node that does not exist is ``NOT_FOUND``);
- every connection needs ``first`` or ``last``, at most 100, and a query costs points by
  GitHub's formula, out of 5,000 an hour, reported by ``rateLimit`` and by the
  ``x-ratelimit-*`` headers with ``x-ratelimit-resource: graphql``
  (https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api).

The objects are built from the same REST payloads ``github_payloads`` serves (a check suite
is the run, a check run the job), so both APIs tell one story. A tag push's check suite
names no branch (``branch: null``), the case a client cannot rule out.

This module is the endpoint; ``github_graphql_schema`` holds the schema, validation and
cost, ``github_graphql_objects`` the objects a query reads.
"""

from __future__ import annotations

import json
from typing import Any

from release_cockpit_demo.github_graphql_objects import QueryContext
from release_cockpit_demo.github_graphql_schema import graphql_error, prepared, query_cost, schema
from release_cockpit_demo.github_quota import Quota
from release_cockpit_demo.payloads import JSON
from release_cockpit_demo.wire import Request, Response, json_response
from release_cockpit_demo.world import World

AUTH_DOCS = (
    "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
)


class GitHubGraphQL:
    """Answers ``POST /graphql`` for the world's GitHub lines."""

    def __init__(self, world: World, quota: Quota) -> None:
        self.world = world
        self.quota = quota

    def handle(self, request: Request) -> Response:
        if not request.header("Authorization"):
            return json_response(
                401,
                {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": AUTH_DOCS,
                },
            )
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return json_response(
                400, {"message": "Problems parsing JSON", "documentation_url": AUTH_DOCS}
            )
        body = body if isinstance(body, dict) else {}
        given = body.get("variables")
        variables: dict[str, Any] = given if isinstance(given, dict) else {}
        with self.world.lock:
            payload, headers = self._answer(
                str(body.get("query") or ""), variables, body.get("operationName"), request
            )
        return json_response(200, payload, headers)

    def _answer(
        self, query: str, variables: dict[str, Any], operation: object, request: Request
    ) -> tuple[JSON, tuple[tuple[str, str], ...]]:
        """(answer, rate-limit headers): a query that does not run costs nothing."""
        from graphql import execute_sync

        now = self.world.now()
        document, problems = prepared(query)
        if document is None:
            return {"errors": list(problems)}, self.quota.spend(now, 0)
        name = operation if isinstance(operation, str) else None
        cost, limits = query_cost(document, variables, name)
        if limits:
            return {"errors": limits}, self.quota.spend(now, 0)
        headers = self.quota.spend(now, cost)
        context = QueryContext(self.world, request, self.quota, cost)
        result = execute_sync(
            schema(),
            document,
            root_value=context.root(),
            variable_values=variables,
            operation_name=name,
        )
        answer: JSON = {"data": result.data}
        errors = [graphql_error(e) for e in result.errors or ()] + context.errors
        if errors:
            answer["errors"] = errors
        return answer, headers
