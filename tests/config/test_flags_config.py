"""``[[services.KEY.flags]]``: a line names the flags guarding it, checked against the flag
adapter's keys, with file, line and key for every mistake."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import FlagLink, Target
from release_cockpit.errors import ConfigError, Problem

BACKENDS = """
[backends.unleash]
type = "unleash"
url = "https://unleash.example.com"
token_env = "UNLEASH_TOKEN"

[backends.flagd]
type = "ofrep"
url = "http://flagd.internal:8016"

[backends.ld]
type = "launchdarkly"
url = "https://app.launchdarkly.com"
token_env = "LD_TOKEN"

[backends.prom]
type = "prometheus"
url = "http://prom:9090"

[services.shop]
environment = "production"
"""


def load(flags: str) -> dict[str, tuple[FlagLink, ...]]:
    config = parse_config(BACKENDS + flags, "c.toml", kinds=adapter_kinds())
    return {key: line.flags for key, line in config.services.items()}


def problems(flags: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        parse_config(BACKENDS + flags, "c.toml", kinds=adapter_kinds())
    return caught.value.problems


def test_flags_in_order_with_the_environment_defaulting_to_the_lines():
    links = load(
        """
[[services.shop.flags]]
backend = "unleash"
flag = "checkout-v2"
project = "shop"

[[services.shop.flags]]
backend = "flagd"
flag = "search-suggestions"

[[services.shop.flags]]
backend = "ld"
project = "default"
flag = "new-cart"
environment = "prod-eu"
"""
    )["shop"]
    assert links == (
        FlagLink(
            "unleash", Target.of(flag="checkout-v2", project="shop", environment="production")
        ),
        # OFREP has no environments: nothing is added to its keys.
        FlagLink("flagd", Target.of(flag="search-suggestions")),
        FlagLink("ld", Target.of(project="default", flag="new-cart", environment="prod-eu")),
    )
    assert links[0].flag == "checkout-v2"
    assert links[0].environment == "production"
    assert links[1].environment == ""


def test_a_line_without_flags_has_none():
    assert load("")["shop"] == ()


def test_a_missing_flag_key_names_the_adapters_help():
    (problem,) = problems('[[services.shop.flags]]\nbackend = "unleash"\n')
    assert problem.key == "services.shop.flags[0].flag"
    assert problem.line == 22  # the table's own line: the key is not written
    assert "missing required key 'flag'" in problem.message
    assert "feature flag's name" in problem.hint


def test_a_misspelt_key_gets_a_did_you_mean():
    found = problems(
        '[[services.shop.flags]]\nbackend = "ld"\nproject = "p"\nflag = "f"\nenviroment = "x"\n'
    )
    assert [(p.key, p.message, p.hint) for p in found] == [
        ("services.shop.flags[0].enviroment", "unknown key", "did you mean 'environment'?")
    ]


def test_a_backend_of_another_kind_is_refused():
    found = problems('[[services.shop.flags]]\nbackend = "prom"\nflag = "x"\n')
    problem = next(p for p in found if p.key == "services.shop.flags[0].backend")
    assert "is a health backend (prometheus), not a flags backend" in problem.message
    assert "flagd, ld, unleash" in problem.hint


def test_an_unknown_backend_gets_a_did_you_mean():
    (problem,) = problems('[[services.shop.flags]]\nbackend = "unleas"\nflag = "x"\n')
    assert "flags[0].backend 'unleas' is not defined" in problem.message
    assert problem.hint == "did you mean 'unleash'?"


def test_a_single_table_is_explained():
    (problem,) = problems('[services.shop.flags]\nbackend = "unleash"\nflag = "x"\n')
    assert problem.key == "services.shop.flags"
    assert "[[services.KEY.flags]] (two brackets)" in problem.hint


def test_a_flag_listed_twice_is_refused():
    twice = '[[services.shop.flags]]\nbackend = "unleash"\nflag = "x"\n' * 2
    (problem,) = problems(twice)
    assert problem.key == "services.shop.flags[1].flag"
    assert "listed twice" in problem.message


def test_a_secret_in_a_flags_table_is_refused():
    found = problems('[[services.shop.flags]]\nbackend = "unleash"\nflag = "x"\ntoken = "abc"\n')
    assert any(p.key == "services.shop.flags[0].token" and "secrets" in p.message for p in found)


def test_ofrep_options_are_checked_by_the_adapter():
    from release_cockpit.adapters.registry import create
    from release_cockpit.engine.factory import settings_for

    text = BACKENDS.replace(
        'url = "http://flagd.internal:8016"',
        'url = "http://flagd.internal:8016"\ntargeting_key = 7',
    )
    config = parse_config(text, "c.toml", kinds=adapter_kinds())
    with pytest.raises(ConfigError) as caught:
        create(settings_for(config, "flagd", {}))
    (problem,) = caught.value.problems
    assert problem.key == "backends.flagd.targeting_key"
    assert problem.message == "expected str, got int"
