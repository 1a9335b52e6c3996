"""The indicators of a unit over a period, read from the rollup (decision 0013).

Every function here is one SQL query over ``reports_cellmonth`` filtered by the unit's path
prefix and the period's months: no attendance, meeting or member row is read, so the cost
grows with cells × months, not with the members or their roll calls (DESIGN.md "Reports at
national scale"). The SQL is written by hand (it is what the benchmarks compare against):
it groups twice, first by cell (to know which cells held *every* meeting), then by child
unit, and it is the same on SQLite and PostgreSQL.

Rates are ``None`` when there is nothing to divide by. Stocks (members, overdue items,
members to review, deadlines) are those of the period's last month, or of the current month
while the period is not over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.scoping import AFTER_PATH_CHARS
from chibo.orgunits.models import OrgUnit
from chibo.reports.models import FLOW_FIELDS, STOCK_FIELDS, CellMonth, Indicator
from chibo.reports.rollup import first_of, months, next_month

STEP = 4  # treebeard's path step: a child's path is its parent's plus 4 characters
MAX_MONTHS = 36
MIN_YEAR, MAX_YEAR = 1930, 2100  # the party's founding; far enough ahead for any target


class PeriodError(ValueError):
    """A period that cannot be read: the message says why, for the user."""


@dataclass(frozen=True)
class Period:
    """Whole months from ``first`` to ``last`` (first days), at most ``MAX_MONTHS``."""

    first: dt.date
    last: dt.date

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """From ``YYYY-MM`` strings, with a message for the user when they are wrong."""
        first, last = _month(start, _("start")), _month(end, _("end"))
        if last < first:
            raise PeriodError(_("The end of the period is before its start."))
        if len(months(first, last)) > MAX_MONTHS:
            raise PeriodError(
                _("A period is at most %(n)s months; choose a shorter one.") % {"n": MAX_MONTHS}
            )
        return cls(first, last)

    @classmethod
    def month(cls, day: dt.date) -> Period:
        return cls(first_of(day), first_of(day))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls(first, dt.date(year, 3 * quarter, 1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 1))

    @property
    def months(self) -> list[dt.date]:
        return months(self.first, self.last)

    def reported_last(self, today: dt.date | None = None) -> dt.date:
        """The last month with data: the period's last, or the current month if earlier."""
        return min(self.last, first_of(today or timezone.localdate()))

    def quarters(self) -> list[tuple[dt.date, dt.date]]:
        """``(first day, first day after)`` of each calendar quarter the period touches."""
        found: list[tuple[dt.date, dt.date]] = []
        for month in self.months:
            start = dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
            if not found or found[-1][0] != start:
                end = next_month(next_month(next_month(start)))
                found.append((start, end))
        return found

    @property
    def key(self) -> str:
        return f"{self.first:%Y-%m}_{self.last:%Y-%m}"


def _month(value: str, which: str) -> dt.date:
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(year)
        return dt.date(year, month, 1)
    except (ValueError, AttributeError):
        raise PeriodError(
            _("The %(which)s of the period must be a month written YYYY-MM, e.g. 2026-03.")
            % {"which": which}
        ) from None


