"""Backend strings are shown as typed: Rich markup is not interpreted, escapes are not sent."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from tests.support.ui import build_app, screen_text
from tests.support.world import hostile_release, make_snapshot


def hostile_snapshot():
    world = make_snapshot()
    return replace(world, releases=(hostile_release(), *world.releases))


async def test_board_and_detail_show_markup_and_escapes_literally():
    app = build_app(hostile_snapshot())
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        board_text = screen_text(app)
        assert "[bold red]x[/] failed" in board_text
        assert "[b]Injected[/b]" in board_text
        assert "red [31mALERT[0m and [link=http://evil]click[/link]" in board_text
        assert "\x1b" not in board_text

        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, ReleaseDetailScreen)
        assert detail.key == "evil-prod"
        text = detail.text
        assert "[bold red]x[/]" in text
        assert "[link=http://evil]run[/link]" in text
        assert "[31mALERT[0m" in text
        assert "\x1b" not in text
        visible = screen_text(app)
        assert "[bold red]x[/]" in visible
        assert "[31mALERT" in visible
