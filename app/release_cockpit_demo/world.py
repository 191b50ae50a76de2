"""The simulated release world: every release line, an injectable clock, and one lock.

The world is pure state plus a clock (a callable returning epoch seconds). Its state is a
function of (scenario, start time, now, actions applied so far): tests build a ``World``
with a fake clock and jump it forward. The HTTP server holds ``lock`` while it advances
the lines it needs and reads them; every call is quick, so no request waits long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from release_cockpit_demo.extras import Extras
from release_cockpit_demo.flag_board import FlagBoard
from release_cockpit_demo.line import Line, Stage
from release_cockpit_demo.release_lines import DEFAULT_RELEASES, LineSpec, line_specs
from release_cockpit_demo.scenarios import CIFamily, DeployFamily

Clock = Callable[[], float]
ROLLOUT_FAMILIES = frozenset({DeployFamily.ARGO_ROLLOUTS, DeployFamily.ARGO_CD})

__all__ = ["Clock", "Line", "Stage", "World"]


class World:
    """All release lines of the demo, built from ``releases`` (10 named lines, or svc-NNN
    built by ``ci``) and the named ``families`` of extra lines."""

    def __init__(
        self,
        releases: int = DEFAULT_RELEASES,
        *,
        clock: Clock = time.time,
        start: float | None = None,
        families: Sequence[str] = (),
        ci: CIFamily | None = None,
    ) -> None:
        """``families`` adds named lines beyond the default ones (``release_lines.FAMILIES``)."""
        self.clock = clock
        self.start = clock() if start is None else start
        self.lock = threading.RLock()
        self._last = self.start
        self.specs: tuple[LineSpec, ...] = line_specs(releases, families, ci)
        self.lines: tuple[Line, ...] = tuple(Line(s, self.start) for s in self.specs)
        # Services whose canary error ratio moves every wall-clock second (benchmarks).
        self.ticking: frozenset[str] = frozenset()
        # Each line's CI lives on one system: its repository, project or job is found there.
        self._by_ci: dict[CIFamily, dict[str, Line]] = {family: {} for family in CIFamily}
        for line in self.lines:
            self._by_ci[line.spec.ci][line.spec.repo.lower()] = line
        self._by_service = {line.service: line for line in self.lines}
        # A Rollout exists for the Argo Rollouts lines and for the one Argo CD manages.
        self._by_rollout = {
            (line.spec.namespace, line.service): line
            for line in self.lines
            if line.spec.family in ROLLOUT_FAMILIES
        }
        self.extras = {line.service: Extras() for line in self.lines}
        # The feature flags guarding lines of the world (the "flags" family's).
        self.flags = FlagBoard(line.service for line in self.lines)
        self._by_namespace: dict[str, list[Line]] = {}
        for line in self.lines:
            self._by_namespace.setdefault(line.spec.namespace, []).append(line)
        self.advance(self.lines)

    def now(self) -> float:
        """The clock's time, never earlier than a time already seen (state never rewinds)."""
        with self.lock:
            self._last = max(self._last, self.clock())
            return self._last

    def advance(self, lines: Iterable[Line] | None = None) -> float:
        """Bring ``lines`` (default: all) up to now; returns the time they are valid at."""
        with self.lock:
            now = self.now()
            for line in self.lines if lines is None else lines:
                line.advance(now)
            return now

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(self._by_namespace)

    def line(self, service: str) -> Line:
        """The line of a service by name.

        Raises:
            KeyError: no such service in this world.
        """
        return self._by_service[service]

    def by_repo(self, repo: str) -> Line | None:
        """GitHub matches owner/repo case-insensitively."""
        return self._by_ci[CIFamily.GITHUB].get(repo.lower())

    def by_project(self, path: str) -> Line | None:
        """A GitLab project by full path (GitLab matches it case-insensitively)."""
        return self._by_ci[CIFamily.GITLAB].get(path.strip("/").lower())

    def built_by(self, family: CIFamily) -> tuple[Line, ...]:
        """The lines whose CI runs on ``family``, in line order."""
        return tuple(self._by_ci[family].values())

    def by_service(self, service: str) -> Line | None:
        return self._by_service.get(service)

    def by_rollout(self, namespace: str, name: str) -> Line | None:
        return self._by_rollout.get((namespace, name))

    def resource_version(self) -> int:
        """A list's resourceVersion: grows whenever any line changes."""
        return 100_000 + sum(line.changes for line in self.lines)

    def in_namespace(self, namespace: str) -> tuple[Line, ...]:
        return tuple(self._by_namespace.get(namespace, ()))

    def of_family(self, family: DeployFamily, namespace: str | None = None) -> tuple[Line, ...]:
        """The lines deployed by ``family`` (in ``namespace`` when given)."""
        lines = self.lines if namespace is None else self.in_namespace(namespace)
        return tuple(line for line in lines if line.spec.family is family)
