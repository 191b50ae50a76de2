"""A partial update renders only the widgets and rows it covers, and the same cells."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import textual
from textual._compositor import Compositor
from textual.geometry import Region
from textual.widget import Widget

from release_cockpit.ui import partial_renders
from tests.support.ui import build_app


def test_the_pinned_textual_gets_the_narrow_render() -> None:
    """Fails when Textual is upgraded: check whether ``Compositor._get_renders`` still
    picks widgets by their container's clip and renders them whole (textual/_compositor.py)."""
    assert textual.__version__ == partial_renders.FOR_TEXTUAL
    assert partial_renders.install()


def chops(compositor: Compositor, crop: Region) -> dict[tuple[int, int], str]:
    """The text of every cell run a partial update of ``crop`` would write."""
    rows = set(range(crop.y, crop.bottom))
    found = compositor._render_chops(crop, rows.__contains__)
    cells = {}
    for y in rows:
        for x, strip in found[y].items():
            if strip is not None and x < crop.right and x + strip.cell_length > crop.x:
                start = max(crop.x - x, 0)
                cells[(y, x)] = strip.crop(start, crop.right - x).text
    return cells


async def test_a_partial_update_gives_the_same_cells_from_fewer_renders() -> None:
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        crops = [
            Region(118, 0, 1, 1),  # the clock's seconds
            Region(20, 7, 30, 3),  # cells inside the board
            Region(0, 38, 120, 2),  # the board's last row and the footer
            Region(0, 0, 120, 40),  # everything
        ]
        rendered: Counter[str] = Counter()
        original = Widget.render_lines

        def counted(widget: Widget, crop: Region) -> object:
            rendered[type(widget).__name__] += crop.height
            return original(widget, crop)

        textuals = partial_renders._whole_frame  # Textual's own method, installed or not
        for crop in crops:
            with mock.patch.object(Compositor, "_get_renders", textuals):
                whole = chops(compositor, crop)
            with mock.patch.object(Compositor, "_get_renders", partial_renders.get_renders):
                assert chops(compositor, crop) == whole, crop
            assert whole
        with (
            mock.patch.object(Compositor, "_get_renders", partial_renders.get_renders),
            mock.patch.object(Widget, "render_lines", counted),
        ):
            chops(compositor, crops[0])
        # The clock's cell: its own row of the title bar and of the screen beneath it, not
        # the board's 38 rows, its scroll bar and the footer.
        assert rendered == Counter({"TitleBar": 1, "BoardScreen": 1})


def update_cells(compositor: Compositor, dirty: list[Region]) -> dict[tuple[int, int], str]:
    """The text of every cell run the partial update of ``dirty`` writes."""
    compositor._dirty_regions.update(dirty)
    update = compositor.render_partial_update()
    assert update is not None
    cells = {}
    for y, x1, x2 in update.spans:
        for x, strip in update.chops[y].items():
            if strip is not None and x <= x2 and x + strip.cell_length > x1:
                cells[(y, x)] = strip.crop(max(x1 - x, 0), x2 + 1 - x).text
    return cells


async def test_cells_far_apart_render_only_their_own_rows() -> None:
    """The clock and an age on the board's 31st row tick in one frame: one crop holds
    both, yet the board renders one row, not the 30 between them."""
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        dirty = [Region(118, 0, 1, 1), Region(76, 30, 2, 1)]
        textuals = partial_renders._textual_partial_update
        with (
            mock.patch.object(Compositor, "render_partial_update", textuals),
            mock.patch.object(Compositor, "_get_renders", partial_renders._whole_frame),
        ):
            whole = update_cells(compositor, dirty)
        rendered: Counter[str] = Counter()
        original = Widget.render_lines

        def counted(widget: Widget, crop: Region) -> object:
            rendered[type(widget).__name__] += crop.height
            return original(widget, crop)

        with (
            mock.patch.object(Compositor, "_get_renders", partial_renders.get_renders),
            mock.patch.object(
                Compositor, "render_partial_update", partial_renders.render_partial_update
            ),
            mock.patch.object(Widget, "render_lines", counted),
        ):
            assert update_cells(compositor, dirty) == whole
        assert {y for y, _ in whole} == {0, 30}
        assert rendered == Counter({"TitleBar": 1, "ReleaseBoard": 1, "BoardScreen": 2})
