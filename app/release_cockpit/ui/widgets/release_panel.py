"""One release on the board: headline, stages, deploy, signals, alerts, reason, freshness.

In compact mode (small terminals) only the headline, the stage strip and one line of
the verdict reason remain, so every release fits on an 80x24 screen. The panel is a
single widget: fewer DOM nodes keep focus moves and start-up cheap, and the per-row
diff in ``Lines`` still repaints only the rows whose ages or countdowns moved.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from release_cockpit.domain import Release
from release_cockpit.ui.context import UiContext
from release_cockpit.ui.widgets import panel_lines
from release_cockpit.ui.widgets.lines import Lines


class ReleasePanel(Lines, can_focus=True):
    """A focusable summary of one release; the board moves focus between panels."""

    DEFAULT_CSS = """
    ReleasePanel {
        padding: 0 1 0 0;
        margin-bottom: 1;
        border-left: blank;
    }
    ReleasePanel:focus {
        border-left: outer $accent;
        background: $boost;
    }
    ReleasePanel.-ascii:focus {
        border-left: ascii $accent;
    }
    ReleasePanel.-compact {
        margin-bottom: 0;
    }
    """

    def __init__(self, release: Release, ctx: UiContext, *, compact: bool = False) -> None:
        super().__init__(self._lines, classes="-ascii" if ctx.glyphs.is_ascii else None)
        self.release = release
        self._ctx = ctx
        self._compact = compact
        self.set_class(compact, "-compact")

    @property
    def key(self) -> str:
        return self.release.key

    def show(self, release: Release) -> None:
        """Show a newer version of the same release; only changed rows repaint.

        A panel scrolled out of view is not rebuilt unless its height may have changed
        (it is rendered afresh when it comes back into view): on a board of hundreds of
        releases, rebuilding every panel for every snapshot was most of the CPU.
        """
        shape = _shape(release, self._compact)
        changed_shape = shape != _shape(self.release, self._compact)
        self.release = release
        if changed_shape or self._on_screen():
            self.recheck()
        else:
            # Off screen with the same height: mark it for repaint without building its
            # lines now; they are built when it scrolls into view (the cached height
            # stays right).
            self._pending = None
            self.refresh()

    def _on_screen(self) -> bool:
        parent = self.parent
        return not isinstance(parent, Widget) or parent.can_view_partial(self)

    def set_compact(self, compact: bool) -> None:
        if compact == self._compact:
            return
        self._compact = compact
        self.set_class(compact, "-compact")
        self.recheck()

    def tick(self) -> None:
        """Ages and countdowns moved on: rebuild and repaint the rows that show them.

        Only while the panel is on screen: with hundreds of releases, rebuilding every
        panel every second was most of the idle CPU. A panel scrolled back into view is
        rendered afresh anyway.
        """
        if self._on_screen():
            self.recheck()

    def _lines(self, width: int) -> list[Content]:
        release, glyphs, now = self.release, self._ctx.glyphs, self._ctx.now()
        lines = [
            panel_lines.headline(release, now, glyphs, width),
            panel_lines.stages_line(release, now, glyphs, width),
        ]
        action = panel_lines.action_line(release, now, glyphs, width)
        if self._compact:
            # Small screens keep the action's state (it is what someone is waiting for).
            action = action if release.action is not None else []
            return [*lines, *action, *panel_lines.reason_lines(release, glyphs, width, 1)]
        return [
            *lines,
            *action,
            *panel_lines.deploy_line(release, now, glyphs, width),
            *panel_lines.flag_line(release, glyphs, width),
            *panel_lines.signal_lines(release, glyphs, width),
            *panel_lines.alert_lines(release, glyphs, width),
            *panel_lines.reason_lines(release, glyphs, width, 2),
            *panel_lines.freshness_line(release.sources, now, glyphs, width),
        ]


def _shape(release: Release, compact: bool) -> tuple[object, ...]:
    """What decides how many lines the panel has (roughly: the reason's wrapping is
    approximated by its length; a miss corrects itself at the next tick on screen)."""
    return (
        compact,
        release.action is not None,
        release.checklist is not None and not release.checklist.complete,
        tuple(stage.state for stage in release.stages[-2:]),
        len(release.signals),
        bool(release.flags),
        min(len(release.alerts), 4),
        len(release.headline) // 60,
        bool(release.sources),
    )
