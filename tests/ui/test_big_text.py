"""Large letters for the wall's verdicts, in half blocks or in ASCII."""

from __future__ import annotations

import pytest

from release_cockpit.ui.widgets.big_text import big_word, can_draw, width_of


def test_a_verdict_is_three_rows_of_its_measured_width():
    rows = big_word("FAILING")
    assert len(rows) == 3
    assert {len(row) for row in rows} == {width_of("FAILING")}
    assert set("".join(rows)) <= set(" ▀▄█")


def test_the_ascii_form_draws_the_same_pixels_in_ascii():
    unicode_rows = big_word("ok")
    ascii_rows = big_word("ok", ascii_only=True)
    assert all(ord(c) < 128 for row in ascii_rows for c in row)
    to_ascii = str.maketrans({"█": "#", "▀": '"', "▄": "_"})
    assert [row.translate(to_ascii) for row in unicode_rows] == ascii_rows


def test_a_word_without_large_letters_is_refused():
    assert not can_draw("PROMOTED")
    assert not can_draw("")
    with pytest.raises(ValueError, match="PROMOTED"):
        big_word("PROMOTED")
