"""Only the cells that changed are repainted: ages and clocks, not their whole line."""

from __future__ import annotations

from textual.content import Content

from release_cockpit.ui.widgets.changed_cells import changed_cells


def title(age: str, clock: str) -> Content:
    return (
        Content.styled("release-cockpit", "bold")
        + Content("  2 failing  ")
        + Content.styled(f"data {age} old", "dim")
        + Content(" " * 20)
        + Content(clock)
    )


def test_the_same_line_has_no_changed_cells() -> None:
    assert changed_cells(title("3s", "10:00:01Z"), title("3s", "10:00:01Z")) == []


def test_an_age_and_a_clock_far_apart_are_two_runs() -> None:
    new, old = title("4s", "10:00:02Z"), title("3s", "10:00:01Z")
    runs = changed_cells(new, old)
    assert [new.plain[a:b] for a, b in runs] == ["4", "2"]


def test_runs_a_few_cells_apart_are_sent_as_one() -> None:
    runs = changed_cells(Content("ab 12:01 x"), Content("ab 11:00 x"))
    assert runs == [(4, 8)]


def test_a_style_change_alone_is_a_change() -> None:
    runs = changed_cells(Content.styled("OK", "green"), Content.styled("OK", "red"))
    assert runs == [(0, 2)]


def test_wide_characters_or_another_length_repaint_the_whole_line() -> None:
    assert changed_cells(Content("日本 a"), Content("日本 b")) == [(0, 6)]
    assert changed_cells(Content("abc"), Content("abcd")) == [(0, 4)]
