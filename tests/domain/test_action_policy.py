"""The rules of the action path: read-only, support, state, freezes, checklist policies."""

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import Action, Policy, ReleaseType
from release_cockpit.domain.action_policy import ActionRules, EnvironmentRules, Freeze
from release_cockpit.domain.checklist import ChecklistItem, Tick, build_checklist
from release_cockpit.domain.flags import FlagState
from tests.support.world import NOW, done, failing_canary

ALL = frozenset(Action)


def test_read_only_refuses_everything_and_says_why():
    rules = ActionRules(read_only="--read-only")
    refusal = rules.check(failing_canary(), Action.ABORT, ALL, NOW)
    assert refusal is not None
    assert refusal.rule == "read-only"
    assert "--read-only" in refusal.reason


def test_a_read_only_environment_refuses_only_its_releases():
    rules = ActionRules(environments={"production": EnvironmentRules("production", True)})
    refusal = rules.check(failing_canary(), Action.ABORT, ALL, NOW)
    assert refusal is not None
    assert refusal.rule == "read-only environment"
    assert "[environments.production]" in refusal.next_step
    assert rules.check(done(), Action.ROLLBACK, ALL, NOW) is None  # staging


def test_unsupported_and_not_applicable_are_refused():
    rules = ActionRules()
    unsupported = rules.check(failing_canary(), Action.ABORT, frozenset(), NOW)
    assert unsupported is not None
    assert unsupported.rule == "not supported"
    idle = rules.check(done(), Action.ABORT, ALL, NOW)
    assert idle is not None
    assert idle.rule == "not applicable"


def test_a_freeze_blocks_promotion_but_never_abort():
    freeze = Freeze(
        "black friday",
        NOW - timedelta(hours=1),
        NOW + timedelta(days=3),
        environments=frozenset({"production"}),
        reason="peak traffic",
    )
    rules = ActionRules(freezes=(freeze,))
    refusal = rules.check(failing_canary(), Action.PROMOTE_FULL, ALL, NOW)
    assert refusal is not None
    assert refusal.rule == "freeze 'black friday'"
    assert "(peak traffic)" in refusal.reason
    assert "abort, roll back and pause stay available" in refusal.next_step
    assert rules.check(failing_canary(), Action.ABORT, ALL, NOW) is None
    assert rules.check(failing_canary(), Action.PROMOTE_FULL, ALL, NOW + timedelta(days=4)) is None


def test_a_policy_requires_the_checklist_before_promote_full():
    policy = Policy(
        "minor in production",
        release_types=frozenset({ReleaseType.MINOR}),
        environments=frozenset({"production"}),
        require_checklist=frozenset({Action.PROMOTE_FULL}),
    )
    items = (ChecklistItem("Rollback plan reviewed"), ChecklistItem("Support told"))
    open_list = build_checklist(items, {}, {}, NOW)
    release = replace(failing_canary(), checklist=open_list)
    rules = ActionRules(policies=(policy,))
    refusal = rules.check(release, Action.PROMOTE_FULL, ALL, NOW)
    assert refusal is not None
    assert refusal.rule == "policy 'minor in production'"
    assert "checklist 0/2, missing 'Rollback plan reviewed', 'Support told'" in refusal.reason
    assert "press c" in refusal.next_step
    assert rules.check(release, Action.PROMOTE, ALL, NOW) is None
    ticks = {i.name: Tick(i.name, "ana", NOW) for i in items}
    complete = replace(release, checklist=build_checklist(items, ticks, {}, NOW))
    assert rules.check(complete, Action.PROMOTE_FULL, ALL, NOW) is None


def test_a_policy_without_a_configured_checklist_refuses_with_the_fix():
    policy = Policy("all", require_checklist=frozenset({Action.PROMOTE}))
    refusal = ActionRules(policies=(policy,)).check(failing_canary(), Action.PROMOTE, ALL, NOW)
    assert refusal is not None
    assert "[[services.checkout-prod.checklist]]" in refusal.next_step


def test_production_tier_needs_the_name_typed():
    rules = ActionRules(environments={"qa": EnvironmentRules("qa", type_to_confirm=True)})
    assert rules.type_to_confirm("production")
    assert rules.type_to_confirm("prod")
    assert not rules.type_to_confirm("staging")
    assert rules.type_to_confirm("qa")
    relaxed = ActionRules(environments={"prod": EnvironmentRules("prod", type_to_confirm=False)})
    assert not relaxed.type_to_confirm("prod")


def test_moving_a_failing_release_on_needs_its_name_typed_in_any_environment():
    staging = replace(failing_canary(), environment="staging")
    # Even where the config says no typing: promoting a failing canary is the press to stop.
    no_typing = EnvironmentRules("staging", type_to_confirm=False)
    rules = ActionRules(environments={"staging": no_typing})
    for action in (Action.PROMOTE, Action.PROMOTE_FULL, Action.RESUME, Action.APPROVE):
        typed, because = rules.confirmation(staging, action)
        assert typed, action
        assert because == "checkout is FAILING"
    # Making it safer never needs more than the environment asks.
    assert rules.confirmation(staging, Action.ABORT) == (False, "")
    assert rules.confirmation(staging, Action.ROLLBACK) == (False, "")


def test_an_inconclusive_release_needs_its_name_typed_to_promote():
    from release_cockpit.domain import Verdict, VerdictLevel

    release = replace(
        done(), verdict=Verdict(VerdictLevel.INCONCLUSIVE, "not enough data (canary 1; need 3)")
    )
    typed, because = ActionRules().confirmation(release, Action.PROMOTE)
    assert typed
    assert because.endswith("is INCONCLUSIVE")


def test_a_healthy_release_in_production_needs_its_name_for_being_production():
    release = replace(done(), environment="production")
    assert ActionRules().confirmation(release, Action.PROMOTE) == (
        True,
        "production is production-tier",
    )
    assert ActionRules().confirmation(done(), Action.PROMOTE) == (False, "")


def test_a_freeze_blocks_flag_on_but_never_the_kill_switch():
    freeze = Freeze("black friday", NOW - timedelta(hours=1), NOW + timedelta(days=3))
    rules = ActionRules(freezes=(freeze,))
    dark = replace(failing_canary(), flags=(FlagState("checkout-v2", "production", on=False),))
    refusal = rules.check(dark, Action.FLAG_ON, ALL, NOW)
    assert refusal is not None
    assert refusal.rule == "freeze 'black friday'"
    lit = replace(dark, flags=(FlagState("checkout-v2", "production", on=True),))
    assert rules.check(lit, Action.FLAG_OFF, ALL, NOW) is None
