"""DORA performance tiers (elite/high/medium/low) by report year, and placing a figure in one.

Each annual Accelerate State of DevOps report publishes its own clusters: the names stay,
the cut-offs move, and some years have no elite cluster at all (2022). So the table is
chosen by report year (``DEFAULT_YEAR`` is 2024) and every table says where its numbers
come from and how sure we are of them (``TierTable.source`` and ``TierTable.caveat``).

The reports describe clusters, not thresholds: each cluster's *typical* values. To place
one figure we read each published band as a limit and walk the tiers best first:

* deployment frequency (deploys per day): the first tier whose lower limit the value
  reaches; "on demand / multiple deploys per day" means more than one per day;
* lead time, change failure rate, time to restore: the first tier whose upper limit the
  value stays within ("less than" limits are strict, "between ... and X" include X);
* the worst tier has no limit: anything slower or worse than the tier above is Low;
* a value in a gap between two published bands gets the worse tier;
* where a worse tier publishes the same or a better limit than a better tier (2024: Medium
  CFR 10% below High 20%), the better tier wins and the worse one cannot be reached for
  that metric; the report clusters on all four metrics together, not one at a time.

A month is 30 days and six months 182 days. Sources are quoted per table below and in
docs/dora.md; where we could not check a cut-off against the report itself, the table's
``caveat`` says so instead of presenting it as certain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from release_cockpit.domain.dora import DoraFigures, Metric

DEFAULT_YEAR = 2024
MONTH = timedelta(days=30)
SIX_MONTHS = timedelta(days=182)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_HOUR = timedelta(hours=1)


class Tier(Enum):
    ELITE = "elite"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.title()


@dataclass(frozen=True, slots=True)
class Band:
    """One tier's published value for one metric and the limit we read it as.

    Attributes:
        tier: the cluster.
        text: the band as the report words it.
        limit: deploys per day (a lower limit) for frequency; a timedelta or a fraction
            (an upper limit) otherwise; None for the worst tier (no limit).
        inclusive: whether a value equal to the limit is inside the band.
    """

    tier: Tier
    text: str
    limit: float | timedelta | None
    inclusive: bool = True


@dataclass(frozen=True, slots=True)
class TierTable:
    """One report year's tiers: bands per metric (best tier first) and their source."""

    year: int
    source: str
    caveat: str
    bands: Mapping[Metric, tuple[Band, ...]]

    @property
    def tiers(self) -> tuple[Tier, ...]:
        """The tiers this year has, best first (2022 has no Elite)."""
        return tuple(b.tier for b in self.bands[Metric.LEAD_TIME])

    @property
    def has_elite(self) -> bool:
        return Tier.ELITE in self.tiers


def _bands(*rows: tuple[Tier, str, float | timedelta | None, bool]) -> tuple[Band, ...]:
    return tuple(Band(tier, text, limit, inclusive) for tier, text, limit, inclusive in rows)


E, H, M, L = Tier.ELITE, Tier.HIGH, Tier.MEDIUM, Tier.LOW
_ON_DEMAND = (E, "on demand (multiple deploys per day)", 1.0, False)

TABLE_2024 = TierTable(
    2024,
    source="Accelerate State of DevOps Report 2024 (DORA, Google Cloud), section 'Software "
    "delivery performance', performance clusters table (dora.dev/research/2024/dora-report); "
    "as summarised by RDEL #68, the Octopus blog post 'The 2024 DevOps performance clusters' "
    "(octopus.com/blog/2024-devops-performance-clusters) and dev.to/leading-edje.",
    caveat="Not checked against the report PDF. Medium's change failure rate (10%) is below "
    "High's (20%) in the published table, so by CFR alone Medium cannot be reached; Medium "
    "and High also share '< 1 day' recovery time.",
    bands={
        Metric.DEPLOYMENT_FREQUENCY: _bands(
            _ON_DEMAND,
            (H, "between once per day and once per week", 1 / 7, True),
            (M, "between once per week and once per month", 1 / 30, True),
            (L, "between once per month and once every six months", None, True),
        ),
        Metric.LEAD_TIME: _bands(
            (E, "less than one day", _DAY, False),
            (H, "between one day and one week", _WEEK, True),
            (M, "between one week and one month", MONTH, True),
            (L, "between one month and six months", None, True),
        ),
        Metric.CHANGE_FAILURE_RATE: _bands(
            (E, "5%", 0.05, True),
            (H, "20%", 0.20, True),
            (M, "10%", 0.10, True),
            (L, "40%", None, True),
        ),
        Metric.TIME_TO_RESTORE: _bands(
            (E, "less than one hour", _HOUR, False),
            (H, "less than one day", _DAY, False),
            (M, "less than one day", _DAY, False),
            (L, "between one week and one month", None, True),
        ),
    },
)

