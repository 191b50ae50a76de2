"""The release detail screen: every section, live follow by key, and a release that vanished."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from tests.support.ui import FixedFeed, screen_text
from tests.support.world import NOW, hostile_release, make_snapshot


async def open_detail(app: CockpitApp, key: str) -> ReleaseDetailScreen:
    await app.push_screen(ReleaseDetailScreen(app.ctx, app.snapshot, key))
    screen = app.screen
    assert isinstance(screen, ReleaseDetailScreen)
    return screen


async def test_detail_shows_facts_stages_jobs_signals_alerts_rollout_and_sources():
    app = CockpitApp(FixedFeed(make_snapshot()), clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = await open_detail(app, "checkout-prod")
        await pilot.pause()
        text = detail.text
        for expected in (
            "✗ FAILING",
            "Environment   PROD (production)",
            "Version       2.8.0 (previous 2.7.3)",
            "Type          minor: 2.7.3 → 2.8.0",
            "14 commits, 3 PRs (#412, #415, #419)",
            "Triggered by  alice",
            "⟳ Deploy       running  09:48:00  12m00s    step 2/5 · weight 25% (actual 20%)",
            "release.yml #1225  ✓ succeeded",
            "5xx ratio    FAILING  7.9%   > 5.0%     3/2         0/0        ✓✓✗✗✗  ▁▂▆██  15s ago",
            "! critical HighErrorRate  firing 3m00s",
            "runbook https://runbooks.example.com/checkout/5xx",
            "Weights   weight 25% set / 20% actual",
            "Canary    2.8.0 rev 12",
            "prod-cluster  ok     1s ago",
        ):
            assert expected in text, expected
        checkout = app.snapshot.release("checkout-prod") if app.snapshot else None
        assert checkout is not None
        assert f"    {checkout.signals[0].reason}" in text
        assert "checkout · PROD · 2.8.0" in screen_text(app)


async def test_detail_lists_failed_jobs_first_with_steps_and_log_url():
    world = make_snapshot()
    app = CockpitApp(
        FixedFeed(replace(world, releases=(hostile_release(), *world.releases))),
        clock=lambda: NOW,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = await open_detail(app, "evil-prod")
        lines = detail.text.splitlines()
        header = lines.index("State        Job             Duration  Failed steps")
        assert lines[header + 1].startswith("✗ failed     [bold red]x[/]  2m00s")
        assert lines[header + 2] == "    log https://ci.example.com/jobs/[bold red]x[/]"
        assert lines[header + 3].startswith("✓ succeeded  build")


async def test_detail_follows_new_snapshots_and_marks_a_vanished_release():
    feed = FixedFeed(make_snapshot())
    app = CockpitApp(feed, clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = await open_detail(app, "payments-prod")
        await pilot.pause()
        world = make_snapshot()
        payments = world.release("payments-prod")
        assert payments is not None
        changed = replace(payments, triggered_by="zoe")
        releases = tuple(changed if r.key == changed.key else r for r in world.releases)
        feed.push(replace(world, releases=releases, generation=2))
        await pilot.pause()
        assert "Triggered by  zoe" in detail.text
        others = tuple(r for r in world.releases if r.key != "payments-prod")
        feed.push(replace(world, releases=others, generation=3))
        await pilot.pause()
        assert "(no longer reported)" in screen_text(app)
        assert "Triggered by  zoe" in detail.text


async def test_j_and_k_scroll_the_body():
    app = CockpitApp(FixedFeed(make_snapshot()), clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_detail(app, "checkout-prod")
        await pilot.pause()
        body = app.screen.query_one("DetailBody")
        assert body.scroll_y == 0
        await pilot.press("j", "j")
        assert body.scroll_y == 2
        await pilot.press("k")
        assert body.scroll_y == 1
