"""Adapter-declared secrets (Datadog's two keys), a URL derived from a site, and query checks
that belong to the backend's adapter: each with the file, line and key of the setting."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.engine.factory import build_adapters
from release_cockpit.errors import ConfigError

DD_KEYS = {"api_key": "dd-api-k3y-0123456789abcdef", "app_key": "dd-app-k3y-fedcba987654"}
ENV = {"DD_API_KEY": DD_KEYS["api_key"], "DD_APP_KEY": DD_KEYS["app_key"]}
SIGNAL = """
[services.checkout]
environment = "production"

[[services.checkout.signals]]
name = "5xx ratio"
backend = "datadog"
query = '{query}'
fail_above = 0.05
"""


def config_text(backend: str, query: str = "avg:m{service:$service}") -> str:
    return f"[backends.datadog]\n{backend}\n" + SIGNAL.replace("{query}", query)


def parse(text: str):
    return parse_config(text, "cockpit.toml", kinds=adapter_kinds())


def build(text: str) -> None:
    build_adapters(parse(text), ENV)


def problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(ConfigError) as caught:
        build(text)
    return [(p.key, p.line, p.message) for p in caught.value.problems]


KEYS = 'api_key_env = "DD_API_KEY"\napp_key_env = "DD_APP_KEY"'


async def test_a_site_names_the_url_and_the_keys_come_from_the_environment():
    config = parse(config_text(f'type = "datadog"\nsite = "eu"\n{KEYS}'))
    assert config.backends["datadog"].url == "https://api.datadoghq.eu"
    adapters = build_adapters(config, ENV)
    adapter = adapters["datadog"]
    try:
        assert adapter.settings.secrets == DD_KEYS
        assert "api_key_env" not in adapter.settings.options  # located, not an option
        assert DD_KEYS["api_key"] not in repr(adapter.settings)
    finally:
        await adapter.aclose()


async def test_keys_from_files(tmp_path):
    api, app = tmp_path / "api", tmp_path / "app"
    api.write_text(DD_KEYS["api_key"] + "\n", encoding="utf-8")
    app.write_text(DD_KEYS["app_key"], encoding="utf-8")
    text = config_text(
        f'type = "datadog-monitors"\nsite = "us5"\napi_key_file = "{api}"\napp_key_file = "{app}"'
    )
    text = text.split("\n[services")[0]
    (adapter,) = build_adapters(parse(text), {}).values()
    try:
        assert adapter.settings.secrets == DD_KEYS
        assert adapter.settings.url == "https://api.us5.datadoghq.com"
    finally:
        await adapter.aclose()


def test_a_url_that_is_not_the_site_api_is_refused_at_its_line():
    text = config_text(f'type = "datadog"\nsite = "eu"\nurl = "https://api.datadoghq.com"\n{KEYS}')
    assert problems(text) == [
        (
            "backends.datadog.url",
            4,
            "url https://api.datadoghq.com is not the API of the configured site "
            "(https://api.datadoghq.eu)",
        )
    ]


def test_the_site_api_as_url_and_a_proxy_url_alone_are_fine():
    same = parse(
        config_text(f'type = "datadog"\nsite = "eu"\nurl = "https://api.datadoghq.eu/"\n{KEYS}')
    )
    assert same.backends["datadog"].url == "https://api.datadoghq.eu/"
    proxy = parse(config_text(f'type = "datadog"\nurl = "http://127.0.0.1:8125"\n{KEYS}'))
    assert proxy.backends["datadog"].url == "http://127.0.0.1:8125"


def test_an_unknown_site_is_reported_on_site():
    [(key, line, message)] = problems(config_text(f'type = "datadog"\nsite = "mars"\n{KEYS}'))
    assert (key, line) == ("backends.datadog.site", 3)
    assert "'mars' is not a Datadog site" in message


def test_neither_site_nor_url_asks_for_url():
    [(key, _, message)] = problems(config_text(f'type = "datadog"\n{KEYS}'))
    assert key == "backends.datadog.url"
    assert "missing required key 'url'" in message


def test_missing_and_doubled_keys_are_each_reported():
    text = config_text(
        'type = "datadog"\nsite = "us1"\napi_key_env = "NOPE"\n'
        'app_key_env = "DD_APP_KEY"\napp_key_file = "/x"'
    )
    found = problems(text)
    assert (
        "backends.datadog.api_key_env",
        4,
        "environment variable NOPE is not set or is empty",
    ) in found
    assert (
        "backends.datadog.app_key_file",
        6,
        "set app_key_env or app_key_file, not both",
    ) in found


def test_no_keys_at_all_names_both_settings():
    found = problems(config_text('type = "datadog"\nsite = "us1"'))
    assert [key for key, _, _ in found] == [
        "backends.datadog.api_key_env",
        "backends.datadog.app_key_env",
    ]


@pytest.mark.parametrize("key", ["app_key", "application_key", "api_key"])
def test_a_key_written_into_the_config_is_refused(key):
    found = problems(config_text(f'type = "datadog"\nsite = "us1"\n{key} = "abc123abc123"'))
    assert (f"backends.datadog.{key}", 4, "secrets must not be in the config") in found


def test_a_token_is_refused_for_datadog():
    env = {**ENV, "TOKEN": "x" * 20}
    config = parse(config_text(f'type = "datadog"\nsite = "us1"\ntoken_env = "TOKEN"\n{KEYS}'))
    with pytest.raises(ConfigError, match="two keys, not a token"):
        build_adapters(config, env)


def test_a_datadog_query_is_checked_by_the_datadog_rules_with_its_line():
    text = config_text(f'type = "datadog"\nsite = "us1"\n{KEYS}', "avg:m{$service}")
    [(key, line, message)] = problems(text)
    assert key == "services.checkout.signals[0].query"
    assert line == 13
    assert "needs `by {service}`" in message


def test_a_datadog_template_is_not_held_to_the_promql_rules():
    text = config_text(f'type = "datadog"\nsite = "us1"\n{KEYS}', "avg:m{service:$service}")
    assert parse(text).services["checkout"].signals[0].query == "avg:m{service:$service}"


def test_a_loki_template_is_held_to_the_promql_rules():
    text = '[backends.datadog]\ntype = "loki"\nurl = "http://loki:3100"\n' + SIGNAL.replace(
        "{query}", 'sum(rate({service=~"$service"}[5m]))'
    )
    [(key, _, message)] = problems(text)
    assert key == "services.checkout.signals[0].query"
    assert "drops the service label" in message
