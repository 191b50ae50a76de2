"""Tier tables by report year and placing figures in them."""

from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.domain.dora import Metric, compute_dora
from release_cockpit.domain.dora_tiers import (
    DEFAULT_YEAR,
    TABLES,
    Tier,
    table_for,
    tier_for,
    tiers_of,
)
from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord

H = timedelta(hours=1)
D = timedelta(days=1)
DF, LT, CFR, TTR = (
    Metric.DEPLOYMENT_FREQUENCY,
    Metric.LEAD_TIME,
    Metric.CHANGE_FAILURE_RATE,
    Metric.TIME_TO_RESTORE,
)


def test_years_and_default():
    assert sorted(TABLES) == [2019, 2021, 2022, 2023, 2024]
    assert DEFAULT_YEAR == 2024
    with pytest.raises(ValueError, match="no DORA tier table for 2020; choose one of 2019, 2021"):
        table_for(2020)


@pytest.mark.parametrize("year", sorted(TABLES))
def test_every_table_is_sourced_and_complete(year):
    table = table_for(year)
    assert table.year == year
    assert "State of DevOps Report" in table.source
    assert str(year) in table.source
    assert table.caveat
    for metric in Metric:
        bands = table.bands[metric]
        assert [b.tier for b in bands] == list(table.tiers)
        assert bands[-1].limit is None  # the worst tier catches everything
        assert all(b.limit is not None for b in bands[:-1])


def test_2022_has_no_elite_and_says_so():
    table = table_for(2022)
    assert not table.has_elite
    assert table.tiers == (Tier.HIGH, Tier.MEDIUM, Tier.LOW)
    assert "No Elite tier" in table.caveat
    assert "NO elite cluster" in table.source
    assert tier_for(LT, 10 * timedelta(minutes=1), 2022) is Tier.HIGH
    assert all(table_for(y).has_elite for y in (2019, 2021, 2023, 2024))


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (5.0, Tier.ELITE),
        (1.0, Tier.HIGH),  # exactly daily is not "multiple per day"
        (1 / 7, Tier.HIGH),
        (1 / 8, Tier.MEDIUM),
        (1 / 30, Tier.MEDIUM),
        (1 / 31, Tier.LOW),
        (0.0, Tier.LOW),
    ],
)
def test_deployment_frequency_2024(value, tier):
    assert tier_for(DF, value) is tier


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (23 * H, Tier.ELITE),
        (D, Tier.HIGH),  # "less than one day" is strict
        (7 * D, Tier.HIGH),
        (8 * D, Tier.MEDIUM),
        (30 * D, Tier.MEDIUM),
        (31 * D, Tier.LOW),
        (400 * D, Tier.LOW),
    ],
)
def test_lead_time_2024(value, tier):
    assert tier_for(LT, value) is tier


def test_change_failure_rate_2024_medium_is_unreachable_as_published():
    assert tier_for(CFR, 0.0) is Tier.ELITE
    assert tier_for(CFR, 0.05) is Tier.ELITE
    assert tier_for(CFR, 0.08) is Tier.HIGH
    assert tier_for(CFR, 0.20) is Tier.HIGH
    assert tier_for(CFR, 0.21) is Tier.LOW
    assert tier_for(CFR, 1.0) is Tier.LOW
    assert "Medium cannot be reached" in table_for(2024).caveat


def test_time_to_restore_by_year():
    assert tier_for(TTR, 59 * timedelta(minutes=1)) is Tier.ELITE
    assert tier_for(TTR, H) is Tier.HIGH
    assert tier_for(TTR, 2 * D) is Tier.LOW
    assert tier_for(TTR, 2 * D, 2023) is Tier.MEDIUM
    assert tier_for(TTR, 8 * D, 2023) is Tier.LOW
    assert tier_for(TTR, 3 * D, 2021) is Tier.MEDIUM


def test_2023_change_failure_rate_cutoffs():
    assert [tier_for(CFR, v, 2023) for v in (0.05, 0.10, 0.15, 0.16)] == [
        Tier.ELITE,
        Tier.HIGH,
        Tier.MEDIUM,
        Tier.LOW,
    ]


def test_2021_and_2019_bands():
    assert tier_for(LT, 30 * timedelta(minutes=1), 2021) is Tier.ELITE
    assert tier_for(LT, 2 * H, 2021) is Tier.HIGH  # a gap between bands: the worse tier
    assert tier_for(LT, 60 * D, 2021) is Tier.MEDIUM
    assert tier_for(LT, 200 * D, 2021) is Tier.LOW
    assert tier_for(DF, 1 / 20, 2021) is Tier.HIGH
    assert tier_for(DF, 1 / 100, 2021) is Tier.MEDIUM
    assert tier_for(CFR, 0.25, 2021) is Tier.HIGH
    assert tier_for(CFR, 0.31, 2021) is Tier.LOW
    assert tier_for(LT, 2 * H, 2019) is Tier.ELITE
    assert tier_for(CFR, 0.15, 2019) is Tier.ELITE
    assert tier_for(CFR, 0.30, 2019) is Tier.LOW


def test_none_and_wrong_kinds():
    assert tier_for(LT, None) is None
    with pytest.raises(TypeError):
        tier_for(LT, 3.0)
    with pytest.raises(TypeError):
        tier_for(CFR, H)


def test_tiers_of_figures():
    now = datetime(2026, 11, 27, tzinfo=UTC)
    history = [
        ReleaseRecord(
            key="c",
            service="c",
            team="",
            environment="production",
            version=str(i),
            first_commit_at=now - i * D - 2 * H,
            deployed_at=now - i * D,
            finished_at=now - i * D,
            outcome=ReleaseOutcome.SUCCEEDED,
            production=True,
        )
        for i in range(7)
    ]
    tiers = tiers_of(compute_dora(history, now, timedelta(days=7)))
    assert tiers == {DF: Tier.HIGH, LT: Tier.ELITE, CFR: Tier.ELITE, TTR: None}
    assert Tier.ELITE.label == "Elite"
