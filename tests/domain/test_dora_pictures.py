"""DORA over time: weekly columns with the tier limits a tier can reach, spreads."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.domain.charts import row_text
from release_cockpit.domain.dora import Group, Metric, compute_dora
from release_cockpit.domain.dora_pictures import (
    distribution_rows,
    nice_duration,
    samples,
    tier_levels,
    weekly_chart,
)
from tests.support.pictures import history_bundle
from tests.support.world import NOW


def test_a_tier_limit_no_worse_tier_can_reach_is_not_drawn():
    # 2024: Medium's change failure rate (10%) is below High's (20%): unreachable.
    labels = [lv.label for lv in tier_levels(Metric.CHANGE_FAILURE_RATE, 2024)]
    assert labels == ["elite", "high"]
    frequency = tier_levels(Metric.DEPLOYMENT_FREQUENCY, 2024)
    assert [lv.value for lv in frequency] == [7.0, 1.0, 7 / 30]


def test_weekly_chart_colours_each_week_by_its_tier_and_labels_limits():
    figures = compute_dora(history_bundle().records, NOW, timedelta(days=30))
    rows = weekly_chart(figures, Metric.CHANGE_FAILURE_RATE, 2024, 80, 5, ascii_only=False)
    text = "\n".join(row_text(r) for r in rows)
    assert "elite" in text
    assert "high" in text
    roles = {span.role for row in rows for span in row}
    assert roles & {"elite", "high", "low"}
    assert "weeks" in row_text(rows[-1])


def test_a_metric_without_data_draws_nothing():
    figures = compute_dora([], NOW, timedelta(days=30))
    assert weekly_chart(figures, Metric.LEAD_TIME, 2024, 80, 5, ascii_only=False) == []


def test_spreads_share_one_scale_and_say_median_and_count():
    records = history_bundle().records
    groups = [
        (key, samples(records, NOW, timedelta(days=30), Group.SERVICE, key)[1])
        for key in ("checkout", "payments", "nothing")
    ]
    rows = [row_text(r) for r in distribution_rows(groups, 90, ascii_only=True)]
    assert "median" in rows[0]
    assert "n=" in rows[0]
    assert rows[2].startswith("nothing")
    assert "no samples" in rows[2]
    assert rows[-1].strip().startswith("0")


def test_nice_durations_are_round():
    assert nice_duration(40_000) == 12 * 3600
    assert nice_duration(100) == 120
