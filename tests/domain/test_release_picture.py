"""One release drawn: signals with their lines and marks, canary against stable, the stages
on one axis; ASCII forms stay ASCII."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.domain.charts import row_text
from release_cockpit.domain.delivery import stage_spans
from release_cockpit.domain.release_picture import (
    event_marks,
    signal_picture,
    spread_picture,
    stepped_end,
    timeline_picture,
)
from tests.support.pictures import START, picture_events, picture_release
from tests.support.world import NOW


def texts(rows) -> list[str]:
    return [row_text(r) for r in rows]


def test_a_signal_chart_labels_its_warn_and_fail_lines_and_marks_the_axis():
    release = picture_release()
    rollout, people = event_marks(picture_events(), release.alerts, ascii_only=False)
    marks = rollout + people
    rows = signal_picture(release.signals[0], marks, START, NOW, 140, 5, ascii_only=False)
    text = "\n".join(texts(rows))
    assert "fail 5.0%" in text
    assert "warn 2.0%" in text
    assert "▲10%" in text
    assert "promote◆" in text
    assert "!HighErrorRate" in text
    assert any(span.role == "fail" for row in rows for span in row)
    assert all(len(t) <= 140 for t in texts(rows))
    narrow = signal_picture(release.signals[0], marks, START, NOW, 80, 5, ascii_only=False)
    assert all(len(t) <= 80 for t in texts(narrow))


def test_a_signal_without_measurements_draws_nothing():
    release = picture_release()
    later = NOW + timedelta(hours=1)
    assert signal_picture(release.signals[0], [], later, later, 80, 5, ascii_only=False) == []


def test_ascii_pictures_are_ascii_only():
    release = picture_release()
    events = picture_events()
    rollout, people = event_marks(events, release.alerts, ascii_only=True)
    rows = [
        *signal_picture(release.signals[1], rollout + people, START, NOW, 80, 4, ascii_only=True),
        *spread_picture(release.signals[2], 80, ascii_only=True),
        *timeline_picture(stage_spans(events), events, release.alerts, NOW, 80, ascii_only=True),
    ]
    assert rows
    assert not {c for t in texts(rows) for c in t if ord(c) > 127}


def test_canary_against_stable_draws_both_samples_and_says_the_shift():
    comparison = picture_release().signals[2]
    rows = texts(spread_picture(comparison, 90, ascii_only=False))
    assert rows[0].startswith("stable ")
    assert rows[1].startswith("canary ")
    assert "┃" in rows[0]
    assert "┃" in rows[1]
    assert rows[0].index("┃") < rows[1].index("┃")  # the canary's median is to the right
    assert "shift +" in rows[-1]
    assert "98% CI" in rows[-1]
    assert "high" in rows[-1]


def test_the_timeline_puts_the_longest_stage_in_capitals_with_steps_and_actions():
    events = picture_events()
    rows = texts(timeline_picture(stage_spans(events), events, (), NOW, 100, ascii_only=False))
    assert rows[0].startswith("stages")
    assert "TEST" in rows[0] or "DEPLOY" in rows[0]
    assert rows[1].startswith("rollout")
    assert "▲" in rows[1]
    assert "⏸" in rows[1]
    assert rows[2].startswith("actions")
    assert "promote" in rows[2]
    assert rows[-1].rstrip().endswith("now")


def test_a_live_axis_end_moves_in_round_steps_of_about_a_column():
    start = NOW - timedelta(minutes=10)  # 600 s over 100 columns: 6 s a column, steps of 10 s
    ends = {stepped_end(start, NOW + timedelta(seconds=s), 100) for s in range(10)}
    assert ends == {NOW, NOW + timedelta(seconds=10)}
    assert all(end >= NOW for end in ends)
    assert stepped_end(NOW, NOW, 100) == NOW + timedelta(seconds=1)  # never an empty axis
    long = stepped_end(NOW - timedelta(days=400), NOW, 10)
    assert NOW <= long < NOW + timedelta(days=41)
