"""Four live charts drawn three ways, for ``benchmarks/charts.py`` to measure.

Usage::

    python -m benchmarks.chart_apps own|plotext|plot

``own`` is the cockpit's drawing (``domain.charts`` rows in a ``Lines`` widget);
``plotext`` is textual-plotext (https://github.com/Textualize/textual-plotext); ``plot`` is
textual-plot (https://github.com/davidfokkema/textual-plot). Each shows the same four
series of 120 points (a 5xx ratio with its warn and fail lines) and appends a point to
one of them every second, like a signal being measured.
"""

from __future__ import annotations

import math
import sys

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label

TITLE = "charts-ready"
POINTS = 120
CHARTS = 4


def series(index: int, offset: int) -> list[float]:
    return [
        0.02 + 0.015 * math.sin((i + offset) / (5 + index)) + 0.01 * ((i * 7 + index) % 5) / 5
        for i in range(POINTS)
    ]


class ChartsApp(App[None]):
    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.tick_count = 0
        self.charts: list[object] = []

    def compose(self) -> ComposeResult:
        yield Label(TITLE)
        with Vertical():
            for index in range(CHARTS):
                chart = self._make(index)
                self.charts.append(chart)
                yield chart  # type: ignore[misc]

    def _make(self, index: int) -> object:
        if self.how == "plotext":
            from textual_plotext import PlotextPlot

            plotext = PlotextPlot()
            plotext.styles.height = 8
            return plotext
        if self.how == "plot":
            from textual_plot import PlotWidget

            plot = PlotWidget()
            plot.styles.height = 8
            return plot
        from release_cockpit.ui.widgets.lines import Lines

        def build(width: int) -> list[Content]:
            return own_lines(index, self.tick_count, width)

        return Lines(build)

    def on_mount(self) -> None:
        self.draw_all()
        self.set_interval(1.0, self.step)

    def step(self) -> None:
        self.tick_count += 1
        self.draw(self.tick_count % CHARTS)

    def draw_all(self) -> None:
        for index in range(CHARTS):
            self.draw(index)

    def draw(self, index: int) -> None:
        chart = self.charts[index]
        values = series(index, self.tick_count)
        if self.how == "plotext":
            plt = chart.plt  # type: ignore[attr-defined]
            plt.clear_data()
            plt.plot(values)
            plt.hline(0.04)
            plt.hline(0.05)
            chart.refresh()  # type: ignore[attr-defined]
        elif self.how == "plot":
            import numpy as np

            chart.clear()  # type: ignore[attr-defined]
            xs = np.arange(len(values))
            chart.plot(xs, np.array(values))  # type: ignore[attr-defined]
            chart.plot(xs, np.full(len(values), 0.05))  # type: ignore[attr-defined]
        else:
            chart.recheck()  # type: ignore[attr-defined]


def own_lines(index: int, offset: int, width: int) -> list[Content]:
    from release_cockpit.domain.charts import Level, bucket, columns

    values = series(index, offset)
    points = [(float(i), v) for i, v in enumerate(values)]
    cols = bucket(points, 0, POINTS - 1, max(10, width - 14))
    rows = columns(
        cols,
        6,
        top=0.06,
        label=lambda v: f"{v:.0%}",
        levels=(Level(0.04, "warn", "warn"), Level(0.05, "fail", "fail")),
        role_of=lambda v: "fail" if v > 0.05 else "warn" if v > 0.04 else "bar",
    )
    styles = {"fail": "red", "warn": "yellow", "bar": "green", "axis": "dim"}
    return [
        Content.assemble(*(Content.styled(s.text, styles.get(s.role, "")) for s in row))
        for row in rows
    ]


if __name__ == "__main__":
    ChartsApp(sys.argv[1] if len(sys.argv) > 1 else "own").run()
