import pytest

from release_cockpit.domain import Alert, AlertMatcher, alerts_for


def alert(**labels):
    return Alert(
        name=labels.get("alertname", "A"),
        severity="critical",
        summary="s",
        labels=tuple(sorted(labels.items())),
    )


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('service="checkout"', {"service": "checkout"}, True),
        ('service="checkout"', {"service": "payments"}, False),
        ('service!="checkout"', {"service": "payments"}, True),
        ('severity=~"crit.*"', {"severity": "critical"}, True),
        ('severity=~"crit"', {"severity": "critical"}, False),  # anchored like Alertmanager
        ('severity!~"warn.*"', {"severity": "critical"}, True),
        ('team="x"', {}, False),
    ],
)
def test_matchers(text, labels, expected):
    assert AlertMatcher.parse(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["service=checkout", '="x"', 'a=~"("'])
def test_bad_matchers(text):
    with pytest.raises(ValueError, match=r"matcher|regular expression"):
        AlertMatcher.parse(text)


def test_alerts_for_needs_all_matchers_and_skips_silenced():
    ms = (AlertMatcher.parse('service="a"'), AlertMatcher.parse('env="prod"'))
    hit = alert(service="a", env="prod")
    silenced = Alert("B", "critical", "s", (("env", "prod"), ("service", "a")), silenced=True)
    assert alerts_for((hit, alert(service="a", env="dev"), silenced), ms) == (hit,)
    assert alerts_for((hit,), ()) == ()


def test_a_no_data_alert_reads_no_data():
    alert = Alert(name="checkout 5xx", severity="", summary="monitor is No Data", no_data=True)
    assert alert.word == "no data"
    assert Alert(name="x", severity="", summary="").word == "alert"
    assert Alert(name="x", severity="page", summary="").word == "page"


def test_matching_by_the_label_index_agrees_with_checking_every_alert():
    from release_cockpit.domain.alerts import Alert, AlertMatcher, matching

    labelled = [
        Alert(f"A{i}", "page", "", tuple(sorted({"service": f"s{i % 3}", "env": e}.items())))
        for i, e in enumerate(["prod", "staging", "prod", "prod", "dev", "prod"])
    ]
    alerts = (*labelled, Alert("bare", "page", ""))
    cases = [
        ('service="s0"',),
        ('service="s0"', 'env="prod"'),
        ('service!="s0"',),
        ('env=""',),
        ('service=~"s[12]"', 'env!="dev"'),
        ('service="nope"',),
    ]
    for texts in cases:
        matchers = tuple(AlertMatcher.parse(t) for t in texts)
        expected = tuple(a for a in alerts if all(m.matches(a.label_map) for m in matchers))
        assert matching(alerts, matchers) == expected, texts
