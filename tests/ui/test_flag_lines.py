"""The flags guarding a release on its panel and on its detail screen: state in words,
the kill switch first, unknown never shown as on or off."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain.flags import FlagState, not_read
from release_cockpit.ui.glyphs import ASCII, UNICODE
from release_cockpit.ui.widgets import detail_sections, panel_lines
from tests.support.world import NOW, done

ON_25 = FlagState("checkout-v2", "production", on=True, rollout="on for 25%")
OFREP = FlagState("search-suggestions", on=True, value="true", variant="on", reason="STATIC")
OFREP = replace(OFREP, rollout="same for everyone")


def flagged(*flags: FlagState):
    return replace(done(), environment="production", flags=flags)


def test_no_flags_no_line():
    assert panel_lines.flag_line(done(), UNICODE, 100) == []
    assert detail_sections.flags(done(), NOW, UNICODE, 100) == []


def test_the_panel_line_says_who_gets_each_flag():
    (line,) = panel_lines.flag_line(flagged(ON_25, OFREP), UNICODE, 100)
    assert line.plain == (
        "  flag checkout-v2: on for 25% · flag search-suggestions: on, same for everyone"
    )
    (ascii_line,) = panel_lines.flag_line(flagged(ON_25, OFREP), ASCII, 100)
    assert " | flag search-suggestions" in ascii_line.plain


def test_the_kill_switch_stays_when_the_line_is_short():
    (line,) = panel_lines.flag_line(flagged(ON_25, OFREP), UNICODE, 40)
    assert line.plain == "  flag checkout-v2: on for 25%"
    assert line.cell_length <= 40


def test_off_unknown_and_another_environment_read_in_words():
    off = FlagState("checkout-v2", "production", on=False, rollout="off for everyone")
    staging = FlagState("dark-mode", "staging", on=True, rollout="on for everyone")
    lost = not_read("new-cart", "production", "unleash: Backend unreachable")
    (line,) = panel_lines.flag_line(flagged(off, staging, lost), UNICODE, 200)
    assert line.plain == (
        "  flag checkout-v2: off for everyone · flag dark-mode (staging): on for everyone"
        " · flag new-cart: unknown (unleash: Backend unreachable)"
    )
    styles = {str(span.style) for span in line.spans}
    assert "bold" in styles  # off is marked, not only coloured
    assert "$verdict-unknown" in styles


def test_backend_text_is_never_markup():
    hostile = FlagState("[bold]x[/bold]", "production", on=True, rollout="on for [red]1%")
    (line,) = panel_lines.flag_line(flagged(hostile), UNICODE, 100)
    assert line.plain == "  flag [bold]x[/bold]: on for [red]1%"


def test_the_detail_section_names_the_kill_switch_and_what_each_serves():
    changed = replace(ON_25, updated_at=NOW - timedelta(minutes=3))
    lines = [
        c.plain.rstrip() for c in detail_sections.flags(flagged(changed, OFREP), NOW, UNICODE, 130)
    ]
    assert lines[1] == "Feature flags"
    assert lines[2].split() == ["Flag", "Environment", "State", "Changed", "Serves"]
    assert lines[3].startswith("checkout-v2 (kill switch)  production")
    assert "on for 25%" in lines[3]
    assert "3m00s ago" in lines[3]
    assert lines[4].startswith("search-suggestions")
    assert lines[4].endswith("variant on; serves true; reason STATIC")


def test_the_detail_section_leaves_out_columns_nothing_fills():
    lines = [c.plain for c in detail_sections.flags(flagged(ON_25), NOW, UNICODE, 110)]
    assert lines[2].split() == ["Flag", "Environment", "State"]
