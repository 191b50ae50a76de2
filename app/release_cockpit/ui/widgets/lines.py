"""A widget that shows lines built for its exact width and repaints only the lines that change.

Each ``Lines`` holds a builder, a pure function from a width in cells to the lines to
show. The once-a-second tick calls ``recheck``: the lines are rebuilt and compared with
what is on screen, and only the cells that changed are marked dirty, so Textual
sends just those to the terminal. That keeps an idle cockpit from redrawing the
whole board over a slow SSH link.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.geometry import Region, Size
from textual.widget import Widget

from release_cockpit.ui.widgets.changed_cells import changed_cells

LineBuilder = Callable[[int], list[Content]]


def _no_lines(width: int) -> list[Content]:
    return []


def _same(left: list[Content], right: list[Content]) -> bool:
    return len(left) == len(right) and all(a.is_same(b) for a, b in zip(left, right, strict=True))


class Lines(Widget):
    """Lines laid out by a builder; the height follows the number of lines built."""

    DEFAULT_CSS = """
    Lines {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(
        self,
        build: LineBuilder = _no_lines,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._build = build
        self._shown: list[Content] = []
        # Lines built by ``recheck`` for the coming repaint, so the repaint shows exactly
        # what was compared even if the clock moved on in between.
        self._pending: tuple[int, list[Content]] | None = None
        self._shown_width = -1  # the width ``_shown`` was built for

    @property
    def text(self) -> str:
        """The plain text at the current width, whether or not it is scrolled into view."""
        width = self.content_size.width or self.app.size.width
        return "\n".join(line.plain for line in self._build(width))

    def set_builder(self, build: LineBuilder) -> None:
        """Show new lines (e.g. from a new snapshot); repaints only if the text changed."""
        self._build = build
        self.recheck()

    def recheck(self) -> None:
        """Rebuild at the current width and repaint only when something changed."""
        if not self.is_mounted:
            return
        width = self.content_size.width
        if width <= 0:
            # Not laid out yet (or hidden): the first render builds the lines anyway, and
            # the next height asked for is built afresh rather than taken from the cache.
            self._shown_width = -1
            return
        lines = self._build(width)
        if _same(lines, self._shown):
            return
        old, self._shown = self._shown, lines
        self._shown_width = width
        self._pending = (width, lines)
        if len(lines) != len(old):
            self.refresh(layout=True)
            return
        changed = []
        for y, (new, shown) in enumerate(zip(lines, old, strict=True)):
            changed += [Region(a, y, b - a, 1) for a, b in changed_cells(new, shown)]
        self.refresh(*changed)

    def render(self) -> Content:
        width = self.content_size.width
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == width:
            self._shown = pending[1]
        else:
            self._shown = self._build(width)
        self._shown_width = width
        return Content("\n").join(self._shown)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # A layout pass asks every widget for its height; on a board of hundreds of panels
        # rebuilding each one's lines here made one panel's change cost a second. The
        # lines last built for this width are current: every change goes through
        # ``recheck``, which rebuilds them.
        if width == self._shown_width:
            return len(self._shown)
        lines = self._build(width)
        self._shown, self._shown_width = lines, width
        self._pending = (width, lines)
        return len(lines)
