"""The demo's flag systems over real HTTP (``--with flags``): an Unleash admin API whose
switch changes what it and OFREP answer, an OFREP bulk evaluation with ETags; and the
default world without them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from release_cockpit_demo import DemoServer, World
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.release_lines import line_specs
from tests.support.demo_clock import FakeClock

FEATURE = "/unleash/api/admin/projects/shop/features/checkout-v2"
BULK = "/flagd/ofrep/v1/evaluate/flags"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with (
        DemoServer(clock=FakeClock(), families=("flags",)) as server,
        httpx.Client(base_url=server.url, timeout=5) as http,
    ):
        yield http


def test_the_flags_family_adds_two_lines_beyond_the_default_world():
    default = [s.service for s in line_specs()]
    assert [s.service for s in line_specs(families=("flags",))] == [
        *default,
        "web-shop",
        "web-search",
    ]
    assert World().flags.flags == {}  # the default world guards nothing
    assert "flags" not in demo_config_text("http://127.0.0.1:1")


def test_the_config_lists_the_kill_switch_and_the_read_only_flag():
    text = demo_config_text("http://127.0.0.1:1", families=("flags",))
    assert '[backends.unleash]\ntype = "unleash"' in text
    assert '[backends.flagd]\ntype = "ofrep"' in text
    assert '[[services.web-shop.flags]]\nbackend = "unleash"\nflag = "checkout-v2"' in text
    assert '[[services.web-search.flags]]\nbackend = "flagd"' in text


def test_a_feature_with_its_rollout_per_environment(client):
    answer = client.get(FEATURE)
    assert answer.status_code == 200
    feature = answer.json()
    assert feature["name"] == "checkout-v2"
    production = next(e for e in feature["environments"] if e["name"] == "production")
    assert production["enabled"] is True
    [strategy] = production["strategies"]
    assert strategy["name"] == "flexibleRollout"
    assert strategy["parameters"]["rollout"] == "25"
    again = client.get(FEATURE, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_switching_off_one_environment(client):
    off = client.post(f"{FEATURE}/environments/production/off")
    assert off.status_code == 200
    assert off.content == b""  # as Unleash answers
    environments = {e["name"]: e["enabled"] for e in client.get(FEATURE).json()["environments"]}
    assert environments == {"development": True, "production": False}
    assert client.post(f"{FEATURE}/environments/production/on").status_code == 200
    assert client.get(FEATURE).json()["environments"][1]["enabled"] is True


def test_unknown_flags_and_environments_are_unleash_404s(client):
    missing = client.get("/unleash/api/admin/projects/shop/features/nope")
    assert missing.status_code == 404
    assert missing.json()["name"] == "NotFoundError"
    assert client.get("/unleash/api/admin/projects/other/features/checkout-v2").status_code == 404
    assert client.post(f"{FEATURE}/environments/qa/off").status_code == 404
    assert client.get(f"{FEATURE}/environments/production/off").status_code == 405


def test_ofrep_evaluates_every_flag_for_the_context_with_an_etag(client):
    answer = client.post(BULK, json={"context": {"targetingKey": "release-cockpit"}})
    assert answer.status_code == 200
    flags = {f["key"]: f for f in answer.json()["flags"]}
    assert flags["search-suggestions"] == {
        "key": "search-suggestions",
        "value": True,
        "reason": "STATIC",
        "variant": "on",
        "metadata": {},
    }
    assert flags["checkout-v2"]["reason"] == "SPLIT"
    same = client.post(
        BULK,
        json={"context": {"targetingKey": "release-cockpit"}},
        headers={"If-None-Match": answer.headers["ETag"]},
    )
    assert same.status_code == 304
    client.post(f"{FEATURE}/environments/production/off")
    changed = client.post(
        BULK,
        json={"context": {"targetingKey": "release-cockpit"}},
        headers={"If-None-Match": answer.headers["ETag"]},
    )
    assert changed.status_code == 200
    off = next(f for f in changed.json()["flags"] if f["key"] == "checkout-v2")
    assert (off["value"], off["reason"]) == (False, "DISABLED")


def test_ofrep_needs_a_targeting_key_for_a_split_and_refuses_garbage(client):
    flags = client.post(BULK, json={"context": {}}).json()["flags"]
    split = next(f for f in flags if f["key"] == "checkout-v2")
    assert split["errorCode"] == "TARGETING_KEY_MISSING"
    bad = client.post(BULK, content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["errorCode"] == "PARSE_ERROR"
    assert client.post("/flagd/ofrep/v1/evaluate/flags/checkout-v2").status_code == 404
