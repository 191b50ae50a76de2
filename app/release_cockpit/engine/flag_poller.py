"""One poll of a flag backend: the state of every flag the release lines name.

Lines that name the same flag (two services guarded by one flag, or one flag read for two
environments of the same backend target) share one answer; the adapter batches the rest
(one OFREP bulk evaluation, one Unleash read per flag for all its environments).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from release_cockpit.adapters.base import FlagSource
from release_cockpit.domain import Target
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.poll_result import PollResult, PollView, Usage, flag_target
from release_cockpit.errors import AdapterError, BadResponse, NotFound


class FlagPoller:
    """Every configured flag of one backend, once per poll."""

    def __init__(
        self,
        source: str,
        adapter: FlagSource,
        targets: Mapping[str, Sequence[Target]],
        clock: Clock,
    ) -> None:
        """``targets``: release key -> the targets of its flags on this backend."""
        self.source = source
        self.adapter = adapter
        self.clock = clock
        self.lines: dict[Target, list[str]] = defaultdict(list)
        for key, flags in targets.items():
            for target in flags:
                self.lines[target].append(key)

    async def poll(self, view: PollView) -> PollResult:
        result = PollResult(self.source)
        answers = await self.adapter.flags(list(self.lines))
        for target, keys in self.lines.items():
            answer = answers.get(target)
            if answer is None:
                answer = BadResponse(
                    f"{self.source} gave no answer for flag {target.label}",
                    backend=self.source,
                    hint="this is an adapter bug; please report it",
                )
            for key in keys:
                if isinstance(answer, NotFound):
                    result.flags[target] = None
                    result.fail(flag_target(key, target), answer)
                elif isinstance(answer, AdapterError):
                    result.fail(flag_target(key, target), answer)
                else:
                    result.flags[target] = answer
                    result.ok(flag_target(key, target))
        result.usage = Usage(self.adapter.last_latency_ms(), self.adapter.rate_limit_remaining())
        return result
