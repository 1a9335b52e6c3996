"""Writing the monthly rollup ``CellMonth`` (decision 0013).

One function computes the rows of some cells over some months from the raw rows, in a
constant number of queries whatever the number of cells, months, meetings and members:
``compute``. Everything else calls it:

- ``refresh`` writes the rows of a few cells from a month to the current one. The services call
  it, in their transaction, through ``meeting_changed``, ``item_changed``,
  ``member_changed`` and ``post_changed``. A change can move later months too (a meeting
  counts in the year's "absent with reason in a row", an item stays overdue until it is
  closed, a transfer changes every month since), so a refresh runs from the month changed to
  the current one.
- ``rebuild`` writes every row again, cells in batches (``manage.py reports_rollup
  --rebuild``). A test proves that what the services wrote equals what a rebuild writes.
- ``refresh_current`` is the nightly job: the stocks of the current month depend on the day
  (an item becomes overdue, a probation ends) and a new month needs its rows.

Rules, where DOMAIN.md leaves a choice:

- A meeting counts in its ``month`` (a regular meeting moved to the next days is still the
  month's). Committee meetings count only for the "committee met beforehand" criterion.
- Attendance is the roll as recorded: the roll call is the record, and locked minutes have
  every member recorded. Exempt and away members are not required to attend.
- Stocks are counted at the end of the month, or today for the current month; members by their
  home cell (a member temporarily in another cell counts at home, as "away").
- Items as they stand now (as on the commune's page): due in the month, less those withdrawn
  before their due date; overdue at the end of the month when due before it and not closed by
  then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chibo.actions.models import ActionItem, ItemStatus
from chibo.core.bulk import plain_rows, upsert_values
from chibo.core.scoping import scopes_disabled
from chibo.core.workdays import WorkCalendar
from chibo.meetings.models import (
    AgendaItem,
    Attendance,
    AttendanceCategory,
    DayRule,
    Meeting,
    MeetingDay,
    MeetingKind,
    MeetingStatus,
)
from chibo.meetings.overview import quality_result
from chibo.meetings.selectors import (
    ATTENDED,
    CONSECUTIVE,
    HELD_STATUSES,
    NOT_REQUIRED,
    PREPARER_POSTS,
    REVIEW_MONTHS,
    QualityFacts,
    RollEntry,
    absence_rule,
    criteria_of,
    longest_consecutive,
    meeting_date,
    member_ids_of,
    months_without_taking_part,
)
from chibo.members.deadlines import CEREMONY_DAYS, TRANSFER_DAYS
from chibo.members.lifecycle import (
    MEMBER_UNIT_KINDS,
    PROBATION_MONTHS,
    EventRow,
    add_months,
    derive,
)
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from chibo.orgunits.models import OrgUnit, Post
from chibo.reports.models import COUNT_FIELDS, CellMonth

BATCH_CELLS = 100
LOCK_DAYS_DEFAULT = 7

Key = tuple[int, dt.date]


# --- Months ------------------------------------------------------------------------------------
def first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from ``first`` to ``last``, both included."""
    found: list[dt.date] = []
    month = first_of(first)
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found


def reports_start() -> dt.date:
    """``CHIBO_REPORTS_START`` ("YYYY-MM"): the first month the rollup holds."""
    value = str(getattr(settings, "CHIBO_REPORTS_START", "2025-01"))
    year, month = value.split("-")[:2]
    return dt.date(int(year), int(month), 1)


def lock_days() -> int:
    """``CHIBO_MINUTES_LOCK_DAYS``: minutes are locked on time within this many days of the
    meeting (7 by default)."""
    return int(getattr(settings, "CHIBO_MINUTES_LOCK_DAYS", LOCK_DAYS_DEFAULT))


def as_of(month: dt.date, today: dt.date) -> dt.date:
    """The day a month's stocks are counted on: its last day, or today in the current month."""
    return min(next_month(month) - dt.timedelta(days=1), today)


class _Cell(NamedTuple):
    pk: int
    path: str
    valid_from: dt.date | None
    valid_to: dt.date | None


def _cell_months(cell: _Cell, first: dt.date, last: dt.date) -> list[dt.date]:
    start = max(first, reports_start())
    if cell.valid_from is not None:
        start = max(start, first_of(cell.valid_from))
    end = last if cell.valid_to is None else min(last, first_of(cell.valid_to))
    return months(start, end) if start <= end else []


