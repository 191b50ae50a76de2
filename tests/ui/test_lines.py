"""The Lines widget repaints only the rows whose text changed, and follows its builder."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content

from release_cockpit.ui.widgets.lines import Lines


class Host(App[None]):
    def __init__(self, lines: Lines) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        yield self.lines


async def test_recheck_repaints_only_changed_rows_and_relayouts_on_new_line_count():
    rows = ["alpha", "beta", "gamma"]
    lines = Lines(lambda width: [Content(row) for row in rows])
    refreshes: list[tuple[tuple[object, ...], bool]] = []
    app = Host(lines)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        original = lines.refresh

        def spy(*regions, layout=False, **kwargs):
            refreshes.append((regions, layout))
            return original(*regions, layout=layout, **kwargs)

        lines.refresh = spy  # type: ignore[method-assign]
        lines.recheck()
        assert refreshes == []
        rows[1] = "BETA"
        lines.recheck()
        [(regions, layout)] = refreshes
        assert [(r.y, r.height) for r in regions] == [(1, 1)]
        assert not layout
        await pilot.pause()
        assert lines.size.height == 3
        rows.append("delta")
        lines.recheck()
        assert refreshes[-1][1] is True
        await pilot.pause()
        assert lines.size.height == 4
        assert lines.text == "alpha\nBETA\ngamma\ndelta"


async def test_set_builder_replaces_the_lines():
    lines = Lines()
    app = Host(lines)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        assert lines.size.height == 0
        lines.set_builder(lambda width: [Content(f"width {width}")])
        await pilot.pause()
        assert lines.size.height == 1
        assert lines.text == "width 40"
