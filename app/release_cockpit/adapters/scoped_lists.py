"""Reading a deploy backend's objects one list per scope (a namespace) instead of one
request per release, and handing each target its own answer or error."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from release_cockpit.domain import RolloutState, Target
from release_cockpit.errors import AdapterError, NotFound

ListScope = TypeVar("ListScope", bound=Hashable)


async def listed_by_scope(
    targets: Sequence[Target],
    scope_of: Callable[[Target], ListScope],
    name_of: Callable[[Target], str],
    read: Callable[[ListScope], Awaitable[Mapping[str, RolloutState]]],
    *,
    backend: str,
    what: str,
) -> dict[Target, RolloutState | AdapterError]:
    """Read one list per scope (a namespace) and pick each target's object from it.

    The usual shape of a deploy adapter's ``rollouts``: Kubernetes lists cost one request
    per namespace however many releases live there. A missing object is a ``NotFound``
    for its own target only.
    """
    scopes: dict[ListScope, list[Target]] = {}
    for target in targets:
        scopes.setdefault(scope_of(target), []).append(target)
    order = list(scopes)
    answers = await asyncio.gather(*(read(scope) for scope in order), return_exceptions=True)
    found: dict[Target, RolloutState | AdapterError] = {}
    for scope, answer in zip(order, answers, strict=True):
        if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
            raise answer
        for target in scopes[scope]:
            if isinstance(answer, AdapterError):
                found[target] = answer
                continue
            state = answer.get(name_of(target))
            found[target] = state or NotFound(
                f"{what} {scope}/{name_of(target)} not found",
                backend=backend,
                hint="check the service's deploy keys in the config",
            )
    return found
