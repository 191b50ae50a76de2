"""Every release's panel in one widget drawn line by line (Textual's Line API).

A widget per release cost seconds to mount at 500 releases and a layout pass over all of
them for each change; here a panel is a run of lines in one scrolling view. Only the
panels on screen are built (``release_panel.panel``) and turned into strips, so 500
releases cost the same to scroll as 50; a new snapshot rebuilds only the panels whose
release changed, and only the lines whose text changed are refreshed. The selected
panel carries the marker in its left column and a lighter background.

Heights of panels never built are estimated (exact in compact mode) and corrected when
the panel is first drawn, keeping the view where it was.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from release_cockpit.ui.widgets.changed_cells import changed_cells
from release_cockpit.ui.widgets.release_panel import estimated_height, next_change, panel

if TYPE_CHECKING:
    from release_cockpit.domain import Release
    from release_cockpit.ui.context import UiContext

GUTTER = 1
"""The marker column at the left of each panel."""
PADDING = 1
"""Blank cells at the right of each panel."""


@dataclass(slots=True)
class _Panel:
    """One release's lines as last built, and the strips made of them."""

    release: Release
    lines: list[Content] | None = None
    width: int = -1
    compact: bool = False
    built_at: datetime | None = None
    valid_until: datetime | None = None
    dirty: bool = False
    """The release changed since ``lines`` were built (kept to diff against)."""
    strips: dict[tuple[int, bool], Strip] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join(line.plain for line in self.lines or [])


