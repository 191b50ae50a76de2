"""Everything the metrics screen and `dora` show, computed once from one read of history:
DORA per group and for everything, the answers beside them, where the time goes per
service, and batch size against failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from release_cockpit.domain.delivery import (
    BatchGroup,
    StageDurations,
    StageSpan,
    batch_table,
    stage_durations,
)
from release_cockpit.domain.dora import DoraFigures, Group, compute_dora, compute_dora_by
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.domain.human import Answer, HumanFigures, human_figures
from release_cockpit.domain.stages import StageName


@dataclass(frozen=True, slots=True)
class HistoryBundle:
    """What one read of the history store returns for the metrics (records since a time,
    the answers given since then, and each release's stage spans)."""

    records: list[ReleaseRecord] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    spans: Mapping[tuple[str, str], Mapping[StageName, StageSpan]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Insights:
    group: Group
    window: timedelta
    figures: tuple[DoraFigures, ...]
    everything: DoraFigures
    human: tuple[HumanFigures, ...]
    human_all: HumanFigures
    stages: tuple[StageDurations, ...]
    batches: tuple[BatchGroup, ...]
    batch_unknown: int

    def human_of(self, key: str) -> HumanFigures | None:
        return next((h for h in self.human if h.key == key), None)


def insights(
    bundle: HistoryBundle, now: datetime, window: timedelta, group: Group = Group.SERVICE
) -> Insights:
    """Production releases only, as DORA counts them (a staging line would read Low)."""
    records: Sequence[ReleaseRecord] = [r for r in bundle.records if r.production]
    everything = compute_dora(records, now, window)
    if group is Group.ALL:
        figures: tuple[DoraFigures, ...] = (everything,)
    else:
        figures = compute_dora_by(records, now, window, group)
    human = human_figures(bundle.answers, now, window, group)
    human_all = human_figures(bundle.answers, now, window, Group.ALL)[0]
    batches, unknown = batch_table(records, now, window)
    return Insights(
        group=group,
        window=window,
        figures=figures,
        everything=everything,
        human=tuple(human),
        human_all=human_all,
        stages=tuple(stage_durations(records, bundle.spans, now, window)),
        batches=batches,
        batch_unknown=unknown,
    )
