"""The SVG bar charts of the dashboards (chibo.reports.charts): heights proportional to the
values on a fixed or a data-driven scale, no bar for a missing value, a "no data" text instead
of a chart, no division by zero, escaped text, an image named for screen readers that scales to
the page's width."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from chibo.reports import charts
from chibo.reports.charts import Bar, bar_chart, layout

RECT = re.compile(
    r'<rect class="chart-bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/>'
)


def _heights(svg: str) -> list[float]:
    return [float(m[4]) for m in RECT.finditer(svg)]


def test_heights_are_proportional_to_the_values_on_a_fixed_scale() -> None:
    drawn = layout([Bar("a", 100), Bar("b", 50), Bar("c", 25), Bar("d", 0)], maximum=100)
    heights = [d.height for d in drawn]
    assert heights[0] == pytest.approx(charts.PLOT_HEIGHT)
    assert heights[1] == pytest.approx(charts.PLOT_HEIGHT / 2)
    assert heights[2] == pytest.approx(charts.PLOT_HEIGHT / 4)
    assert heights[3] == 0
    # Every bar stands on the same base line, left to right, with the same width.
    assert {round(d.y + d.height, 6) for d in drawn} == {charts.TOP + charts.PLOT_HEIGHT}
    assert [d.x for d in drawn] == sorted(d.x for d in drawn)
    assert len({round(d.width, 6) for d in drawn}) == 1
    assert drawn[-1].x + drawn[-1].width <= charts.WIDTH - charts.RIGHT


def test_the_svg_draws_what_the_layout_says() -> None:
    svg = bar_chart([Bar("01/25", 80), Bar("02/25", 40)], title="Tỷ lệ", maximum=100)
    heights = _heights(svg)
    assert len(heights) == 2
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2)
    assert heights[0] == pytest.approx(charts.PLOT_HEIGHT * 0.8, abs=0.1)


def test_without_a_maximum_the_scale_runs_to_the_largest_value() -> None:
    drawn = layout([Bar("a", 3), Bar("b", 6), Bar("c", 1.5)])
    assert drawn[1].height == pytest.approx(charts.PLOT_HEIGHT)
    assert drawn[0].height == pytest.approx(charts.PLOT_HEIGHT / 2)
    assert drawn[2].height == pytest.approx(charts.PLOT_HEIGHT / 4)
    # An odd largest count: the scale goes one higher so that its middle is a whole number.
    svg = bar_chart([Bar("a", 3), Bar("b", 1)], title="Cells")
    scale = re.findall(r'class="chart-scale"[^>]*>([^<]*)<', svg)
    assert scale == ["0", "2", "4"]


def test_values_beyond_the_scale_are_clamped() -> None:
    drawn = layout([Bar("a", 150), Bar("b", -5)], maximum=100)
    assert drawn[0].height == pytest.approx(charts.PLOT_HEIGHT)
    assert drawn[1].height == 0


@pytest.mark.parametrize("bars", [[], [Bar("01/25", None), Bar("02/25", None)]])
def test_no_data_says_so_instead_of_drawing(bars) -> None:
    with translation.override("en"):
        svg = bar_chart(bars, title="Attendance")
    assert "No data for this period." in svg
    assert "<rect" not in svg
    assert 'role="img"' in svg
    svg = bar_chart(bars, title="Attendance", empty="Nothing yet")
    assert "Nothing yet" in svg


def test_all_zero_counts_divide_by_nothing() -> None:
    drawn = layout([Bar("a", 0), Bar("b", 0)])
    assert [d.height for d in drawn] == [0, 0]
    svg = bar_chart([Bar("a", 0), Bar("b", 0)], title="Cells")
    assert _heights(svg) == [0, 0]
    assert "No data" not in svg  # zero is a value: the bars are drawn, flat


def test_a_missing_value_has_no_bar_but_keeps_its_place() -> None:
    svg = bar_chart(
        [Bar("01/25", 50), Bar("02/25", None), Bar("03/25", 100)], title="T", maximum=100
    )
    assert len(_heights(svg)) == 2
    assert "02/25" in svg  # its label stays
    assert ">—</text>" in svg  # and a dash says there is nothing to measure


def test_accessible_and_scalable() -> None:
    svg = bar_chart([Bar("01/25", 50)], title='Tỷ lệ "dự" <họp>', maximum=100)
    assert svg.startswith("<svg ")
    assert 'viewBox="0 0 320 180"' in svg
    assert 'width="100%"' in svg
    assert 'role="img"' in svg
    assert 'aria-label="Tỷ lệ &quot;dự&quot; &lt;họp&gt;"' in svg
    assert "<title>Tỷ lệ &quot;dự&quot; &lt;họp&gt;</title>" in svg
    assert "<họp>" not in svg
    assert "style=" not in svg  # the CSP allows no inline style: colours are in reports.css


def test_labels_are_escaped_and_thinned_out_when_there_are_many_bars() -> None:
    svg = bar_chart([Bar("<b>", 1)], title="T")
    assert "&lt;b&gt;" in svg
    assert "<b>" not in svg
    many = [Bar(f"{i:02d}", i) for i in range(36)]
    svg = bar_chart(many, title="T")
    labels = re.findall(r'class="chart-label"[^>]*>([^<]*)<', svg)
    assert len(labels) <= charts.MAX_LABELS
    assert labels[0] == "00"
    assert len(_heights(svg)) == 36
    assert "chart-value" not in svg  # no room for values above 36 bars: the table has them


def test_percent_values_are_localised() -> None:
    with translation.override("vi"):
        svg = bar_chart([Bar("a", 85.5)], title="T", maximum=100, value_text=charts.percent_text)
    assert ">86%</text>" in svg
    assert ">100%</text>" in svg
    with translation.override("vi"):
        assert charts.count_text(1234) == "1.234"
    with translation.override("en"):
        assert charts.count_text(1234) == "1,234"
