"""Change sets of new releases over GraphQL: 50 version ranges per request, REST for long ones.

The Plan stage needs each new release's commits (``changes``). GraphQL compares two refs
with ``Ref.compare(headRef:)`` (https://docs.github.com/en/graphql/reference/objects#ref,
``Comparison``: ``status``, ``aheadBy``, ``commits { totalCount }``); one request asks for
every range that the same poll wants, as aliases ``c{i}``. The calls arrive one by one
(the poller asks for each range concurrently), so ``CompareBatcher`` collects the calls
made in the same turn of the event loop and sends them together.

The answer is rewritten into the shape of REST's compare (``GET /repos/{o}/{r}/compare/
{base}...{head}``, https://docs.github.com/en/rest/commits/commits#compare-two-commits) so
one parser (``github_actions_parsing.parse_compare``) reads both. A range of more than
``COMPARE_COMMITS`` commits (one GraphQL page) is read over REST, whose answer holds 250:
the pull requests and authors of a long range are not cut short.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from release_cockpit.adapters.ci.github_graphql import GraphQLAnswer, alias_error
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig

COMPARE_BATCH = 50
"""Version ranges per compare query."""
COMPARE_COMMITS = 100
"""Commits read per range (one page); a longer range is read over REST."""
LONG = "long"
"""``comparison_payload``'s answer for a range longer than one page: ask REST."""


def compare_request(ranges: Sequence[tuple[str, str, str, str]]) -> dict[str, object]:
    """The body of one compare query; each range is (owner, name, base tag, head tag).

    Raises:
        ValueError: more than ``COMPARE_BATCH`` ranges.
    """
    if len(ranges) > COMPARE_BATCH:
        raise ValueError(f"at most {COMPARE_BATCH} ranges per GraphQL request")
    declared = []
    fields = []
    variables: dict[str, object] = {}
    for i, (owner, name, base, head) in enumerate(ranges):
        declared += [f"$o{i}: String!", f"$n{i}: String!", f"$b{i}: String!", f"$h{i}: String!"]
        variables.update({f"o{i}": owner, f"n{i}": name, f"b{i}": f"refs/tags/{base}"})
        variables[f"h{i}"] = f"refs/tags/{head}"
        fields.append(
            f"  c{i}: repository(owner: $o{i}, name: $n{i}) {{ url "
            f"base: ref(qualifiedName: $b{i}) {{ compare(headRef: $h{i}) {{ "
            "...ReleaseCockpitRange } } }"
        )
    query = (
        f"query ReleaseCockpitCompare({', '.join(declared)}) {{\n"
        + "\n".join(fields)
        + "\n  rateLimit { cost limit remaining resetAt used }\n}\n"
        + "fragment ReleaseCockpitRange on Comparison {\n"
        + f"  status aheadBy commits(first: {COMPARE_COMMITS}) {{ totalCount nodes {{\n"
        + "    oid message authoredDate author { name user { login } } } }\n}\n"
    )
    return {"query": query, "operationName": "ReleaseCockpitCompare", "variables": variables}


def comparison_payload(repository: object, base: str, head: str) -> dict[str, Any] | str | None:
    """``c{i}`` of a compare answer as REST's compare payload; None when either tag does not
    exist (GitHub answers ``base: null`` or ``compare: null``); ``LONG`` when the range has
    more commits than one page."""
    comparison = dig(repository, "base", "compare")
    if not isinstance(comparison, dict):
        return None
    commits = as_dict(comparison.get("commits"))
    total = as_int(commits.get("totalCount"))
    nodes = [n for n in as_list(commits.get("nodes")) if isinstance(n, dict)]
    if total is not None and total > len(nodes):
        return LONG
    url = as_str(dig(repository, "url"), 300)
    return {
        "status": as_str(comparison.get("status"), 20).lower(),
        "ahead_by": as_int(comparison.get("aheadBy")),
        "total_commits": total if total is not None else len(nodes),
        "html_url": f"{url}/compare/{base}...{head}" if url else "",
        "commits": [
            {
                "sha": as_str(node.get("oid"), 64),
                "commit": {
                    "message": node.get("message"),
                    "author": {
                        "name": dig(node, "author", "name"),
                        "date": node.get("authoredDate"),
                    },
                },
                "author": {"login": dig(node, "author", "user", "login")}
                if dig(node, "author", "user", "login")
                else None,
            }
            for node in nodes
        ],
    }


Query = Callable[[dict[str, object]], Awaitable[GraphQLAnswer]]


@dataclass(slots=True)
class _Ask:
    where: tuple[str, str, str, str]
    answer: asyncio.Future[dict[str, Any] | str | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class CompareBatcher:
    """Collects the ranges asked for in one turn of the event loop into compare queries."""

    def __init__(self, query: Query, backend: str) -> None:
        self._query = query
        self._backend = backend
        self._pending: list[_Ask] = []
        # The loop keeps only weak references to tasks: a sender must not be collected
        # mid-flight (https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task).
        self._senders: set[asyncio.Task[None]] = set()

    async def compare(
        self, owner: str, name: str, base: str, head: str
    ) -> dict[str, Any] | str | None:
        """REST's compare payload for tags ``base``...``head``, None without them, ``LONG``.

        Raises:
            AdapterError: the query, or this range, failed.
        """
        ask = _Ask((owner, name, base, head))
        self._pending.append(ask)
        if len(self._pending) == 1:
            sender = asyncio.get_running_loop().create_task(self._send())
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)
        return await ask.answer

    async def _send(self) -> None:
        await asyncio.sleep(0)  # the other ranges of this poll are asked in this turn
        asks, self._pending = self._pending, []
        chunks = [asks[i : i + COMPARE_BATCH] for i in range(0, len(asks), COMPARE_BATCH)]
        await asyncio.gather(*(self._send_chunk(chunk) for chunk in chunks))

    async def _send_chunk(self, chunk: list[_Ask]) -> None:
        try:
            answer = await self._query(compare_request([a.where for a in chunk]))
        except Exception as exc:  # passed on: an ask left unanswered would hang its poll
            for ask in chunk:
                if not ask.answer.done():  # a poll cut at its deadline stopped waiting
                    ask.answer.set_exception(exc)
            return
        for index, ask in enumerate(chunk):
            alias = f"c{index}"
            value = answer.value(alias)
            owner, name, base, head = ask.where
            problems = answer.problems(alias)
            if ask.answer.done():
                continue
            if value is None and problems and all(p.type == "NOT_FOUND" for p in problems):
                ask.answer.set_result(None)  # as REST's 404: no such repository or tag
            elif value is None:
                where = f"{owner}/{name}"
                ask.answer.set_exception(alias_error(self._backend, where, problems, "range"))
            else:
                ask.answer.set_result(comparison_payload(value, base, head))