TABLE_2023 = TierTable(
    2023,
    source="Accelerate State of DevOps Report 2023 (DORA, Google Cloud), section 'How do you "
    "compare?', software delivery performance clusters; lead time, CFR and recovery cut-offs "
    "from our reading of the report (dora.dev/research/2023/dora-report); CFR (5/10/15/64%) "
    "and recovery "
    "bands also in Apache DevLake's docs (apache/incubator-devlake-website, "
    "docs/Metrics/CFR.md and FailedDeploymentRecoveryTime.md, 'Source: 2023 Accelerate State "
    "of DevOps').",
    caveat="Deployment-frequency bands and the High/Medium lead-time bands are from our "
    "reading of the report, not verified here. The Low recovery band is '1-6 months' in "
    "our reading but 'more than six months' in DevLake's table; either way it is the "
    "catch-all tier.",
    bands={
        Metric.DEPLOYMENT_FREQUENCY: _bands(
            _ON_DEMAND,
            (H, "between once per day and once per week", 1 / 7, True),
            (M, "between once per week and once per month", 1 / 30, True),
            (L, "between once per week and once per month (unverified)", None, True),
        ),
        Metric.LEAD_TIME: _bands(
            (E, "less than one day", _DAY, False),
            (H, "between one day and one week", _WEEK, True),
            (M, "between one week and one month", MONTH, True),
            (L, "between one week and one month (unverified)", None, True),
        ),
        Metric.CHANGE_FAILURE_RATE: _bands(
            (E, "5%", 0.05, True),
            (H, "10%", 0.10, True),
            (M, "15%", 0.15, True),
            (L, "64%", None, True),
        ),
        Metric.TIME_TO_RESTORE: _bands(
            (E, "less than one hour", _HOUR, False),
            (H, "less than one day", _DAY, False),
            (M, "between one day and one week", _WEEK, True),
            (L, "between one month and six months", None, True),
        ),
    },
)

TABLE_2022 = TierTable(
    2022,
    source="Accelerate State of DevOps Report 2022 (DORA, Google Cloud), chapter 02 'How do "
    "you compare?' (from p. 8). That year's cluster analysis found three clusters and NO "
    "elite cluster (the Octopus posts 'The new DevOps performance clusters' and 'The 2023 "
    "DevOps performance clusters' describe the change and the elite cluster's return in "
    "2023).",
    caveat="No Elite tier exists for 2022. The cut-offs are from our reading of the report's "
    "table and are not confirmed by a second source found here: verify before using "
    "them for decisions.",
    bands={
        Metric.DEPLOYMENT_FREQUENCY: _bands(
            (H, "on demand (multiple deploys per day)", 1.0, False),
            (M, "between once per week and once per month", 1 / 30, True),
            (L, "between once per month and once every six months", None, True),
        ),
        Metric.LEAD_TIME: _bands(
            (H, "between one day and one week", _WEEK, True),
            (M, "between one week and one month", MONTH, True),
            (L, "between one month and six months", None, True),
        ),
        Metric.CHANGE_FAILURE_RATE: _bands(
            (H, "0%-15%", 0.15, True),
            (M, "16%-30%", 0.30, True),
            (L, "46%-60%", None, True),
        ),
        Metric.TIME_TO_RESTORE: _bands(
            (H, "less than one day", _DAY, False),
            (M, "between one day and one week", _WEEK, True),
            (L, "between one week and one month", None, True),
        ),
    },
)

TABLE_2021 = TierTable(
    2021,
    source="Accelerate State of DevOps Report 2021 (DORA, Google Cloud), section 'How do we "
    "compare?', software delivery performance table; as quoted in Apache DevLake's docs "
    "(apache/incubator-devlake-website, docs/Metrics/DeploymentFrequency.md, "
    "LeadTimeForChanges.md, MTTR.md, CFR.md, each marked 'Source: 2021 Accelerate State of "
    "DevOps, Google').",
    caveat="High, Medium and Low share one published CFR band (16-30%), so by CFR alone a "
    "value up to 30% is High and Medium cannot be reached; above 30% is Low.",
    bands={
        Metric.DEPLOYMENT_FREQUENCY: _bands(
            _ON_DEMAND,
            (H, "between once per week and once per month", 1 / 30, True),
            (M, "between once per month and once every six months", 1 / 182, True),
            (L, "fewer than once per six months", None, True),
        ),
        Metric.LEAD_TIME: _bands(
            (E, "less than one hour", _HOUR, False),
            (H, "between one day and one week", _WEEK, True),
            (M, "between one month and six months", SIX_MONTHS, True),
            (L, "more than six months", None, True),
        ),
        Metric.CHANGE_FAILURE_RATE: _bands(
            (E, "0%-15%", 0.15, True),
            (H, "16%-30%", 0.30, True),
            (M, "16%-30%", 0.30, True),
            (L, "16%-30%", None, True),
        ),
        Metric.TIME_TO_RESTORE: _bands(
            (E, "less than one hour", _HOUR, False),
            (H, "less than one day", _DAY, False),
            (M, "between one day and one week", _WEEK, True),
            (L, "more than six months", None, True),
        ),
    },
)

