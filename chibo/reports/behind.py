"""The members behind a dashboard's numbers (issue 6: "each number drills down to the rows
behind it").

The numbers of the follow-up — members to review for removal, probation and transfer deadlines
overdue, absences without reason — come from the rollup; the members behind them are found
again from the raw rows with the rollup's own rules (``rollup.member_stocks``,
``rollup.review_flags``), so the list adds up to the number (a test says so after random
sequences of service calls). Only the cells whose rollup row counts someone are read: a
province with a handful of overdue probations reads those few cells, not its 250,000 members.
A constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.core.scoping import AFTER_PATH_CHARS, scopes_disabled
from chibo.meetings.models import Attendance, AttendanceCategory, MeetingKind
from chibo.meetings.selectors import HELD_STATUSES, absence_rule
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit
from chibo.reports import rollup
from chibo.reports.indicators import Period
from chibo.reports.models import CellMonth

REMOVAL_REVIEW = "removal_review"
PROBATION_OVERDUE = "probation_overdue"
TRANSFERS_OVERDUE = "transfers_overdue"
ABSENT_UNEXCUSED = "absent_unexcused"
# The numbers a list of members stands behind, with the page's title.
KEYS = {
    REMOVAL_REVIEW: _("Members to review for removal"),
    PROBATION_OVERDUE: _("Probation deadlines overdue"),
    TRANSFERS_OVERDUE: _("Transfers overdue"),
    ABSENT_UNEXCUSED: _("Absent without reason"),
}
STOCKS = (REMOVAL_REVIEW, PROBATION_OVERDUE, TRANSFERS_OVERDUE)


@dataclass
class Behind:
    """One member behind a number: how many times they count in it (1 for a stock; the
    absences for ``absent_unexcused``), and the dates that explain why."""

    member_id: int
    cell_id: int
    count: int = 1
    due: dt.date | None = None  # the deadline that passed
    months: list[dt.date] = field(default_factory=list)  # months without taking part
    name: str = ""
    cell_name: str = ""
    cell_path: str = ""


def members_behind(
    unit: OrgUnit, period: Period, key: str, *, today: dt.date | None = None
) -> list[Behind]:
    """The members counted in ``key`` (``KEYS``) for ``unit`` over ``period``, as the
    dashboard counts them: the stocks at the end of the period (today while it runs), the
    absences over it. In cell and name order. The caller has checked the user may see
    ``unit``'s reports."""
    if key not in KEYS:
        raise KeyError(key)
    today = today or timezone.localdate()
    last = period.reported_last(today)
    with scopes_disabled():
        cells = _cells_counting(unit, period, key, last)
        if not cells:
            return []
        if key == ABSENT_UNEXCUSED:
            found = _absences(cells, period.first, last)
        elif key == REMOVAL_REVIEW:
            found = _review(cells, last, today)
        else:
            found = _deadlines(cells, key, rollup.as_of(last, today), today)
        return _named(found, cells)


def _cells_counting(
    unit: OrgUnit, period: Period, key: str, last: dt.date
) -> dict[int, tuple[str, str]]:
    """The cells of the unit whose rollup counts someone in ``key``: their names and paths."""
    rows = CellMonth._base_manager.filter(
        path__gte=unit.path, path__lt=unit.path + AFTER_PATH_CHARS
    )
    if key in STOCKS:
        ids = rows.filter(month=last, **{f"{key}__gt": 0}).values_list("cell_id", flat=True)
    else:
        ids = (
            rows.filter(month__gte=period.first, month__lte=last)
            .values("cell_id")
            .annotate(total=Sum(key))
            .filter(total__gt=0)
            .values_list("cell_id", flat=True)
        )
    return {
        pk: (name, path)
        for pk, name, path in OrgUnit._base_manager.filter(pk__in=ids).values_list(
            "pk", "name", "path"
        )
    }


def _deadlines(
    cells: dict[int, tuple[str, str]], key: str, day: dt.date, today: dt.date
) -> list[Behind]:
    calendar = rollup.LazyCalendar(today + dt.timedelta(days=400))
    states = rollup.member_states(list(cells), [day])[day]
    found = []
    for stock, state in rollup.member_stocks(
        (s for s in states if s.cell_id in cells), day, calendar
    ):
        if stock != key:
            continue
        due = (
            rollup.probation_due(state, calendar)
            if key == PROBATION_OVERDUE
            else rollup.transfer_due(state, calendar)
        )
        assert state.cell_id is not None
        found.append(Behind(state.pk, state.cell_id, due=due))
    return found


def _year_rows(cells: dict[int, tuple[str, str]], first: dt.date, end: dt.date) -> dict[int, list]:
    """Per cell, the roll rows of its held meetings planned from ``first`` to before ``end``,
    in meeting order, as the rollup reads them."""
    rows: dict[int, list] = defaultdict(list)
    for cell_id, day, meeting_id, member_id, category in (
        Attendance._base_manager.filter(
            meeting__cell_id__in=list(cells),
            meeting__status__in=HELD_STATUSES,
            meeting__planned_date__gte=first,
            meeting__planned_date__lt=end,
        )
        .exclude(meeting__kind=MeetingKind.COMMITTEE)
        .order_by("meeting__planned_date", "meeting_id")
        .values_list(
            "meeting__cell_id", "meeting__planned_date", "meeting_id", "member_id", "category"
        )
    ):
        rows[cell_id].append((member_id, meeting_id, day, category))
    return rows


def _review(cells: dict[int, tuple[str, str]], last: dt.date, today: dt.date) -> list[Behind]:
    rule = absence_rule()
    year_rows = _year_rows(cells, dt.date(last.year, 1, 1), rollup.next_month(last))
    found = []
    for cell_id in cells:
        flagged = rollup.review_flags(year_rows[cell_id], [last], today, rule)[last]
        found += [Behind(pk, cell_id, months=months) for pk, months in flagged.items()]
    return found


def _absences(cells: dict[int, tuple[str, str]], first: dt.date, last: dt.date) -> list[Behind]:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for cell_id, member_id in (
        Attendance._base_manager.filter(
            meeting__cell_id__in=list(cells),
            meeting__status__in=HELD_STATUSES,
            meeting__month__gte=first,
            meeting__month__lte=last,
            category=AttendanceCategory.ABSENT_UNEXCUSED,
        )
        .exclude(meeting__kind=MeetingKind.COMMITTEE)
        .values_list("meeting__cell_id", "member_id")
    ):
        counts[(cell_id, member_id)] += 1
    return [Behind(member_id, cell_id, count=n) for (cell_id, member_id), n in counts.items()]


def _named(found: list[Behind], cells: dict[int, tuple[str, str]]) -> list[Behind]:
    people = {
        pk: (name, key)
        for pk, name, key in Member._base_manager.filter(
            pk__in={b.member_id for b in found}
        ).values_list("pk", "full_name", "sort_key")
    }
    for behind in found:
        behind.name = people.get(behind.member_id, ("", ""))[0]
        behind.cell_name, behind.cell_path = cells[behind.cell_id]
    return sorted(
        found,
        key=lambda b: (cells[b.cell_id][1], people.get(b.member_id, ("", ""))[1], b.member_id),
    )