# --- Computing rows ----------------------------------------------------------------------------
class _Person(NamedTuple):
    pk: int
    full_name: str


class _Mark(NamedTuple):
    category: str


def _roll_from_rows(rows: Iterable[tuple[int, str]]) -> list[RollEntry]:
    """The roll as recorded, in the shape the quality criteria read."""
    roll: list[RollEntry] = []
    for member_id, category in rows:
        expected = category if category in NOT_REQUIRED else ""
        person = cast(Any, _Person(member_id, ""))
        entry = RollEntry(person, "", expected, False, cast(Any, _Mark(category)))
        roll.append(entry)
    return roll


class _State(NamedTuple):
    """What the rollup reads of a member's state on a day."""

    pk: int
    status: str | None
    cell_id: int | None
    temporary_cell_id: int | None
    admission_date: dt.date | None
    ceremony_date: dt.date | None
    exempt_from: dt.date | None
    exempt_until: dt.date | None
    transfer_sent: dt.date | None  # the official transfer out waiting to be received


_MEMBER_COLUMNS = (
    "id",
    "status",
    "cell_id",
    "temporary_cell_id",
    "admission_date",
    "ceremony_date",
    "exempt_from",
    "exempt_until",
    "state_since",
)
_EVENT_COLUMNS = (
    "member_id",
    "id",
    "kind",
    "date",
    "cell_id",
    "decision_date",
    "other_cell_id",
    "temporary",
    "until",
)


def member_states(cell_ids: Sequence[int], days: Sequence[dt.date]) -> dict[dt.date, list[_State]]:
    """For each day, the state of every member who belonged to one of the cells at some time.

    A member's stored columns are their state from ``state_since`` on (see
    ``chibo.meetings.selectors._roll``); before it, and for suspended members, the state is
    derived from the events. Three queries."""
    members = plain_rows(
        Member._base_manager.filter(
            pk__in=member_ids_of(
                Q(cell_id__in=cell_ids),
                Q(temporary_cell_id__in=cell_ids),
                events=(Q(cell_id__in=cell_ids), Q(other_cell_id__in=cell_ids)),
            )
        ).values_list(*_MEMBER_COLUMNS)
    )
    first_day = min(days)
    # Derived too: members transferred out, as the date the transfer was sent is in the
    # events only (a later event, an exemption say, moves ``state_since``).
    derived_ids = [
        row[0]
        for row in members
        if row[8] is None or row[8] > first_day or row[1] == MemberStatus.TRANSFERRED_OUT
    ]
    events: dict[int, list[EventRow]] = defaultdict(list)
    if derived_ids:
        for member_id, *event in plain_rows(
            MemberEvent._base_manager.filter(
                member_id__in=derived_ids, voided_at__isnull=True
            ).values_list(*_EVENT_COLUMNS)
        ):
            pk, kind, date, cell, decision, other, temporary, until = event
            events[member_id].append(
                EventRow(
                    kind,
                    date,
                    cell,
                    decision_date=decision,
                    other_cell_id=other,
                    temporary=bool(temporary),
                    until=until,
                    pk=pk,
                )
            )
    result: dict[dt.date, list[_State]] = {}
    for day in days:
        states: list[_State] = []
        for pk, status, cell, temporary, admitted, ceremony, ex_from, ex_until, since in members:
            if (
                since is not None
                and since <= day
                and status not in (MemberStatus.SUSPENDED, MemberStatus.TRANSFERRED_OUT)
            ):
                stored = (status, cell, temporary, admitted, ceremony, ex_from, ex_until)
                states.append(_State(pk, *stored, None))
                continue
            member_events = [e for e in events.get(pk, ()) if e.date <= day]
            if not member_events:
                continue
            state = derive(member_events, today=day)
            sent = None
            if state.pending_transfer_to is not None:
                sent = max(
                    e.date
                    for e in member_events
                    if e.kind == EventKind.TRANSFER_OUT and not e.temporary
                )
            states.append(
                _State(
                    pk,
                    state.status,
                    state.cell_id,
                    state.temporary_cell_id,
                    state.admission_date,
                    state.ceremony_date,
                    state.exempt_from,
                    state.exempt_until,
                    sent,
                )
            )
        result[day] = states
    return result