class ReleaseBoard(ScrollView, can_focus=True, inherit_bindings=False):
    """The board's releases, one panel each, a gap between them unless compact."""

    DEFAULT_CSS = """
    ReleaseBoard {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    ReleaseBoard > .release-board--selected {
        background: $boost;
    }
    ReleaseBoard > .release-board--marker {
        color: $accent;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"release-board--selected", "release-board--marker"}

    class Highlighted(Message):
        """The selection moved (by key, click or a new order)."""

    def __init__(self, ctx: UiContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ctx = ctx
        self._releases: list[Release] = []
        self._panels: dict[str, _Panel] = {}
        self._starts: list[int] = []
        self._heights: list[int] = []
        self._compact = False
        self._selected: str | None = None
        self._index: dict[str, int] = {}
        self._next_change: datetime | None = None

    # What it shows.

    @property
    def releases(self) -> list[Release]:
        return list(self._releases)

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self._releases]

    @property
    def compact(self) -> bool:
        return self._compact

    @property
    def selected(self) -> str | None:
        return self._selected

    @property
    def selected_index(self) -> int | None:
        return self._index.get(self._selected) if self._selected is not None else None

    def panel_text(self, key: str) -> str:
        """A panel's plain text at the board's width (built if it never was)."""
        index = self._index.get(key)
        if index is None:
            return ""
        entry = self._realize(index, self._ctx.now())
        return entry.text()

    def set_compact(self, compact: bool) -> None:
        if compact == self._compact:
            return
        self._compact = compact
        for entry in self._panels.values():
            entry.lines = None
        self._relayout(keep_selected=True)
        self.refresh()

    def show(self, releases: Sequence[Release], changed: frozenset[str] | None) -> None:
        """Show these releases in this order; ``changed`` names those whose content changed
        (None: all may have). Unchanged panels keep their lines and strips."""
        now = self._ctx.now()
        old_keys = self.keys
        panels: dict[str, _Panel] = {}
        dirty: list[int] = []
        for index, release in enumerate(releases):
            entry = self._panels.get(release.key)
            if entry is None:
                entry = _Panel(release)
            elif entry.release is not release:
                content = changed is None or release.key in changed
                entry.release = release
                if content:
                    entry.dirty = True
                    dirty.append(index)
            panels[release.key] = entry
        self._panels = panels
        self._releases = list(releases)
        self._index = {r.key: i for i, r in enumerate(self._releases)}
        if [r.key for r in self._releases] != old_keys:
            self._relayout(keep_selected=False)
            self.refresh()
            return
        self._repaint(dirty, now)

    def _repaint(self, indexes: list[int], now: datetime) -> None:
        """Rebuild the panels at ``indexes`` that are on screen and refresh the lines whose
        text changed; those off screen are built when they scroll into view."""
        visible = self._visible_indexes()
        relayout = False
        for index in indexes:
            if index not in visible:
                continue
            entry = self._panels[self._releases[index].key]
            before = entry.lines if entry.width == self._line_width else None
            self._build(entry, now)
            after = entry.lines or []
            if len(after) != self._heights[index]:
                relayout = True
                continue
            start = self._starts[index]
            old = before or []
            for offset, line in enumerate(after):
                if offset >= len(old):
                    self.refresh_line(start + offset)
                else:
                    self._refresh_cells(start + offset, changed_cells(line, old[offset]))
        if relayout:
            self._relayout(keep_selected=True)
            self.refresh()
        self._arm()

    def _refresh_cells(self, line: int, runs: list[tuple[int, int]]) -> None:
        """Refresh the runs of cells ``runs`` of panel line ``line`` (a virtual line),
        past the gutter: an age ticking over repaints its own few cells, not the line."""
        y = line - int(self.scroll_offset.y)
        if runs:
            self.refresh(*(Region(GUTTER + a, y, b - a, 1) for a, b in runs))

    # Selection.

    def select(self, key: str | None, *, scroll: bool = True) -> None:
        """Move the marker to release ``key`` (None: nothing selected) and bring it into
        view."""
        if key is not None and key not in self._index:
            key = None
        if key == self._selected:
            if scroll and key is not None:
                self._reveal(self._index[key])
            return
        old = self._selected
        self._selected = key
        for changed in (old, key):
            index = self._index.get(changed) if changed is not None else None
            if index is not None:
                self.refresh_lines(self._starts[index], self._heights[index])
        if scroll and key is not None:
            self._reveal(self._index[key])
        self.post_message(self.Highlighted())

    def move(self, step: int) -> None:
        if not self._releases:
            return
        index = self.selected_index
        target = 0 if index is None else max(0, min(len(self._releases) - 1, index + step))
        self.select(self._releases[target].key)

    def _reveal(self, index: int) -> None:
        entry = self._realize(index, self._ctx.now())
        height = max(len(entry.lines or []), 1)
        gap = 0 if self._compact else 1
        region = Region(0, self._starts[index], 1, height + gap)
        self.scroll_to_region(region, animate=False, immediate=True, force=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        line = offset.y + self.scroll_offset.y
        index = bisect_right(self._starts, line) - 1
        if 0 <= index < len(self._releases):
            self.select(self._releases[index].key, scroll=False)
            self.post_message(self.Clicked(self._releases[index].key))

    class Clicked(Message):
        """A panel was clicked (the board pins the selection then)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    # Time.

    def tick(self) -> None:
        """The clock moved on: rebuild the panels on screen whose ages or countdowns are due
        to read differently, and refresh only their changed lines."""
        now = self._ctx.now()
        if self._next_change is None or now < self._next_change:
            return
        due = [
            index
            for index in sorted(self._visible_indexes())
            if (entry := self._panels[self._releases[index].key]).valid_until is None
            or now >= entry.valid_until
        ]
        self._repaint(due, now)

    def _arm(self) -> None:
        """Note when the soonest panel on screen next reads differently (``tick`` does
        nothing before then)."""
        moments = [
            entry.valid_until
            for index in self._visible_indexes()
            if (entry := self._panels[self._releases[index].key]).valid_until is not None
        ]
        self._next_change = min(moments, default=None)

    # Layout.

    @property
    def _line_width(self) -> int:
        return max(self.scrollable_content_region.width - GUTTER - PADDING, 0)

    def _build(self, entry: _Panel, now: datetime) -> None:
        width = self._line_width
        lines = panel(entry.release, now, self._ctx.glyphs, width, compact=self._compact)
        if entry.lines is not None and len(entry.lines) == len(lines):
            for offset, line in enumerate(lines):
                if not line.is_same(entry.lines[offset]):
                    entry.strips.pop((offset, True), None)
                    entry.strips.pop((offset, False), None)
        else:
            entry.strips.clear()
        entry.lines, entry.dirty = lines, False
        entry.width, entry.compact, entry.built_at = width, self._compact, now
        entry.valid_until = next_change(entry.release, now)

    def _realize(self, index: int, now: datetime) -> _Panel:
        """The panel at ``index`` built for the current width (its height corrected)."""
        entry = self._panels[self._releases[index].key]
        stale = entry.valid_until is not None and now >= entry.valid_until
        if entry.lines is None or entry.dirty or entry.width != self._line_width or stale:
            self._build(entry, now)
            if self._heights and len(entry.lines or []) != self._heights[index]:
                self._set_height(index, len(entry.lines or []))
        return entry

    def _set_height(self, index: int, height: int) -> None:
        """Correct one panel's height; panels above the view move the view along so what
        is on screen stays put."""
        delta = height - self._heights[index]
        self._heights[index] = height
        for after in range(index + 1, len(self._starts)):
            self._starts[after] += delta
        if self._starts[index] < self.scroll_offset.y:
            self.set_scroll(None, self.scroll_offset.y + delta)
        self._update_virtual_size()

    def _relayout(self, *, keep_selected: bool) -> None:
        """Heights and starts of every panel: built ones as built, others estimated."""
        width = self._line_width
        gap = 0 if self._compact else 1
        starts, heights, y = [], [], 0
        for release in self._releases:
            entry = self._panels[release.key]
            if entry.lines is not None and entry.width == width:
                height = len(entry.lines)  # as last built (a changed one is checked on view)
            else:
                height = estimated_height(release, compact=self._compact)
            starts.append(y)
            heights.append(height)
            y += height + gap
        self._starts, self._heights = starts, heights
        self._update_virtual_size()
        if keep_selected and self._selected in self._index:
            self._reveal(self._index[self._selected])

    def _update_virtual_size(self) -> None:
        gap = 0 if self._compact else 1
        total = sum(self._heights) + gap * len(self._heights)
        size = Size(self.scrollable_content_region.width, total)
        if size != self.virtual_size:
            self.virtual_size = size

    def _visible_indexes(self) -> set[int]:
        if not self._releases:
            return set()
        top = int(self.scroll_offset.y)
        bottom = top + max(self.scrollable_content_region.height, 1)
        first = max(bisect_right(self._starts, top) - 1, 0)
        last = bisect_right(self._starts, bottom - 1)
        return set(range(first, min(last, len(self._releases))))

    def on_resize(self, _event: events.Resize) -> None:
        self._relayout(keep_selected=True)
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Build what is about to be drawn first, so heights are right before any line of
        # this frame is placed (a panel's estimate may be off by a line or two).
        now = self._ctx.now()
        for _ in range(3):  # a corrected height can bring another panel into view
            heights = list(self._heights)
            for index in sorted(self._visible_indexes()):
                self._realize(index, now)
            if heights == self._heights:
                break
        self._arm()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = y + int(self.scroll_offset.y)
        index = bisect_right(self._starts, line) - 1
        base = self.get_visual_style()
        if not (0 <= index < len(self._releases)) or line < 0:
            return Strip.blank(width, base.rich_style)
        entry = self._panels[self._releases[index].key]
        offset = line - self._starts[index]
        lines = entry.lines or []
        if offset >= len(lines):
            return Strip.blank(width, base.rich_style)
        selected = entry.release.key == self._selected
        strip = entry.strips.get((offset, selected))
        if strip is None or strip.cell_length != width:
            strip = self._strip(lines[offset], selected, width)
            entry.strips[(offset, selected)] = strip
        return strip

    def _strip(self, line: Content, selected: bool, width: int) -> Strip:
        style = self.get_visual_style(*(["release-board--selected"] if selected else []))
        inner = max(width - GUTTER, 0)
        strips = Visual.to_strips(self, line, inner - PADDING, 1, style, pad=True)
        body = strips[0] if strips else Strip.blank(inner - PADDING, style.rich_style)
        rich = style.rich_style
        if selected:
            marker_style = self.get_visual_style("release-board--selected", "release-board--marker")
            glyph = "|" if self._ctx.glyphs.is_ascii else "▌"
            gutter = Strip([Segment(glyph, marker_style.rich_style)], GUTTER)
        else:
            gutter = Strip.blank(GUTTER, rich)
        pad = Strip.blank(PADDING, rich)
        return Strip.join([gutter, body, pad]).crop_extend(0, width, rich)
