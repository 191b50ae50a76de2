"""Key paths map to the lines they are written on, whatever TOML syntax wrote them."""

from __future__ import annotations

import tomllib

from release_cockpit.config.locate import join, locate_keys


def located(text: str) -> dict[str, int]:
    tomllib.loads(text)  # the locator only ever sees valid TOML
    return locate_keys(text)


def test_join():
    assert join("", "a") == "a"
    assert join("a.b", "c") == "a.b.c"


def test_plain_tables_and_keys():
    lines = located("top = 1\n\n[cockpit]\ntheme = 'x'\n\n[polling]\n  interval = '5s'\n")
    assert lines == {
        "top": 1,
        "cockpit": 3,
        "cockpit.theme": 4,
        "polling": 6,
        "polling.interval": 7,
    }


def test_arrays_of_tables_are_numbered_per_array():
    text = (
        "[[services.a.signals]]\nname = 'x'\n"
        "[[services.b.signals]]\nname = 'y'\n"
        "[[services.a.signals]]\nname = 'z'\n"
    )
    lines = located(text)
    assert lines["services.a.signals[0].name"] == 2
    assert lines["services.b.signals[0].name"] == 4
    assert lines["services.a.signals[1]"] == 5
    assert lines["services.a.signals[1].name"] == 6
    assert lines["services.a.signals"] == 1


def test_sub_table_of_an_array_element():
    text = "[[a]]\nx = 1\n[a.b]\ny = 2\n[[a]]\nx = 3\n[a.b]\ny = 4\n[[a.c]]\nz = 5\n"
    lines = located(text)
    assert lines["a[0].b.y"] == 4
    assert lines["a[1].b.y"] == 8
    assert lines["a[1].c[0].z"] == 10


def test_dotted_and_quoted_keys():
    text = (
        '[backends."alert.manager"]\n'
        "type = 'alertmanager'\n"
        "[services . checkout]\n"
        'deploy.backend = "c"\n'
        "'ci'.\"project\" = 'o/r'\n"
    )
    lines = located(text)
    assert lines["backends.alert.manager.type"] == 2
    assert lines["services.checkout.deploy"] == 4
    assert lines["services.checkout.deploy.backend"] == 4
    assert lines["services.checkout.ci.project"] == 5


def test_inline_tables_and_arrays():
    text = (
        "[s]\n"
        "ci = { backend = 'gh', nested = { deep = 1 }, list = [1, 2] }\n"
        "signals = [\n"
        "  { name = 'a', fail_above = 1 },  # first\n"
        "  # a comment line\n"
        "  { name = 'b', fail_below = 2 },\n"
        "]\n"
        "matchers = ['a=\"1\"',\n  'b=\"2\"']\n"
    )
    lines = located(text)
    assert lines["s.ci.backend"] == 2
    assert lines["s.ci.nested.deep"] == 2
    assert lines["s.ci.list[1]"] == 2
    assert lines["s.signals"] == 3
    assert lines["s.signals[0].name"] == 4
    assert lines["s.signals[1].fail_below"] == 6
    assert lines["s.matchers[0]"] == 8
    assert lines["s.matchers[1]"] == 9


def test_multiline_strings_hide_lookalike_syntax():
    text = (
        'a = """\n[not.a.table]\nfake = 1\n"""\n'
        "b = '''\n[[nor.this]]\n'''\n"
        'c = "# not a comment [x]"\n'
        'd = """ends with quotes"""""\n'
        "e = 'x'\n"
        'f = """escaped \\""" still inside\n"""\n'
        "g = 1\n"
    )
    lines = located(text)
    assert set(lines) == {"a", "b", "c", "d", "e", "f", "g"}
    assert (lines["e"], lines["g"]) == (10, 13)


def test_escaped_quotes_and_brackets_in_strings():
    text = 'q = "sum(x{a=\\"]\\"}[1m])"\nnext = 1\n[t]\nk = \'[[x]]\'\nm = 2\n'
    lines = located(text)
    assert lines == {"q": 1, "next": 2, "t": 3, "t.k": 4, "t.m": 5}


def test_datetimes_with_spaces_and_crlf_line_endings():
    text = "[s]\r\nstart = 2026-11-27 09:00:00Z\r\nend = 2026-11-27T17:00:00Z # c\r\nx = 1\r\n"
    lines = located(text)
    assert lines == {"s": 1, "s.start": 2, "s.end": 3, "s.x": 4}


def test_implicit_parent_takes_the_first_mention_until_its_header_appears():
    text = "[a.b]\nx = 1\n[a]\ny = 2\n"
    assert located(text)["a"] == 3
    assert located("[a.b]\nx = 1\n[a.c]\n")["a"] == 1