class LazyCalendar:
    """The working days up to ``last``, read on the first use (most batches need none). The
    whole holiday table is read (a few rows a year), so that a due date does not depend on
    which cells were computed together."""

    def __init__(self, last: dt.date) -> None:
        self.last = last
        self._calendar: WorkCalendar | None = None

    def add(self, start: dt.date, days: int) -> dt.date:
        if self._calendar is None:
            self._calendar = WorkCalendar.load(dt.date(1900, 1, 1), self.last)
        return self._calendar.add(start, days)


def _add_working(calendar: LazyCalendar, start: dt.date, days: int) -> dt.date:
    try:
        return calendar.add(start, days)
    except ValueError:  # past the calendar: not due yet on any day counted
        return dt.date.max


MEMBER_STOCKS = (
    "members_official",
    "members_probationary",
    "members_exempt",
    "members_away",
    "probation_overdue",
    "transfers_overdue",
)


def member_stocks(
    states: Iterable[_State], day: dt.date, calendar: LazyCalendar
) -> Iterable[tuple[str, _State]]:
    """``(stock, state)`` for each stock of ``MEMBER_STOCKS`` a member counts in on ``day``
    (a probationary member can count in two: probationary, and probation overdue)."""
    for state in states:
        if state.status in (MemberStatus.OFFICIAL, MemberStatus.PROBATIONARY):
            if state.status == MemberStatus.OFFICIAL:
                yield "members_official", state
            else:
                yield "members_probationary", state
                if probation_due(state, calendar) < day:
                    yield "probation_overdue", state
            if (
                state.exempt_from is not None
                and state.exempt_from <= day
                and (state.exempt_until is None or state.exempt_until >= day)
            ):
                yield "members_exempt", state
            elif state.temporary_cell_id is not None:
                yield "members_away", state
        elif (
            state.status == MemberStatus.TRANSFERRED_OUT
            and state.transfer_sent is not None
            and transfer_due(state, calendar) < day
        ):
            yield "transfers_overdue", state


def probation_due(state: _State, calendar: LazyCalendar) -> dt.date:
    """The day a probationary member's next step was due: the admission ceremony (30 working
    days after the decision) until it is held, then the end of probation."""
    if state.ceremony_date is None:
        if state.admission_date is None:
            return dt.date.max
        return _add_working(calendar, state.admission_date, CEREMONY_DAYS)
    return add_months(state.ceremony_date, PROBATION_MONTHS)


def transfer_due(state: _State, calendar: LazyCalendar) -> dt.date:
    """The day an official transfer sent out was due to be received."""
    assert state.transfer_sent is not None
    return _add_working(calendar, state.transfer_sent, TRANSFER_DAYS)


def _member_counts(
    states: Iterable[_State], day: dt.date, calendar: LazyCalendar
) -> dict[str, int]:
    """The stocks of the members whose home cell is the one counted (``states`` are theirs)."""
    counts = dict.fromkeys(MEMBER_STOCKS, 0)
    for stock, _state in member_stocks(states, day, calendar):
        counts[stock] += 1
    return counts


_MEETING_FIELDS = (
    "id",
    "cell_id",
    "kind",
    "status",
    "month",
    "fixed_date",
    "planned_date",
    "held_start",
    "held_end",
    "includes_thematic",
    "prepared_by_id",
    "draft_resolution",
    "materials_published_at",
    "committee_met_before",
    "locked_at",
)


def compute(
    cell_ids: Sequence[int], first: dt.date, last: dt.date, *, today: dt.date
) -> dict[Key, dict[str, Any]]:
    """The rollup rows of ``cell_ids`` for the months from ``first`` to ``last`` (first days),
    each as ``{"path": ..., <count field>: ...}``; a cell has rows only for the months it
    existed in, from ``CHIBO_REPORTS_START``. Unscoped: the rollup is a whole-tree table, and
    readers filter it by scope. A constant number of queries."""
    with scopes_disabled():
        return _compute(list(cell_ids), first, last, today)


