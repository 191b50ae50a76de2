"""Every kind of config problem yields the right key, line, message and hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_cockpit.config import load_config, parse_config
from release_cockpit.errors import ConfigError, Problem

BROKEN = Path(__file__).parents[1] / "fixtures" / "configs" / "broken"
KINDS = {
    "github-actions": "ci",
    "prometheus": "health",
    "alertmanager": "alerts",
    "argo-rollouts": "deploy",
}
SECRET_HINT = "put it in an environment variable and set token_env, or in a file and set token_file"


def marked_lines(path: Path) -> list[int]:
    """The lines a fixture marks with ``# PROBLEM``: where each problem must be reported."""
    text = path.read_text(encoding="utf-8")
    return [n for n, line in enumerate(text.splitlines(), 1) if "# PROBLEM" in line]


def problems_in(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


# fixture, key, message fragment, hint fragment
SINGLE = [
    ("unknown_key", "cockpit.them", "unknown key", "did you mean 'theme'?"),
    (
        "unknown_key_no_match",
        "polling.frobnicate",
        "unknown key",
        "valid keys: interval, max_backoff, stale_after, timeout",
    ),
    ("unknown_top_level_table", "service", "unknown key", "did you mean 'services'?"),
    ("bad_duration", "polling.interval", "expected a duration like '30s', got 12.5.3", "'1h30m'"),
    ("negative_duration", "services.checkout.soak", "must not be negative, got -5", "'30s'"),
    ("zero_interval", "polling.interval", "must be longer than zero", "'30s'"),
    ("wrong_type", "cockpit.read_only", "expected true or false, got 'yes' (string)", ""),
    (
        "missing_environment",
        "services.checkout.environment",
        "missing required key 'environment' in [services.checkout]",
        'environment = "production"',
    ),
    (
        "missing_backend_type",
        "backends.github.type",
        "missing required key 'type'",
        'type = "github-actions"',
    ),
    ("bad_regex", "services.checkout.hotfix_pattern", "invalid regular expression", "regular"),
    (
        "naive_datetime",
        "services.checkout.window_start",
        "needs a time zone, got 2026-11-27T09:00:00",
        "2026-11-27T09:00:00Z",
    ),
    ("date_only", "services.checkout.window_start", "expected a date and time", "zone"),
    ("window_reversed", "services.checkout.window_end", "ends before it starts", "later"),
    (
        "bad_matcher",
        "services.checkout.alerts.matchers[1]",
        "'env=production' is not a label matcher",
        "quoted",
    ),
    ("empty_matchers", "services.checkout.alerts.matchers", "at least one matcher", "service="),
    (
        "both_thresholds",
        "services.checkout.signals[0].fail_below",
        "set fail_above or fail_below, not both",
        "one side",
    ),
    (
        "no_threshold",
        "services.checkout.signals[1]",
        "missing threshold: set fail_above or fail_below",
        "fail_above = 0.05",
    ),
    (
        "warn_after_fail_above",
        "services.checkout.signals[0].warn_above",
        "warn_above (0.1) must be lower than fail_above (0.05)",
        "warning band",
    ),
    (
        "warn_after_fail_below",
        "services.checkout.signals[0].warn_below",
        "warn_below (0.9) must be higher than fail_below (0.95)",
        "warning band",
    ),
    (
        "warn_wrong_direction",
        "services.checkout.signals[0].warn_below",
        "warn_below does not go with fail_above",
        "use warn_above",
    ),
    (
        "negative_limit",
        "services.checkout.signals[0].inconclusive_limit",
        "must not be negative, got -1",
        "",
    ),
    (
        "failure_limit_below_minus_one",
        "services.checkout.signals[0].failure_limit",
        "must be -1 or more, got -2",
        "use -1 to disable",
    ),
    (
        "bad_format",
        "services.checkout.signals[0].format",
        "'percnt' is not one of number, percent, seconds",
        "did you mean 'percent'?",
    ),
    ("nan_threshold", "services.checkout.signals[0].fail_above", "finite number", ""),
    (
        "duplicate_signal",
        "services.checkout.signals[1].name",
        "another signal of service checkout is named '5xx ratio'",
        "own name",
    ),
    (
        "signals_not_array",
        "services.checkout.signals",
        "expected an array of tables",
        "[[services.KEY.signals]]",
    ),
    (
        "undefined_backend",
        "services.checkout.ci.backend",
        "service checkout: ci.backend 'gitub' is not defined",
        "did you mean 'github'?",
    ),
    ("secret_token", "backends.github.token", "secrets must not be in the config", SECRET_HINT),
    (
        "secret_password_option",
        "backends.jenkins.auth.password",
        "secrets must not be in the config",
        SECRET_HINT,
    ),
    ("secret_in_url", "backends.prometheus.url", "secrets must not be in the config", SECRET_HINT),
    (
        "token_in_token_env",
        "backends.github.token_env",
        "must be the NAME of an environment variable",
        'token_env = "GITHUB_TOKEN"',
    ),
    ("token_env_and_file", "backends.github.token_file", "not both", ""),
    ("bad_url", "backends.prometheus.url", "expected an http:// or https:// URL", "https://"),
]


@pytest.mark.parametrize(("name", "key", "message", "hint"), SINGLE, ids=[s[0] for s in SINGLE])
def test_each_problem_has_key_line_message_and_hint(name, key, message, hint):
    path = BROKEN / f"{name}.toml"
    problems = problems_in(path)
    assert len(problems) == 1, [p.render() for p in problems]
    problem = problems[0]
    assert problem.file == str(path)
    assert problem.key == key
    assert problem.line == marked_lines(path)[0]
    assert message in problem.message
    assert hint in problem.hint
    assert problem.render().startswith(f"{path}:{problem.line}: {key}: ")


def test_every_broken_fixture_is_covered():
    covered = {s[0] for s in SINGLE} | {"syntax_error", "many_problems"}
    assert {p.stem for p in BROKEN.glob("*.toml")} == covered


@pytest.mark.parametrize(
    "name",
    ["secret_token", "secret_password_option", "secret_in_url", "token_in_token_env"],
)
def test_secret_values_never_appear_in_the_error(name):
    path = BROKEN / f"{name}.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    for secret in ("ghp_NOTAREALTOKEN", "hunter2", "s3cr3t", "admin:"):
        assert secret not in str(error)
        assert secret not in repr(error.problems)


def test_several_problems_are_reported_together_in_file_order():
    path = BROKEN / "many_problems.toml"
    problems = problems_in(path)
    assert [p.key for p in problems] == [
        "cockpit.read_only",
        "polling.intervall",
        "backends.github.password",
        "services.checkout.environment",
        "services.checkout.ci.backend",
        "services.checkout.signals[0].warn_above",
    ]
    assert [p.line for p in problems] == marked_lines(path)
    assert problems[1].hint == "did you mean 'interval'?"
    assert problems[4].hint == "did you mean 'github'?"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith("6 problems in the configuration:")


def test_toml_syntax_error_reports_line_column_and_hint():
    path = BROKEN / "syntax_error.toml"
    problems = problems_in(path)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line == marked_lines(path)[0] == 3
    assert problem.key == ""
    assert problem.message == (
        "not valid TOML: Expected newline or end of document after a statement at line 3, column 13"
    )
    assert problem.hint == 'one key = value per line; strings need quotes, e.g. interval = "30s"'


def test_unquoted_string_value_hint():
    with pytest.raises(ConfigError) as caught:
        parse_config("[polling]\ninterval = fast\n", "c.toml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("c.toml", 2)
    assert problem.message == "not valid TOML: Invalid value at line 2, column 12"
    assert problem.hint == 'strings need quotes, e.g. interval = "30s"'


def test_duplicate_table_syntax_error_hint():
    with pytest.raises(ConfigError) as caught:
        parse_config("[cockpit]\ntheme = 'a'\n[cockpit]\nread_only = true\n")
    problem = caught.value.problems[0]
    assert problem.line == 3
    assert "merge the duplicates" in problem.hint


def service_with(block: str) -> str:
    return f"""
[backends.github]
type = "github-actions"
url = "https://api.github.com"

[backends.prometheus]
type = "prometheus"
url = "http://prometheus:9090"

[backends.cluster]
type = "argo-rollouts"
url = "https://k8s:6443"

[services.checkout]
environment = "production"
{block}
"""


def only_problem(text: str, kinds: dict[str, str] | None = None) -> Problem:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.toml", kinds)
    assert len(caught.value.problems) == 1, [p.render() for p in caught.value.problems]
    return caught.value.problems[0]


def test_unknown_backend_type_suggests_a_known_type_when_kinds_are_given():
    text = '[backends.github]\ntype = "github-action"\nurl = "https://api.github.com"\n'
    problem = only_problem(text, KINDS)
    assert (problem.key, problem.line) == ("backends.github.type", 2)
    assert problem.message == "unknown backend type 'github-action'"
    assert problem.hint == "did you mean 'github-actions'?"
    parse_config(text)  # without kinds any type is accepted


def test_unknown_backend_type_without_close_match_lists_known_types():
    text = '[backends.x]\ntype = "nagios"\nurl = "https://nagios"\n'
    problem = only_problem(text, KINDS)
    assert problem.hint == "known types: alertmanager, argo-rollouts, github-actions, prometheus"


def test_reference_to_backend_of_the_wrong_kind():
    text = service_with(
        '[services.checkout.deploy]\nbackend = "github"\nnamespace = "shop"\nrollout = "checkout"\n'
    )
    problem = only_problem(text, KINDS)
    assert problem.key == "services.checkout.deploy.backend"
    assert problem.line == 17
    assert problem.message == (
        "service checkout: deploy.backend 'github' is a ci backend (github-actions), "
        "not a deploy backend"
    )
    assert problem.hint == "use a deploy backend: cluster"
    parse_config(text)  # without kinds only existence is checked


def test_signal_backend_must_be_a_health_backend():
    text = service_with(
        '[[services.checkout.signals]]\nname = "x"\nbackend = "cluster"\nquery = "q"\n'
        "fail_above = 1\n"
    )
    problem = only_problem(text, KINDS)
    assert problem.key == "services.checkout.signals[0].backend"
    assert "signals[0].backend 'cluster' is a deploy backend" in problem.message
    assert problem.hint == "use a health backend: prometheus"


def test_wrong_kind_with_no_backend_of_the_right_kind():
    text = service_with(
        '[services.checkout.alerts]\nbackend = "prometheus"\nmatchers = [\'service="checkout"\']\n'
    )
    problem = only_problem(text, KINDS)
    assert problem.hint == "define a alerts backend under [backends]"


def test_undefined_backend_without_close_match_lists_defined_backends():
    text = service_with('[services.checkout.ci]\nbackend = "jenkins"\nproject = "acme/checkout"\n')
    problem = only_problem(text)
    assert problem.hint == "defined backends: cluster, github, prometheus"


def test_undefined_backend_when_no_backends_exist():
    text = '[services.a]\nenvironment = "prod"\n[services.a.ci]\nbackend = "gh"\nproject = "a/b"\n'
    problem = only_problem(text)
    assert problem.message == "service a: ci.backend 'gh' is not defined"
    assert problem.hint == "define it in a [backends.gh] table"


def test_token_outside_a_backend_table_is_a_secret_problem():
    problem = only_problem(service_with('token = "abc-not-real"'))
    assert problem.key == "services.checkout.token"
    assert problem.message == "secrets must not be in the config"
    assert "abc-not-real" not in problem.render()


@pytest.mark.parametrize("key", ["password", "secret", "api_token", "client_secret", "api_key"])
def test_keys_named_like_secrets_are_refused_in_backend_tables(key):
    text = f'[backends.x]\ntype = "t"\nurl = "https://x"\n{key} = "value-not-real"\n'
    problem = only_problem(text)
    assert problem.key == f"backends.x.{key}"
    assert problem.message == "secrets must not be in the config"
    assert problem.hint == SECRET_HINT


def test_token_in_url_query_is_refused():
    text = '[backends.x]\ntype = "t"\nurl = "https://x/api?access_token=abc-not-real"\n'
    problem = only_problem(text)
    assert problem.message.startswith("secrets must not be in the config")
    assert "abc-not-real" not in problem.render()


@pytest.mark.parametrize(
    ("line", "key", "message"),
    [
        ("team = 5", "services.checkout.team", "expected a string, got 5 (integer)"),
        ("soak = true", "services.checkout.soak", "expected a duration like '30s', got true"),
        ("service = ''", "services.checkout.service", "must not be empty"),
        ("ci = 'github'", "services.checkout.ci", "expected a table, got 'github' (string)"),
    ],
)
def test_wrong_types(line, key, message):
    problem = only_problem(service_with(line))
    assert problem.key == key
    assert problem.line == 16
    assert problem.message == message


def test_wrong_type_in_a_string_array():
    text = service_with(
        '[services.checkout.ci]\nbackend = "github"\nproject = "a/b"\nbuild = ["build", 3]\n'
    )
    problem = only_problem(text)
    assert problem.key == "services.checkout.ci.build"
    assert problem.message == "expected an array of strings, got 3 in it"


def test_missing_keys_in_signal_point_at_its_header():
    text = service_with("[[services.checkout.signals]]\nfail_above = 1\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    found = {(p.key, p.line) for p in caught.value.problems}
    assert found == {
        ("services.checkout.signals[0].name", 16),
        ("services.checkout.signals[0].backend", 16),
        ("services.checkout.signals[0].query", 16),
    }
