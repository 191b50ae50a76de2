"""Confidence and friction: per group, median and count, hidden below three answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.domain.dora import Group
from release_cockpit.domain.human import MIN_ANSWERS, Answer, Moment, human_figures

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def answer(service: str, team: str, days_ago: float, confidence, friction, who="ann"):
    return Answer(
        f"{service}-prod",
        "1.0",
        who,
        NOW - timedelta(days=days_ago),
        Moment.PROMOTE,
        confidence,
        friction,
        service=service,
        team=team,
        production=True,
    )


def test_a_group_below_three_answers_is_hidden_and_says_how_many():
    figures = human_figures(
        [answer("api", "core", 1, 5, 1), answer("api", "core", 2, 4, 2)],
        NOW,
        timedelta(days=30),
        Group.SERVICE,
    )
    [api] = figures
    assert api.confidence.hidden
    assert api.confidence.median is None
    assert api.confidence.count == 2
    assert api.to_json()["confidence"] == {
        "median": None,
        "count": 2,
        "hidden": True,
        "weekly_median": [None] * 5,
    }
    assert "hidden" in api.confidence.text()


def test_median_and_count_per_team_never_per_person():
    answers = [
        answer("api", "core", d, c, f, who=w)
        for d, c, f, w in [
            (1, 5, 1, "ann"),
            (2, 3, 3, "bob"),
            (3, 4, None, "cy"),
            (20, 1, 5, "ann"),
        ]
    ]
    answers.append(answer("web", "front", 1, 2, 2))
    figures = human_figures(answers, NOW, timedelta(days=30), Group.TEAM)
    core = next(f for f in figures if f.key == "core")
    assert (core.confidence.median, core.confidence.count) == (3.5, 4)
    assert (core.friction.median, core.friction.count) == (3, 3)  # a skipped friction
    assert "who" not in str(core.to_json())
    assert "ann" not in str(core.to_json())
    assert next(f for f in figures if f.key == "front").confidence.hidden


def test_weeks_under_the_minimum_are_gaps_in_the_trend():
    answers = [answer("api", "core", 1 + i * 0.5, 4, 2) for i in range(MIN_ANSWERS)]
    [api] = human_figures(answers, NOW, timedelta(days=14), Group.SERVICE)
    assert api.confidence.weekly == (None, 4)


def test_answers_outside_the_window_or_staging_do_not_count():
    staging = answer("api", "core", 1, 1, 1)
    staging = Answer(**{**{f: getattr(staging, f) for f in staging.__slots__}, "production": False})
    old = answer("api", "core", 40, 1, 1)
    [all_] = human_figures([staging, old], NOW, timedelta(days=30), Group.ALL)
    assert all_.confidence.count == 0


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_an_answer_off_the_scale_is_refused(bad):
    with pytest.raises(ValueError, match="1 to 5"):
        answer("api", "core", 1, bad, 3)