@dataclass
class Figures:
    """The indicators of a group of cells over a period (a unit, or one child unit)."""

    cells: int = 0
    cell_months: int = 0  # regular meetings due: one per cell and month (``regular_due``)
    cells_every_held: int = 0  # cells that held every regular meeting due in the period
    cells_every_on_fixed_day: int = 0  # … every one of them on the fixed day
    thematic_quarters_due: int = 0  # cell-quarters of the period
    thematic_quarters_held: int = 0  # … with at least one thematic meeting held
    regular_held: int = 0
    regular_on_fixed_day: int = 0
    thematic_held: int = 0
    meetings_held: int = 0
    meetings_quality: int = 0
    minutes_locked: int = 0
    minutes_locked_on_time: int = 0
    attendance_required: int = 0
    attendance_attended: int = 0
    absent_excused: int = 0
    absent_unexcused: int = 0
    items_due: int = 0
    items_done: int = 0
    items_done_on_time: int = 0
    members_official: int = 0
    members_probationary: int = 0
    members_exempt: int = 0
    members_away: int = 0
    items_overdue: int = 0
    removal_review: int = 0
    probation_overdue: int = 0
    transfers_overdue: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def members(self) -> int:
        return self.members_official + self.members_probationary

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def held_rate(self) -> float | None:
        return self._rate(self.regular_held, self.cell_months)

    @property
    def on_fixed_day_rate(self) -> float | None:
        return self._rate(self.regular_on_fixed_day, self.cell_months)

    @property
    def every_held_rate(self) -> float | None:
        return self._rate(self.cells_every_held, self.cells)

    @property
    def every_on_fixed_day_rate(self) -> float | None:
        return self._rate(self.cells_every_on_fixed_day, self.cells)

    @property
    def thematic_rate(self) -> float | None:
        return self._rate(self.thematic_quarters_held, self.thematic_quarters_due)

    @property
    def attendance_rate(self) -> float | None:
        return self._rate(self.attendance_attended, self.attendance_required)

    @property
    def quality_rate(self) -> float | None:
        return self._rate(self.meetings_quality, self.meetings_held)

    @property
    def locked_on_time_rate(self) -> float | None:
        return self._rate(self.minutes_locked_on_time, self.meetings_held)

    @property
    def items_done_rate(self) -> float | None:
        return self._rate(self.items_done, self.items_due)

    def rate_of(self, indicator: str) -> float | None:
        """The rate a target on ``indicator`` (``Indicator``) is measured by."""
        rates: dict[str, float | None] = {
            Indicator.HELD: self.every_held_rate,
            Indicator.ON_FIXED_DAY: self.every_on_fixed_day_rate,
            Indicator.ATTENDANCE: self.attendance_rate,
            Indicator.QUALITY: self.quality_rate,
            Indicator.LOCKED_ON_TIME: self.locked_on_time_rate,
            Indicator.ITEMS_DONE: self.items_done_rate,
            Indicator.THEMATIC: self.thematic_rate,
        }
        return rates[indicator]


FIGURE_FIELDS = tuple(f.name for f in fields(Figures))


@dataclass
class Breakdown:
    """A unit's figures over a period, and the same for each of its child units (those that
    have cells with rows), keyed by the child's path."""

    unit: OrgUnit
    period: Period
    total: Figures
    children: dict[str, Figures] = field(default_factory=dict)


# ``regular_due`` is read as ``cell_months``: the regular meetings due in the period.
_FLOWS = tuple(name for name in FLOW_FIELDS if name != "regular_due")


def _per_cell_sql(period: Period, today: dt.date) -> tuple[str, list[Any]]:
    """The inner query: one row per cell of the prefix, with its sums over the period."""
    last = period.reported_last(today)
    flows = ", ".join(f"SUM({name}) AS {name}" for name in _FLOWS)
    stocks = ", ".join(
        f"SUM(CASE WHEN month = %s THEN {name} ELSE 0 END) AS {name}" for name in STOCK_FIELDS
    )
    params: list[Any] = [last] * len(STOCK_FIELDS)
    quarters = period.quarters()
    due = " + ".join(
        "MAX(CASE WHEN month >= %s AND month < %s THEN 1 ELSE 0 END)" for _q in quarters
    )
    held = " + ".join(
        "MAX(CASE WHEN month >= %s AND month < %s AND thematic_held > 0 THEN 1 ELSE 0 END)"
        for _q in quarters
    )
    for start, end in quarters:
        params += [start, end]
    for start, end in quarters:
        params += [start, end]
    sql = (
        "SELECT path, SUM(regular_due) AS cell_months, "  # noqa: S608 - ours; values are parameters
        f"{flows}, {stocks}, ({due}) AS thematic_quarters_due, "
        f"({held}) AS thematic_quarters_held "
        "FROM reports_cellmonth WHERE path >= %s AND path < %s AND month >= %s AND month <= %s "
        "GROUP BY cell_id, path"
    )
    return sql, params


def _prefix_range(path: str) -> list[str]:
    # A subtree is a range of paths (see chibo.core.scoping): the index on (path, month)
    # serves it on both databases, where a LIKE would not on SQLite.
    return [path, path + AFTER_PATH_CHARS]


def _cursor() -> Any:
    """A cursor on the database reports read from (a replica, when one is set up)."""
    return connections[router.db_for_read(CellMonth)].cursor()


