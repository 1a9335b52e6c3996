"""Response shapes of the reports API (``chibo/api/reports_api.py``).

``FiguresOut`` has every count of ``chibo.reports.indicators.Figures`` and its rates; a rate is
a share (0 to 1, more only if a cell held more than one regular meeting in a
month), or null when there is nothing to divide by (no meeting due, nobody
required to attend…). Stocks (members, overdue items and deadlines, members to review) are
those of the period's last month, or of the current month while the period is not over.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from chibo.reports.indicators import FIGURE_FIELDS, Figures, Period

RATES = (
    "held_rate",
    "on_fixed_day_rate",
    "every_held_rate",
    "every_on_fixed_day_rate",
    "thematic_rate",
    "attendance_rate",
    "quality_rate",
    "locked_on_time_rate",
    "items_done_rate",
)


class UnitRefOut(Schema):
    id: int
    code: str
    name: str


class PeriodOut(Schema):
    start: str = Field(alias="from", description="The first month, YYYY-MM.")
    end: str = Field(alias="to", description="The last month, YYYY-MM.")
    months: int = Field(description="How many months the period has.")


class FiguresOut(Schema):
    cells: int = Field(description="Cells with rows in the period.")
    cell_months: int = Field(
        description=(
            "Regular meetings due: one per cell and month; in the current month only once the "
            "meeting is held or its fixed date has passed."
        )
    )
    cells_every_held: int = Field(description="Cells that held every regular meeting due.")
    cells_every_on_fixed_day: int = Field(description="… every one of them on the fixed day.")
    thematic_quarters_due: int = Field(description="Cell-quarters of the period.")
    thematic_quarters_held: int = Field(description="… with a thematic meeting held.")
    regular_held: int
    regular_on_fixed_day: int
    thematic_held: int
    meetings_held: int
    meetings_quality: int = Field(description="Meetings meeting every quality criterion.")
    minutes_locked: int
    minutes_locked_on_time: int
    attendance_required: int
    attendance_attended: int
    absent_excused: int
    absent_unexcused: int
    items_due: int
    items_done: int
    items_done_on_time: int
    members_official: int
    members_probationary: int
    members_exempt: int
    members_away: int
    items_overdue: int
    removal_review: int
    probation_overdue: int
    transfers_overdue: int
    members: int = Field(description="Official and probationary members.")
    held_rate: float | None = Field(description="regular_held / cell_months.")
    on_fixed_day_rate: float | None = Field(description="regular_on_fixed_day / cell_months.")
    every_held_rate: float | None = Field(description="cells_every_held / cells.")
    every_on_fixed_day_rate: float | None = Field(description="cells_every_on_fixed_day / cells.")
    thematic_rate: float | None = Field(
        description="thematic_quarters_held / thematic_quarters_due."
    )
    attendance_rate: float | None = Field(description="attendance_attended / attendance_required.")
    quality_rate: float | None = Field(description="meetings_quality / meetings_held.")
    locked_on_time_rate: float | None = Field(description="minutes_locked_on_time / meetings_held.")
    items_done_rate: float | None = Field(description="items_done / items_due.")


class ChildOut(FiguresOut):
    id: int
    code: str
    name: str


class IndicatorsOut(Schema):
    unit: UnitRefOut
    period: PeriodOut
    total: FiguresOut = Field(description="The unit's figures over the period.")
    children: list[ChildOut] = Field(
        description="The same for each child unit with cells, in Vietnamese name order "
        "(empty for a cell)."
    )


def figures_data(figures: Figures) -> dict[str, Any]:
    """``figures`` as the fields of ``FiguresOut``."""
    data: dict[str, Any] = {name: getattr(figures, name) for name in FIGURE_FIELDS}
    data["members"] = figures.members
    data.update({name: getattr(figures, name) for name in RATES})
    return data


def period_data(period: Period) -> dict[str, Any]:
    return {
        "from": f"{period.first:%Y-%m}",
        "to": f"{period.last:%Y-%m}",
        "months": len(period.months),
    }
