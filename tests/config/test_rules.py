"""Signal rules in comparison mode and release policies, read strictly."""

import pytest

from release_cockpit.config import parse_config
from release_cockpit.domain import Change, ReleaseType
from release_cockpit.errors import ConfigError

HEAD = """
[backends.prom]
type = "prometheus"
url = "http://127.0.0.1:9090"

[services.api]
environment = "production"

[[services.api.signals]]
name = "p99"
backend = "prom"
query = "q"
"""


def problems(text):
    with pytest.raises(ConfigError) as info:
        parse_config(text, "c.toml")
    return {(p.key, p.message) for p in info.value.problems}


def test_comparison_signal():
    config = parse_config(
        HEAD
        + 'mode = "canary-vs-baseline"\ncanary = \'track="canary"\'\n'
        + "baseline = ['track=\"stable\"', 'region=\"eu\"']\n"
        + 'window = "5m"\ndirection = "either"\nconfidence = 0.95\ntolerance = 0.1\n'
        + "critical = true\n",
        "c.toml",
    )
    rule = config.services["api"].signals[0]
    assert rule.threshold is None
    assert rule.critical
    spec = rule.baseline
    assert spec.change is Change.EITHER
    assert (spec.confidence, spec.tolerance, spec.window.total_seconds()) == (0.95, 0.1, 300)
    assert [str(m) for m in spec.baseline] == ['track="stable"', 'region="eu"']


def test_comparison_needs_both_populations():
    found = problems(HEAD + 'mode = "canary-vs-baseline"\ncanary = \'track="canary"\'\n')
    assert any("needs `baseline`" in message for _, message in found)


COMPARISON = {
    "mode": '"canary-vs-baseline"',
    "canary": "'track=\"canary\"'",
    "baseline": "'track=\"stable\"'",
}


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("confidence", "1.5", "between 0 and 1"),
        ("direction", '"up"', "up"),
        ("tolerance", "-0.1", "negative"),
        ("canary", "'track=canary'", "not a label matcher"),
    ],
)
def test_bad_comparison_settings(key, value, fragment):
    settings = {**COMPARISON, key: value}
    text = HEAD + "".join(f"{k} = {v}\n" for k, v in settings.items())
    found = problems(text)
    assert any(k.endswith(key) and fragment in m for k, m in found), found


def test_comparison_keys_need_the_mode():
    found = problems(HEAD + 'fail_above = 1\nwindow = "5m"\n')
    assert (
        "services.api.signals[0].window",
        "`window` only applies to canary-vs-baseline signals",
    ) in found


def test_policies():
    config = parse_config(
        HEAD
        + 'fail_above = 1\n\n[[policies]]\nname = "fast"\nrelease_types = ["hotfix"]\n'
        + 'soak = "2m"\n\n[[policies]]\nrelease_types = ["major"]\nenvironments = ["production"]\n'
        + "failure_limit = 0\n",
        "c.toml",
    )
    fast, strict = config.policies
    assert fast.name == "fast"
    assert fast.release_types == frozenset({ReleaseType.HOTFIX})
    assert fast.soak.total_seconds() == 120
    assert strict.name == "policy 2"
    assert strict.environments == frozenset({"production"})
    assert strict.failure_limit == 0


def test_bad_policy_type_is_located():
    with pytest.raises(ConfigError) as info:
        parse_config(HEAD + 'fail_above = 1\n\n[[policies]]\nrelease_types = ["hotfx"]\n', "c.toml")
    [problem] = info.value.problems
    assert problem.key == "policies[0].release_types"
    assert problem.line == 16
    assert "hotfx" in problem.message