_OUTER_SUMS = ", ".join(
    f"SUM({name}) AS {name}"
    for name in (
        "cell_months",
        "thematic_quarters_due",
        "thematic_quarters_held",
        *_FLOWS,
        *STOCK_FIELDS,
    )
)


def breakdown(
    unit: OrgUnit, period: Period, *, by_cell: bool = False, today: dt.date | None = None
) -> Breakdown:
    """The figures of ``unit`` over ``period``, by child unit (or by cell with ``by_cell``).
    One query. The caller has checked the user may see ``unit``."""
    today = today or timezone.localdate()
    inner, params = _per_cell_sql(period, today)
    group = "path" if by_cell else f"SUBSTR(path, 1, {len(unit.path) + STEP})"
    sql = (
        f"SELECT {group} AS child, COUNT(*) AS cells, {_OUTER_SUMS}, "  # noqa: S608 - ours
        "SUM(CASE WHEN regular_held >= cell_months THEN 1 ELSE 0 END) AS cells_every_held, "
        "SUM(CASE WHEN regular_on_fixed_day >= cell_months THEN 1 ELSE 0 END) "
        "AS cells_every_on_fixed_day "
        f"FROM ({inner}) AS per_cell GROUP BY {group}"
    )
    params += [*_prefix_range(unit.path), period.first, period.reported_last(today)]
    children: dict[str, Figures] = {}
    total = Figures()
    with _cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            figures = Figures(**{name: int(row[name] or 0) for name in FIGURE_FIELDS})
            children[row["child"]] = figures
            total.add(figures)
    return Breakdown(unit, period, total, children)


@dataclass(frozen=True)
class MonthPoint:
    month: dt.date
    cell_months: int
    regular_held: int
    regular_on_fixed_day: int
    attendance_required: int
    attendance_attended: int

    @property
    def attendance_rate(self) -> float | None:
        return (
            self.attendance_attended / self.attendance_required
            if self.attendance_required
            else None
        )

    @property
    def on_fixed_day_rate(self) -> float | None:
        return self.regular_on_fixed_day / self.cell_months if self.cell_months else None


def monthly_trend(
    unit: OrgUnit, period: Period, *, today: dt.date | None = None
) -> list[MonthPoint]:
    """Per month of the period: meetings held and on the fixed day, attendance. One query."""
    today = today or timezone.localdate()
    sql = (
        "SELECT month, SUM(regular_due), SUM(regular_held), SUM(regular_on_fixed_day), "
        "SUM(attendance_required), SUM(attendance_attended) FROM reports_cellmonth "
        "WHERE path >= %s AND path < %s AND month >= %s AND month <= %s "
        "GROUP BY month ORDER BY month"
    )
    params = [*_prefix_range(unit.path), period.first, period.reported_last(today)]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    points = []
    for month, *counts in rows:
        if isinstance(month, str):  # SQLite gives the date as text in a raw query
            month = dt.date.fromisoformat(month)
        points.append(MonthPoint(month, *(int(c or 0) for c in counts)))
    return points


QUALITY_BUCKETS = ("none", "0", "1-49", "50-79", "80-99", "100")


def quality_distribution(
    unit: OrgUnit, period: Period, *, today: dt.date | None = None
) -> dict[str, int]:
    """How many cells fall in each band of the share of their meetings held in the period that
    met every quality criterion (``none``: no meeting held). One query."""
    today = today or timezone.localdate()
    sql = (
        "SELECT CASE WHEN held = 0 THEN 'none' "
        "WHEN quality = 0 THEN '0' "
        "WHEN quality * 100 < held * 50 THEN '1-49' "
        "WHEN quality * 100 < held * 80 THEN '50-79' "
        "WHEN quality < held THEN '80-99' ELSE '100' END AS band, COUNT(*) "
        "FROM (SELECT cell_id, SUM(meetings_held) AS held, SUM(meetings_quality) AS quality "
        "FROM reports_cellmonth WHERE path >= %s AND path < %s AND month >= %s AND month <= %s "
        "GROUP BY cell_id) AS per_cell GROUP BY band"
    )
    params = [*_prefix_range(unit.path), period.first, period.reported_last(today)]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        found = dict(cursor.fetchall())
    return {band: int(found.get(band, 0)) for band in QUALITY_BUCKETS}
