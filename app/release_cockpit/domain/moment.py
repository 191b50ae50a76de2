"""When a person is asked how a release went (``domain/human.py`` holds the answers).

Its own module so the TUI's question flow can name the moments before the first frame
without importing the DORA figures behind the answers.
"""

from __future__ import annotations

from enum import Enum


class Moment(Enum):
    """When the question was asked."""

    PROMOTE = "promote"
    ROLLBACK = "rollback"
    ABORT = "abort"
    FINISHED = "finished"
