"""Character charts: columns, marks, box plots, strips, bars; no data is never drawn."""

from __future__ import annotations

from release_cockpit.domain.charts import (
    FiveNumbers,
    Level,
    Mark,
    Segment,
    bars_line,
    box_row,
    bucket,
    columns,
    hbar,
    marks_row,
    nice_top,
    row_text,
    strip,
)


def test_bucket_takes_the_worst_point_of_a_column_and_leaves_empty_columns_empty():
    points = [(0.0, 1.0), (1.0, 5.0), (9.0, 2.0)]
    assert bucket(points, 0, 10, 5) == [5.0, None, None, None, 2.0]


def test_bucket_holds_a_value_until_the_next_point_but_not_past_the_last():
    points = [(0.0, 1.0), (6.0, 3.0)]
    assert bucket(points, 0, 10, 5, hold=True) == [1.0, 1.0, 1.0, 3.0, None]


def test_nice_top_is_a_round_number_at_or_above():
    assert nice_top(0.079) == 0.1
    assert nice_top(3.2) == 5.0
    assert nice_top(0) == 1.0


def test_columns_draw_levels_with_their_labels_and_colour_bars_over_them():
    rows = columns(
        [0.01, 0.06, None],
        4,
        top=0.08,
        label=lambda v: f"{v:.0%}",
        levels=(Level(0.05, "fail 5%", "fail"),),
        role_of=lambda v: "fail" if v > 0.05 else "bar",
    )
    text = [row_text(r) for r in rows]
    assert text[0].startswith("8%│")
    assert text[-1].startswith("0%│")
    fail_row = next(r for r in rows if "fail 5%" in row_text(r))
    assert "┄" in row_text(fail_row)
    assert any(span.role == "fail" and "█" in span.text for row in rows for span in row)
    # The third column has no data: nothing drawn in it on any row (a level line aside).
    assert all(row_text(r)[3 + 2] in " ┄" for r in rows)


def test_columns_in_ascii_use_ascii_only():
    rows = columns([0.5, 1.0], 3, top=1.0, label=str, ascii_only=True)
    assert all(ord(c) < 128 for r in rows for c in row_text(r))


def test_a_mark_label_goes_before_its_symbol_at_the_right_edge():
    row = marks_row([Mark(10.0, "*", "rollback")], 0, 10, 20, 0)
    assert row_text(row).endswith("rollback*")


def test_marks_keep_their_order_and_labels_stop_at_the_next_mark():
    row = marks_row([Mark(0.0, "^", "10%"), Mark(2.0, "^", "25%")], 0, 10, 20, 2)
    assert row_text(row).startswith("  ^10%^25%")


def test_a_mark_outside_the_window_is_left_out_not_put_on_the_edge():
    row = marks_row([Mark(-5.0, "^", "10%"), Mark(5.0, "!", "fired")], 0, 10, 20, 0)
    assert row_text(row).strip() == "!fired"


def test_a_horizontal_bar_is_its_fraction_of_the_width_in_eighths():
    assert hbar(0.5, 10) == "█████"
    assert hbar(0.0, 10) == ""
    assert hbar(2.0, 4) == "████"
    assert hbar(0.05, 10) == "▌"  # four eighths of one cell
    assert hbar(0.17, 10, ascii_only=True) == "##"


def test_five_numbers_interpolate_quartiles():
    numbers = FiveNumbers.of([1, 2, 3, 4, 5])
    assert numbers is not None
    assert (numbers.low, numbers.q1, numbers.median, numbers.q3, numbers.high) == (1, 2, 3, 4, 5)
    assert FiveNumbers.of([]) is None


def test_box_row_places_whiskers_box_and_median_on_the_scale():
    numbers = FiveNumbers.of([0, 2.5, 5, 7.5, 10])
    assert numbers is not None
    text = row_text(box_row(numbers, 0, 10, 11, ascii_only=True, role="bar"))
    assert text[0] == "|"
    assert text[-1] == "|"
    assert text[5] == "#"


def test_strip_keeps_every_segment_and_shortens_labels_that_do_not_fit():
    segments = [
        Segment("Plan 1m", 0, 60, "stage-passed"),
        Segment("Build 9m", 60, 600, "stage-passed"),
        Segment("DEPLOY 30m", 600, 2400, "longest"),
    ]
    text = row_text(strip(segments, 0, 2400, 40, ascii_only=True))
    assert text.startswith("|")
    assert text.count("|") == 3
    assert "DEPLOY 30m" in text


def test_bars_line_leaves_a_gap_for_missing_weeks():
    assert bars_line([1.0, None, 0.5], 1.0) == "█ ▄"
    assert bars_line([1.0, None], 1.0, ascii_only=True) == "# "


def test_marks_in_one_column_do_not_collide():
    row = marks_row([Mark(1.0, "!", "a"), Mark(1.0, "^", "b")], 0, 10, 10, 0)
    assert "!" in row_text(row)
    assert "^" in row_text(row)