TABLE_2019 = TierTable(
    2019,
    source="Accelerate State of DevOps Report 2019 (DORA, Google Cloud), section 'How do we "
    "compare?', software delivery performance table. Google's Four Keys project "
    "(dora-team/fourkeys) uses these bands: lead-time buckets one day / one week / one month "
    "/ six months and CFR 0-15% / 16-45% / 46-60% (dora-team/fourkeys, dashboard queries).",
    caveat="The deployment-frequency and restore cells are from our reading of the report, "
    "not verified here. Elite, High and Medium share the 0-15% CFR band, so by CFR alone "
    "only Elite (<= 15%) or Low is reachable; 16-45% is not a band of any 2019 cluster "
    "(Four Keys shows it as its own bucket) and counts as Low here.",
    bands={
        Metric.DEPLOYMENT_FREQUENCY: _bands(
            _ON_DEMAND,
            (H, "between once per day and once per week", 1 / 7, True),
            (M, "between once per week and once per month", 1 / 30, True),
            (L, "between once per month and once every six months", None, True),
        ),
        Metric.LEAD_TIME: _bands(
            (E, "less than one day", _DAY, False),
            (H, "between one day and one week", _WEEK, True),
            (M, "between one week and one month", MONTH, True),
            (L, "between one month and six months", None, True),
        ),
        Metric.CHANGE_FAILURE_RATE: _bands(
            (E, "0-15%", 0.15, True),
            (H, "0-15%", 0.15, True),
            (M, "0-15%", 0.15, True),
            (L, "46-60%", None, True),
        ),
        Metric.TIME_TO_RESTORE: _bands(
            (E, "less than one hour", _HOUR, False),
            (H, "less than one day", _DAY, False),
            (M, "less than one day", _DAY, False),
            (L, "between one week and one month", None, True),
        ),
    },
)

TABLES: Mapping[int, TierTable] = {
    t.year: t for t in (TABLE_2019, TABLE_2021, TABLE_2022, TABLE_2023, TABLE_2024)
}


def table_for(year: int = DEFAULT_YEAR) -> TierTable:
    """The tier table of a report year.

    Raises:
        ValueError: no table for that year (the message lists the years we have).
    """
    table = TABLES.get(year)
    if table is None:
        years = ", ".join(str(y) for y in sorted(TABLES))
        raise ValueError(f"no DORA tier table for {year}; choose one of {years}")
    return table


def _within(band: Band, value: float | timedelta, higher_is_better: bool) -> bool:
    """Whether ``value`` is inside ``band`` read as a limit (see the module docstring).

    Raises:
        TypeError: ``value`` and the band's limit are not the same kind.
    """
    limit = band.limit
    if limit is None:
        return True
    if isinstance(limit, timedelta) and isinstance(value, timedelta):
        gap = (value - limit).total_seconds()
    elif not isinstance(limit, timedelta) and not isinstance(value, timedelta):
        gap = float(value) - limit
    else:
        raise TypeError(f"expected a {type(limit).__name__}, got {type(value).__name__}")
    if higher_is_better:
        gap = -gap
    return gap <= 0 if band.inclusive else gap < 0


def tier_for(
    metric: Metric, value: float | timedelta | None, year: int = DEFAULT_YEAR
) -> Tier | None:
    """The tier a figure falls in by the chosen year's table; None when there is no figure.

    ``value`` is deploys per day for deployment frequency, a fraction (0.12 = 12%) for the
    change failure rate, and a timedelta for lead time and time to restore.

    Raises:
        ValueError: no table for ``year``.
        TypeError: ``value`` has the wrong kind for ``metric``.
    """
    if value is None:
        return None
    higher_is_better = metric is Metric.DEPLOYMENT_FREQUENCY
    for band in table_for(year).bands[metric]:
        if _within(band, value, higher_is_better):
            return band.tier
    return None


def tiers_of(figures: DoraFigures, year: int = DEFAULT_YEAR) -> dict[Metric, Tier | None]:
    """The tier of each of the four figures of a group.

    Raises:
        ValueError: no table for ``year``.
    """
    return {metric: tier_for(metric, figures.value(metric), year) for metric in Metric}
