from dataclasses import replace
from datetime import timedelta

from release_cockpit.engine.poller_setup import (
    build_pollers,
    poll_interval,
    poll_timeout,
    source_records,
    used_backends,
)
from release_cockpit.engine.pollers import AlertPoller, CIPoller, DeployPoller, HealthPoller
from tests.support.clock import FakeClock
from tests.support.fakes import make_adapters, make_config, rule


def test_only_backends_a_line_uses_are_polled_in_config_order():
    config = make_config()
    assert used_backends(config, make_adapters(config)) == [
        "github",
        "cluster",
        "prometheus",
        "alertmanager",
    ]


def test_staleness_is_at_least_three_of_the_slowest_interval():
    config = make_config(services=("checkout",), ci_backend=("github",))
    slow = replace(rule("checkout"), interval=timedelta(seconds=30))
    services = {"checkout": replace(config.services["checkout"], signals=(slow,))}
    config = replace(config, services=services)
    records = source_records(config, make_adapters(config))
    assert records["github"].stale_after == timedelta(seconds=15)  # the configured floor
    assert records["prometheus"].stale_after == timedelta(seconds=90)
    assert records["prometheus"].interval == poll_interval(config, "prometheus") == 5.0


def test_each_backend_gets_the_poller_of_what_it_is():
    config = make_config()
    adapters = make_adapters(config)
    pollers = build_pollers(config, adapters, source_records(config, adapters), FakeClock())
    kinds = {name: type(poller) for name, poller in pollers.items()}
    assert kinds == {
        "github": CIPoller,
        "cluster": DeployPoller,
        "prometheus": HealthPoller,
        "alertmanager": AlertPoller,
    }
    assert poll_timeout(config, "github") == 6.0  # three requests of the 2 s timeout
