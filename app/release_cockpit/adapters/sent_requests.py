"""What an action actually sent, whatever the adapter returns or raises.

The audit record of an action lists the requests it sent. An adapter's ``ActionResult``
can only say so when the call returns: a call that times out, or fails on its second
request, returned nothing, and its record used to read ``requests: []`` while the
backend had applied the first one. The HTTP client notes every request here *before*
sending it (a request that may have reached the backend counts), and its status once
answered; the action path opens a log around the call and reads it whatever happens.

A context variable, so concurrent polls in other tasks never write into an action's log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_LOG: ContextVar[list[str] | None] = ContextVar("release_cockpit_sent_requests", default=None)


@contextmanager
def sent_requests() -> Iterator[list[str]]:
    """A list that collects ``"METHOD /path"`` (then ``"... -> 200"``) for every request
    sent by the current task until the block ends."""
    log: list[str] = []
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)


def note_sending(line: str) -> int | None:
    """Note a request about to be sent; its index for ``note_answer`` (None: no log)."""
    log = _LOG.get()
    if log is None:
        return None
    log.append(line)
    return len(log) - 1


def note_answer(index: int | None, status: int) -> None:
    """Add the answer's status to the request noted at ``index``."""
    _amend(index, f" -> {status}")


def note_unsent(index: int | None) -> None:
    """The request noted at ``index`` never left: no connection was made."""
    _amend(index, f" {NOT_SENT}")


def unanswered(log: list[str]) -> bool:
    """Whether a request of ``log`` may have reached the backend without an answer: the
    backend may or may not have applied it."""
    return any(" -> " not in line and not line.endswith(NOT_SENT) for line in log)


NOT_SENT = "(not sent: no connection)"


def _amend(index: int | None, suffix: str) -> None:
    log = _LOG.get()
    if index is None or log is None or index >= len(log):
        return
    log[index] = f"{log[index]}{suffix}"