def _compute(
    cell_ids: list[int], first: dt.date, last: dt.date, today: dt.date
) -> dict[Key, dict[str, Any]]:
    cells = [
        _Cell(*row)
        for row in OrgUnit._base_manager.filter(
            pk__in=cell_ids, kind__in=MEMBER_UNIT_KINDS
        ).values_list("pk", "path", "valid_from", "valid_to")
    ]
    wanted = {cell.pk: _cell_months(cell, first, last) for cell in cells}
    all_months = sorted({m for found in wanted.values() for m in found})
    if not all_months:
        return {}
    ids = [cell.pk for cell in cells if wanted[cell.pk]]
    first, last = all_months[0], all_months[-1]
    end = next_month(last)
    year_start = dt.date(first.year, 1, 1)

    meetings = list(
        Meeting._base_manager.filter(
            cell_id__in=ids,
            status__in=HELD_STATUSES,
            planned_date__gte=min(first, year_start) - dt.timedelta(days=40),
            planned_date__lt=end + dt.timedelta(days=40),
        ).only(*_MEETING_FIELDS)
    )
    cell_meetings = [m for m in meetings if m.kind != MeetingKind.COMMITTEE]
    attendance: dict[int, list[tuple[int, str]]] = defaultdict(list)
    year_rows: dict[int, list[tuple[int, int, dt.date, str]]] = defaultdict(list)
    planned = {m.pk: (m.cell_id, m.planned_date) for m in cell_meetings}
    rows = plain_rows(
        Attendance._base_manager.filter(meeting_id__in=list(planned))
        .order_by("meeting__planned_date", "meeting_id")
        .values_list("meeting_id", "member_id", "category")
    )
    for meeting_id, member_id, category in rows:
        attendance[meeting_id].append((member_id, category))
        cell_id, day = planned[meeting_id]
        year_rows[cell_id].append((member_id, meeting_id, day, category))
    with_agenda = set(
        AgendaItem._base_manager.filter(meeting_id__in=list(planned))
        .values_list("meeting_id", flat=True)
        .distinct()
    )
    posts = list(
        Post._base_manager.filter(unit_id__in=ids, kind__in=PREPARER_POSTS).values_list(
            "unit_id", "member_id", "start_date", "end_date"
        )
    )
    items = plain_rows(
        ActionItem._base_manager.filter(cell_id__in=ids, due_date__lt=end).values_list(
            "cell_id", "due_date", "status", "closed_on"
        )
    )
    days = sorted({as_of(m, today) for m in all_months})
    states = member_states(ids, days)
    calendar = LazyCalendar(today + dt.timedelta(days=400))
    rule = absence_rule()

    committees: dict[int, list[dt.date]] = defaultdict(list)
    for m in meetings:
        if m.kind == MeetingKind.COMMITTEE:
            committees[m.cell_id].append(m.planned_date)
    by_month: dict[Key, list[Meeting]] = defaultdict(list)
    for m in cell_meetings:
        by_month[(m.cell_id, m.month)].append(m)
    items_by_cell: dict[int, list[tuple[dt.date, str, dt.date | None]]] = defaultdict(list)
    for cell_id, due, status, closed in items:
        items_by_cell[cell_id].append((due, status, closed))
    posts_by_cell: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    for unit_id, member_id, start, stop in posts:
        posts_by_cell[unit_id].append((member_id, start, stop))
    states_by_cell: dict[dt.date, dict[int | None, list[_State]]] = {}
    for day, day_states in states.items():
        grouped: dict[int | None, list[_State]] = defaultdict(list)
        for state in day_states:
            grouped[state.cell_id].append(state)
        states_by_cell[day] = grouped
    limit = lock_days()
    current = first_of(today)
    due_from = _current_fixed_dates(ids, current, calendar) if current in all_months else {}

    result: dict[Key, dict[str, Any]] = {}
    for cell in cells:
        rows_of_cell = year_rows[cell.pk]
        positions = _excused_positions(rows_of_cell)
        review = _review_by_month(rows_of_cell, wanted[cell.pk], today, rule)
        for month in wanted[cell.pk]:
            row: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
            row["path"] = cell.path
            for meeting in by_month.get((cell.pk, month), ()):
                _count_meeting(
                    row,
                    meeting,
                    attendance[meeting.pk],
                    positions.get(meeting.pk, {}),
                    posts_by_cell[cell.pk],
                    meeting.pk in with_agenda,
                    committees[cell.pk],
                    limit,
                )
            if month == current and not row["regular_held"]:
                fixed = due_from.get(cell.pk)
                row["regular_due"] = int(fixed is not None and fixed < today)
            else:
                row["regular_due"] = 1
            day = as_of(month, today)
            row.update(_member_counts(states_by_cell[day].get(cell.pk, ()), day, calendar))
            row["removal_review"] = review[month]
            _count_items(row, items_by_cell[cell.pk], month, day)
            result[(cell.pk, month)] = row
    return result


