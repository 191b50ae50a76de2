from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

from release_cockpit.adapters.base import Offer
from release_cockpit.domain import Action
from release_cockpit.domain.action_policy import ActionRules
from release_cockpit.engine.action_offers import ActionOffers, action_rules
from tests.support.clock import START
from tests.support.fakes import make_adapters, make_config


def offers_for(rules=None):
    config = make_config(services=("checkout",), ci_backend=("github",))
    adapters = make_adapters(config)
    adapters["cluster"].CAPABILITIES = frozenset({Action.ABORT, Action.PROMOTE})
    adapters["github"].CAPABILITIES = frozenset({Action.RETRY_CI, Action.ROLLBACK})
    return ActionOffers(config, adapters, rules or ActionRules()), adapters


def test_each_backend_offers_only_its_own_kind_of_action():
    offers, _ = offers_for()
    assert offers.offered("checkout") == {Action.ABORT, Action.PROMOTE, Action.RETRY_CI}
    assert offers.backend("checkout", Action.RETRY_CI) == "github"
    assert offers.backend("checkout", Action.ABORT) == "cluster"
    assert offers.kill_switch_link("checkout") is None  # the line reads no flag


def test_read_only_offers_nothing_and_names_no_note():
    offers, adapters = offers_for(ActionRules(read_only="--read-only"))
    adapters["cluster"].offer = lambda target: Offer(frozenset(), "no load tester named")
    assert offers.offered("checkout") == frozenset()
    assert offers.offered("unknown") == frozenset()
    assert offers.note(SimpleNamespace(key="checkout")) == ""


def test_a_backend_offering_less_says_why():
    offers, adapters = offers_for()
    adapters["cluster"].offer = lambda target: Offer(frozenset(), "no load tester named")
    assert offers.offered("checkout") == {Action.RETRY_CI}
    assert offers.note(SimpleNamespace(key="checkout")) == "cluster: no load tester named"


def test_the_config_read_only_and_the_next_freeze_edge():
    config = make_config()
    config = replace(config, cockpit=replace(config.cockpit, read_only=True))
    rules = action_rules(config)
    assert rules.read_only == "read_only = true under [cockpit] in the config file"
    assert action_rules(config, "--read-only").read_only == "--read-only"
    offers = ActionOffers(config, make_adapters(config), ActionRules())
    assert offers.next_rule_change(START + timedelta(days=1)) is None
