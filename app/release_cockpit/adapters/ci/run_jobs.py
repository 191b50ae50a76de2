"""Filling in the jobs of a poll's runs without losing the poll to one failed read.

A runs list costs one request; each run's jobs (steps, stages) cost one more. Those
follow-up reads can fail on their own: a run deleted between the list and its jobs
(404), one garbled answer, one slow answer. Such a failure belongs to that run only: the
run is kept with ``jobs_problem`` saying why, its stages read "jobs not read: ..." (never
"no matching jobs ran"), and every other run of the poll keeps what arrived.

A failure that says the whole backend is out of reach (refused credentials, a spent
rate limit, no connection) is raised as before: it is every run's problem, and the
engine's backoff and the source's "down" mark are the right answers to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from release_cockpit.domain.ci import CIRun
from release_cockpit.errors import AdapterError, AuthError, RateLimited, Unreachable

BACKEND_WIDE: tuple[type[AdapterError], ...] = (AuthError, RateLimited, Unreachable)
"""Failures that are the backend's, not one run's: they fail the poll."""


def jobs_problem_text(error: AdapterError) -> str:
    """One line for the panel: the error's message, without newlines."""
    return " ".join(str(error).split()) or error.title


async def fill_runs(
    runs: Sequence[CIRun],
    indexes: Sequence[int],
    read: Callable[[CIRun], Awaitable[CIRun]],
) -> tuple[CIRun, ...]:
    """``runs`` with ``read(run)`` (the run with its jobs) applied at ``indexes``, read
    concurrently; a run whose read failed on its own keeps its place with ``jobs_problem``.

    Raises:
        AdapterError: a backend-wide failure (``BACKEND_WIDE``), once every read ended.
    """
    answers = await asyncio.gather(*(read(runs[i]) for i in indexes), return_exceptions=True)
    result = list(runs)
    for index, answer in zip(indexes, answers, strict=True):
        if isinstance(answer, AdapterError) and not isinstance(answer, BACKEND_WIDE):
            result[index] = replace(runs[index], jobs_problem=jobs_problem_text(answer))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            result[index] = answer
    return tuple(result)