def _current_fixed_dates(
    ids: list[int], current: dt.date, calendar: LazyCalendar
) -> dict[int, dt.date]:
    """The fixed date of each cell's regular meeting of the current month: the one its planned
    meeting carries, else the one its meeting day gives. A cell with neither has no date (its
    meeting falls due with the month's end). Two queries."""
    found: dict[int, dt.date] = {}
    for cell_id, rule, day in MeetingDay._base_manager.filter(cell_id__in=ids).values_list(
        "cell_id", "rule", "day"
    ):
        if rule == DayRule.DAY_OF_MONTH and day:
            found[cell_id] = current.replace(day=day)
        elif rule == DayRule.FIRST_WEEK:
            found[cell_id] = _add_working(calendar, current - dt.timedelta(days=1), 1)
    for cell_id, fixed in Meeting._base_manager.filter(
        cell_id__in=ids, kind=MeetingKind.REGULAR, month=current, fixed_date__isnull=False
    ).values_list("cell_id", "fixed_date"):
        if fixed is not None:
            found[cell_id] = fixed
    return found


Row = tuple[int, int, dt.date, str]  # member, meeting, planned date, category


def _excused_positions(rows: Sequence[Row]) -> dict[int, dict[int, int]]:
    """Per meeting, for each member absent with reason, the length of their run of absences
    with reason in the year up to that meeting (``selectors.excused_runs``, read once for the
    whole year instead of once per meeting). ``rows`` in meeting order."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    current: dict[int, int] = {}
    year = None
    for member_id, meeting_id, day, category in rows:
        if day.year != year:
            year, current = day.year, {}
        if category in NOT_REQUIRED or not category:
            continue
        if category == AttendanceCategory.ABSENT_EXCUSED:
            current[member_id] = current.get(member_id, 0) + 1
            found[meeting_id][member_id] = current[member_id]
        else:
            current.pop(member_id, None)
    return found


def _review_by_month(
    rows: Sequence[Row], wanted: Sequence[dt.date], today: dt.date, rule: str
) -> dict[dt.date, int]:
    """For each wanted month, how many members had, by its end (today in the current month),
    3 months of the year without taking part without a valid reason (Charter Art. 8)."""
    return {
        month: len(flagged) for month, flagged in review_flags(rows, wanted, today, rule).items()
    }


def review_flags(
    rows: Sequence[Row], wanted: Sequence[dt.date], today: dt.date, rule: str
) -> dict[dt.date, dict[int, list[dt.date]]]:
    """For each wanted month, the members to review for removal by its end, each with the
    months of the year they did not take part in (those that count under ``rule``)."""
    by_month: dict[dt.date, list[Row]] = defaultdict(list)
    for row in rows:
        by_month[first_of(row[2])].append(row)
    result: dict[dt.date, dict[int, list[dt.date]]] = {}
    if not wanted:
        return result
    without: dict[int, list[dt.date]] = defaultdict(list)
    year = None
    for month in months(dt.date(wanted[0].year, 1, 1), wanted[-1]):
        if month.year != year:
            year, without = month.year, defaultdict(list)
        day = as_of(month, today)
        found = months_without_taking_part(r for r in by_month[month] if r[2] <= day)
        for member_id in found:
            without[member_id].append(month)
        flagged: dict[int, list[dt.date]] = {}
        for member_id, member_months in without.items():
            counted = longest_consecutive(member_months) if rule == CONSECUTIVE else member_months
            if len(counted) >= REVIEW_MONTHS:
                flagged[member_id] = list(counted)
        result[month] = flagged
    return result


def held_on_fixed_day(meeting: Meeting, day: dt.date) -> bool:
    """A regular meeting held (on ``day``) on the fixed date it was planned for."""
    return meeting.fixed_date is not None and day == meeting.fixed_date


def locked_on_time(meeting: Meeting, day: dt.date, limit: int) -> bool:
    """Minutes locked within ``limit`` days of the meeting held on ``day``."""
    return (
        meeting.status == MeetingStatus.LOCKED
        and meeting.locked_at is not None
        and timezone.localdate(meeting.locked_at) <= day + dt.timedelta(days=limit)
    )


def _count_meeting(
    row: dict[str, Any],
    meeting: Meeting,
    roll_rows: list[tuple[int, str]],
    positions: dict[int, int],
    posts: list[tuple[int, dt.date, dt.date | None]],
    has_agenda: bool,
    committee_days: list[dt.date],
    limit: int,
) -> None:
    day = meeting_date(meeting)
    row["meetings_held"] += 1
    if meeting.kind == MeetingKind.REGULAR:
        row["regular_held"] += 1
        if held_on_fixed_day(meeting, day):
            row["regular_on_fixed_day"] += 1
    if meeting.kind == MeetingKind.THEMATIC or (
        meeting.kind == MeetingKind.REGULAR and meeting.includes_thematic
    ):
        row["thematic_held"] += 1
    if meeting.status == MeetingStatus.LOCKED:
        row["minutes_locked"] += 1
        if locked_on_time(meeting, day, limit):
            row["minutes_locked_on_time"] += 1
    for _member_id, category in roll_rows:
        if category not in NOT_REQUIRED:
            row["attendance_required"] += 1
        if category in ATTENDED:
            row["attendance_attended"] += 1
        elif category == "absent_excused":
            row["absent_excused"] += 1
        elif category == "absent_unexcused":
            row["absent_unexcused"] += 1
    facts = QualityFacts(
        roll=_roll_from_rows(roll_rows),
        # The criterion reads only whether the member's run ends at this meeting, and its length.
        runs={member_id: [[(meeting.pk, day)] * length] for member_id, length in positions.items()},
        preparer_ids={
            member_id
            for member_id, start, stop in posts
            if start <= day and (stop is None or stop >= day)
        },
        has_agenda=has_agenda,
        committee_met_before=any(
            day - dt.timedelta(days=31) <= other < day for other in committee_days
        ),
    )
    if quality_result(criteria_of(meeting, facts)) is True:
        row["meetings_quality"] += 1


def _count_items(
    row: dict[str, Any],
    items: list[tuple[dt.date, str, dt.date | None]],
    month: dt.date,
    day: dt.date,
) -> None:
    end = next_month(month)
    for due, status, closed in items:
        if month <= due < end and not (
            status == ItemStatus.DROPPED and closed is not None and closed <= due
        ):
            row["items_due"] += 1
            if status == ItemStatus.DONE:
                row["items_done"] += 1
                if closed is not None and closed <= due:
                    row["items_done_on_time"] += 1
        if due < day and (closed is None or closed > day):
            row["items_overdue"] += 1


# --- Writing rows ------------------------------------------------------------------------------
_WRITTEN = ("cell", "month", "path", *COUNT_FIELDS, "updated_at")


def _write(
    cell_ids: Sequence[int], first: dt.date, last: dt.date, rows: dict[Key, dict[str, Any]]
) -> int:
    now = timezone.now()
    values = [
        (cell_id, month, row["path"], *(row[f] for f in COUNT_FIELDS), now)
        for (cell_id, month), row in sorted(rows.items())
    ]
    upsert_values(
        CellMonth,
        _WRITTEN,
        values,
        unique=("cell", "month"),
        update=_WRITTEN[2:],
    )
    # Rows the cells no longer have in these months (a cell closed, or no longer holding
    # meetings): one statement.
    kept: dict[int, list[dt.date]] = {pk: [] for pk in cell_ids}
    for cell_id, month in rows:
        kept[cell_id].append(month)
    stale = Q()
    for cell_id, found in kept.items():
        stale |= Q(cell_id=cell_id) & ~Q(month__in=found)
    CellMonth._base_manager.filter(stale, month__gte=first, month__lte=last).delete()
    return len(values)


def refresh(
    cell_ids: Iterable[int], since: dt.date | None = None, *, today: dt.date | None = None
) -> int:
    """Compute and write the rows of ``cell_ids`` from the month of ``since`` (the start of
    the reports by default) to the current month. Returns the number of rows written."""
    ids = sorted(set(cell_ids))
    if not ids:
        return 0
    pending = _pending.get()
    if pending is not None and today is None:
        for pk in ids:
            if pk not in pending or _earlier(since, pending[pk]):
                pending[pk] = since
        return 0
    today = today or timezone.localdate()
    last = first_of(today)
    first = max(first_of(since) if since else reports_start(), reports_start())
    if first > last:
        return 0
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_CELLS):
            chunk = ids[start : start + BATCH_CELLS]
            written += _write(chunk, first, last, compute(chunk, first, last, today=today))
    return written


def _earlier(since: dt.date | None, noted: dt.date | None) -> bool:
    """``since`` reaches further back than ``noted`` (None: from the start of the reports)."""
    return noted is not None and (since is None or since < noted)


# The cells (and the earliest day of each) that ``refresh`` was asked for inside ``deferred``.
_pending: ContextVar[dict[int, dt.date | None] | None] = ContextVar("rollup_pending", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Inside, ``refresh`` only notes its cells; on leaving without an error, each noted cell is
    refreshed once, from the earliest month noted, still in the caller's transaction. For a
    service made of services that each refresh the same cell: the roll screen saves the header
    (one refresh) then the roll (another), and the second would compute again what the first
    just wrote. Nested uses share the outermost one's notes."""
    if _pending.get() is not None:
        yield
        return
    notes: dict[int, dt.date | None] = {}
    token = _pending.set(notes)
    try:
        yield
    finally:
        _pending.reset(token)
    by_since: dict[dt.date | None, list[int]] = defaultdict(list)
    for pk, since in notes.items():
        by_since[since].append(pk)
    for since, ids in by_since.items():
        refresh(ids, since)


