"""Charts of the dashboards, drawn on the server as SVG (issue 6 "Charts"): the monthly
trend of attendance and of regular meetings held on the fixed day, and the cells by quality.

No chart library and no JavaScript: a bar chart is a few rectangles in a ``viewBox`` that
scales to the width of the page, so it reads the same on a 360 px phone and on a desk. Each
chart is an image for screen readers (``role="img"``, named by its title); the page shows the
same numbers in a table right below it (WCAG 1.1.1), so nothing is only in the picture.
Colours come from ``reports.css`` (classes, not inline styles: the CSP allows no inline style).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chibo.reports.indicators import QUALITY_BUCKETS, MonthPoint, Period

WIDTH = 320
HEIGHT = 180
TOP = 16  # room for the value above the tallest bar
BOTTOM = 22  # room for the labels under the bars
LEFT = 34  # room for the scale
RIGHT = 4
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
PLOT_WIDTH = WIDTH - LEFT - RIGHT
MAX_LABELS = 8  # up to that many bars each is labelled (and its value shown); above, one in a few
BAR_SHARE = 0.7  # of the room each bar has


@dataclass(frozen=True)
class Bar:
    """One bar: its label under it and its value (``None``: nothing to measure, no bar)."""

    label: str
    value: float | None


@dataclass(frozen=True)
class Drawn:
    """Where a bar is drawn (in ``viewBox`` units), for the SVG and for the tests."""

    bar: Bar
    x: float
    y: float
    width: float
    height: float


def _number(value: float, decimals: int = 0) -> str:
    return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


def percent_text(value: float) -> str:
    """``85.5`` → "86%": short enough to stand above a bar (the table gives the decimals)."""
    return f"{_number(value)}%"


def count_text(value: float) -> str:
    return _number(value)


def _scale_top(bars: Sequence[Bar], maximum: float | None) -> float:
    """The value at the top of the plot: ``maximum`` if given, else the largest value rounded
    up to a whole number, even above 1 so that the middle of the scale is one too (at least
    1, so that all-zero data divides by something)."""
    if maximum is not None and maximum > 0:
        return maximum
    largest = max((b.value for b in bars if b.value is not None), default=0.0)
    top = max(1, math.ceil(largest))
    return float(top + 1 if top > 1 and top % 2 else top)


def layout(bars: Sequence[Bar], maximum: float | None = None) -> list[Drawn]:
    """The rectangles of ``bars``: heights proportional to the values (clamped to the plot),
    equal widths, in order from left to right. A bar without a value has no height."""
    if not bars:
        return []
    top = _scale_top(bars, maximum)
    slot = PLOT_WIDTH / len(bars)
    width = slot * BAR_SHARE
    drawn = []
    for i, bar in enumerate(bars):
        value = 0.0 if bar.value is None else min(max(bar.value, 0.0), top)
        height = PLOT_HEIGHT * value / top
        x = LEFT + i * slot + (slot - width) / 2
        drawn.append(Drawn(bar, x, TOP + PLOT_HEIGHT - height, width, height))
    return drawn


def _f(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    maximum: float | None = None,
    value_text: Callable[[float], str] = count_text,
    empty: str = "",
) -> SafeString:
    """An SVG bar chart of ``bars`` named ``title``. With ``maximum`` (e.g. 100 for percents)
    the scale is fixed; otherwise it runs to the largest value. When no bar has a value, the
    chart says ``empty`` ("No data for this period." by default) instead of drawing."""
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" focusable="false" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    if all(b.value is None for b in bars):
        text = empty or _("No data for this period.")
        parts.append(
            f'<text class="chart-empty" x="{WIDTH / 2:g}" y="{HEIGHT / 2:g}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

    top = _scale_top(bars, maximum)
    base = TOP + PLOT_HEIGHT
    # The scale: the bottom, the middle (when it is a round value) and the top of the plot.
    shares = (0.0, 0.5, 1.0) if maximum is not None or top % 2 == 0 else (0.0, 1.0)
    for share in shares:
        y = base - PLOT_HEIGHT * share
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_f(y)}" y2="{_f(y)}"/>'
        )
        parts.append(
            f'<text class="chart-scale" x="{LEFT - 4}" y="{_f(y + 4)}" text-anchor="end">'
            f"{escape(value_text(top * share))}</text>"
        )
    drawn = layout(bars, maximum)
    every = max(1, math.ceil(len(bars) / MAX_LABELS))
    show_values = len(bars) <= MAX_LABELS
    for i, d in enumerate(drawn):
        middle = d.x + d.width / 2
        if d.bar.value is not None:
            parts.append(
                f'<rect class="chart-bar" x="{_f(d.x)}" y="{_f(d.y)}" '
                f'width="{_f(d.width)}" height="{_f(d.height)}"/>'
            )
        if show_values:
            shown = "—" if d.bar.value is None else value_text(d.bar.value)
            parts.append(
                f'<text class="chart-value" x="{_f(middle)}" y="{_f(d.y - 3)}" '
                f'text-anchor="middle">{escape(shown)}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text class="chart-label" x="{_f(middle)}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(d.bar.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def percent(rate: float | None) -> float | None:
    """A rate (0..1) as a percentage, or None when there was nothing to measure."""
    return None if rate is None else rate * 100


# --- Charts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString
    # The same numbers as a table: its column headings and one row per bar.
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[int | None], float | None]]  # label, counts, percent


QUALITY_LABELS = {
    "none": gettext_lazy("No meeting held"),
    "0": "0%",
    "1-49": "1–49%",
    "50-79": "50–79%",
    "80-99": "80–99%",
    "100": "100%",
}


def trend_charts(points: list[MonthPoint], period: Period) -> list[Chart]:
    by_month = {p.month: p for p in points}
    months = [m for m in period.months if m <= period.reported_last()]
    attendance_rows, fixed_rows = [], []
    attendance_bars, fixed_bars = [], []
    for month in months:
        label = f"{month:%m/%Y}"
        short = f"{month:%m/%y}"
        point = by_month.get(month)
        attendance = percent(point.attendance_rate) if point else None
        fixed = percent(point.on_fixed_day_rate) if point else None
        attendance_bars.append(Bar(short, attendance))
        fixed_bars.append(Bar(short, fixed))
        attendance_rows.append(
            (
                label,
                (point.attendance_attended, point.attendance_required) if point else (None, None),
                attendance,
            )
        )
        fixed_rows.append(
            (
                label,
                (point.regular_on_fixed_day, point.cell_months) if point else (None, None),
                fixed,
            )
        )
    attendance_title = _("Attendance rate by month")
    fixed_title = _("Regular meetings held on the fixed day, by month")
    return [
        Chart(
            "attendance",
            attendance_title,
            bar_chart(
                attendance_bars,
                title=attendance_title,
                maximum=100,
                value_text=percent_text,
            ),
            [_("Month"), _("Attended"), _("Required to attend"), _("Rate")],
            attendance_rows,
        ),
        Chart(
            "fixed-day",
            fixed_title,
            bar_chart(fixed_bars, title=fixed_title, maximum=100, value_text=percent_text),
            [_("Month"), _("On the fixed day"), _("Due"), _("Rate")],
            fixed_rows,
        ),
    ]


def quality_chart(bands: dict[str, int]) -> Chart:
    title = _("Cells by share of their meetings meeting every quality criterion")
    total = sum(bands.values())
    # Under the bars, "none" is a dash (the table below says "No meeting held").
    bars = [
        Bar("—" if b == "none" else str(QUALITY_LABELS[b]), bands[b] if total else None)
        for b in QUALITY_BUCKETS
    ]
    rows = [
        (str(QUALITY_LABELS[b]), (bands[b],), percent(bands[b] / total) if total else None)
        for b in QUALITY_BUCKETS
    ]
    return Chart(
        "quality",
        title,
        bar_chart(bars, title=title),
        [_("Share of meetings"), _("Cells"), _("Share of cells")],
        rows,
    )
