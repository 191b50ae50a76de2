"""Config checks made when a backend's httpx client is built (adapters/http_connection.py)."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.http import HttpClient
from release_cockpit.adapters.monitoring.loki import Loki
from release_cockpit.errors import ConfigError
from tests.support.adapters import make_settings


def test_a_header_value_http_cannot_carry_is_a_config_error_naming_its_option():
    with pytest.raises(ConfigError) as caught:
        Loki(make_settings("loki", tenant="\xa0hop"))
    [problem] = caught.value.problems
    assert problem.key == "backends.test-backend.tenant"
    assert "'\\xa0'" in problem.message
    assert "X-Scope-OrgID" in problem.message


def test_a_token_with_a_stray_non_ascii_character_names_the_token():
    with pytest.raises(ConfigError) as caught:
        HttpClient(
            make_settings("prometheus", token="tok\u00e9n-0123456789"),
            headers={"Authorization": "Bearer tok\u00e9n-0123456789"},
        )
    assert caught.value.problems[0].key == "backends.test-backend.token_env"


def test_a_host_httpx_cannot_encode_is_a_config_problem_naming_the_url():
    """Found by the config fuzzer: a control character in the host passed validation and
    httpx raised InvalidURL while the adapters were built."""
    settings = make_settings("prometheus", name="prom", url="https://\x80pi.github.com")
    with pytest.raises(ConfigError) as caught:
        HttpClient(settings)
    [problem] = caught.value.problems
    assert problem.key == "backends.prom.url"
    assert "is not a usable URL" in problem.message