def all_cell_ids() -> list[int]:
    return list(
        OrgUnit._base_manager.filter(kind__in=MEMBER_UNIT_KINDS)
        .order_by("path")
        .values_list("pk", flat=True)
    )


def rebuild(
    *,
    today: dt.date | None = None,
    batch: int = BATCH_CELLS,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every row again from the raw rows, ``batch`` cells at a time (each batch in its
    own transaction, so readers see old or new rows, never none); rows of units that no
    longer hold meetings are deleted. Returns the number of rows written."""
    ids = all_cell_ids()
    written = 0
    for start in range(0, len(ids), batch):
        written += refresh(ids[start : start + batch], today=today)
        if progress is not None:
            progress(min(start + batch, len(ids)), len(ids))
    CellMonth._base_manager.exclude(
        cell_id__in=OrgUnit._base_manager.filter(kind__in=MEMBER_UNIT_KINDS).values("pk")
    ).delete()
    return written


def refresh_current(*, today: dt.date | None = None, batch: int = BATCH_CELLS) -> int:
    """The nightly job: every cell's rows of the current month (and of the last one, whose
    stocks were counted on its last day only once it ended)."""
    today = today or timezone.localdate()
    since = first_of(first_of(today) - dt.timedelta(days=1))
    ids = all_cell_ids()
    written = 0
    for start in range(0, len(ids), batch):
        written += refresh(ids[start : start + batch], since, today=today)
    return written


# --- What the services call -----------------------------------------------------------------
def meeting_changed(meeting: Meeting, since: dt.date | None = None) -> None:
    """A meeting, its roll, agenda or minutes changed: its cell from its month (or ``since``,
    the month it had before) on."""
    months_changed = [meeting.month, meeting.planned_date]
    if since is not None:
        months_changed.append(since)
    refresh([meeting.cell_id], min(months_changed))


def item_changed(item: ActionItem, *earlier_due: dt.date) -> None:
    """An action item was created, changed or reviewed: its cell from its due month (or an
    earlier due date it had) on."""
    refresh([item.cell_id], min([item.due_date, *earlier_due]))


def member_changed(cell_ids: Iterable[int | None], day: dt.date) -> None:
    """A member's event dated ``day`` was recorded or voided: the cells it touches."""
    refresh([pk for pk in cell_ids if pk is not None], day)


def post_changed(unit_id: int, day: dt.date) -> None:
    """A post of the cell was assigned or ended on ``day`` (who may prepare the content)."""
    refresh([unit_id], day)
