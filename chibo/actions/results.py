"""Each member's results of a month: what the monthly meeting reviews to praise, remind or
criticise (DOMAIN.md "Responsibility and evaluation"; issue 5; decision 0012).

For a member and a month:

- **Tasks.** The items the member owned during the month (an ``ActionOwner`` row overlapping
  it: an item reassigned mid-month counts for both the owner who had it until then and the one
  who has it since), among those due in the month or due earlier and not closed before the
  month began (carried into it). Items due after the month are left for the month they are due
  in, as the completion rate does. Each shows how it stood at the end of the month: the latest
  review dated on or before the month's last day (``models.status_after``), or "open" — so an
  item closed in the next month is open at the end of this one. Counted: done; not done (and
  withdrawn after its due date, as ``selectors.completion_rate`` counts it); open (no review
  yet, in progress, reported done). An item withdrawn on or before its due date is shown but
  not counted.
- **Households.** Those the member followed during the month (an assignment overlapping it),
  and the contacts they logged in the month, by category. No note is read here.
- **Attendance.** Their roll-call category at the held meetings of the month (committee
  meetings aside).

``cell_month_results`` gives every member on the cell's roll on some day of the month, by name,
in a constant number of queries (seven) whatever the number of members; ``member_month`` gives
one member across the cells the caller sees. Both run inside the caller's scope, except the
roll, read from the members' events as ``chibo.meetings.selectors`` reads it (unscoped).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise

from chibo.actions.models import (
    ActionItem,
    ActionOwner,
    ActionReview,
    ContactCategory,
    HouseholdAssignment,
    HouseholdContact,
    ItemStatus,
    status_after,
)
from chibo.actions.selectors import month_bounds
from chibo.meetings.models import Attendance, AttendanceCategory, Meeting, MeetingKind
from chibo.meetings.selectors import HELD_STATUSES, roll_candidates, roll_standing
from chibo.members.lifecycle import derive
from chibo.members.models import EventKind, Member, MemberEvent
from chibo.orgunits.models import OrgUnit

__all__ = [
    "ItemMonth",
    "MemberMonth",
    "cell_month_results",
    "member_month",
    "members_on_roll_in_month",
]

# How an item counts in the month's results.
DONE, NOT_DONE, OPEN, WITHDRAWN = "done", "not_done", "open", "withdrawn"


@dataclass
class ItemMonth:
    """An item a member owned in the month, and how it stood at the month's end."""

    item: ActionItem
    ownership: ActionOwner
    review: ActionReview | None  # the latest dated on or before the month's last day
    last_day: dt.date

    @property
    def status(self) -> str:
        """The item's status at the end of the month (an ``ItemStatus`` value)."""
        if self.review is None:
            return ItemStatus.OPEN
        return status_after(self.review.outcome, at_meeting=self.review.meeting_id is not None)

    @property
    def status_label(self) -> str | Promise:
        return ItemStatus(self.status).label

    @property
    def result(self) -> str:
        """``done``, ``not_done``, ``open``, or ``withdrawn`` (not counted)."""
        status = self.status
        if status == ItemStatus.DONE:
            return DONE
        if status == ItemStatus.DROPPED:
            assert self.review is not None
            return NOT_DONE if self.review.date > self.item.due_date else WITHDRAWN
        if status == ItemStatus.NOT_DONE:
            return NOT_DONE
        return OPEN

    @property
    def overdue(self) -> bool:
        """Still open at the month's end, and due before it."""
        return self.result in {OPEN, NOT_DONE} and self.item.due_date < self.last_day

    @property
    def until(self) -> dt.date | None:
        """The day the item was taken from the member, when that was in the month."""
        end = self.ownership.end_date
        return end if end is not None and end <= self.last_day else None


@dataclass
class MemberMonth:
    """One member's month: tasks, households and contacts, attendance."""

    member: Member
    month: dt.date  # the first day
    items: list[ItemMonth] = field(default_factory=list)
    households: list[HouseholdAssignment] = field(default_factory=list)
    contacts: Counter[str] = field(default_factory=Counter)  # by category
    attendance: list[Attendance] = field(default_factory=list)

    def _count(self, result: str) -> int:
        return sum(1 for row in self.items if row.result == result)

    @property
    def done(self) -> int:
        return self._count(DONE)

    @property
    def not_done(self) -> int:
        return self._count(NOT_DONE)

    @property
    def still_open(self) -> int:
        return self._count(OPEN)

    @property
    def contacts_total(self) -> int:
        return sum(self.contacts.values())

    @property
    def contacts_by_category(self) -> list[tuple[str, int]]:
        """``(label, count)`` in the categories' order, those with a contact only."""
        return [
            (str(label), self.contacts[value])
            for value, label in ContactCategory.choices
            if self.contacts[value]
        ]

    def _attended(self, category: str) -> int:
        return sum(1 for row in self.attendance if row.category == category)

    @property
    def present(self) -> int:
        return self._attended(AttendanceCategory.PRESENT)

    @property
    def late(self) -> int:
        return self._attended(AttendanceCategory.LATE)

    @property
    def excused(self) -> int:
        return self._attended(AttendanceCategory.ABSENT_EXCUSED)

    @property
    def unexcused(self) -> int:
        return self._attended(AttendanceCategory.ABSENT_UNEXCUSED)

    @property
    def is_empty(self) -> bool:
        return not (self.items or self.households or self.contacts or self.attendance)


# --- Who was on the roll during the month -----------------------------------------------------
def _days_to_check(events: Sequence[MemberEvent], first: dt.date, last: dt.date) -> list[dt.date]:
    """The days of the month on which a member's standing may change: the first day, each
    event's day, and the day after a suspension with an end date ends (it ends by itself)."""
    days = {first}
    for event in events:
        if first < event.date <= last:
            days.add(event.date)
        if event.kind == EventKind.SUSPENSION and event.until is not None:
            after = event.until + dt.timedelta(days=1)
            if first < after <= last:
                days.add(after)
    return sorted(days)


def members_on_roll_in_month(cell_id: int, month: dt.date) -> list[Member]:
    """The members on the roll of ``cell_id`` on at least one day of ``month``, by name (as
    ``chibo.meetings.selectors.roll_standings`` decides it for one day). Two queries. Read
    unscoped, as the rolls are: a member who has since moved out of the caller's scope still
    answered to this cell that month."""
    first, end = month_bounds(month)
    last = end - dt.timedelta(days=1)
    candidates = list(roll_candidates(cell_id))
    events: dict[int, list[MemberEvent]] = defaultdict(list)
    for event in MemberEvent._base_manager.filter(
        member_id__in=[m.pk for m in candidates], date__lte=last, voided_at__isnull=True
    ).order_by("date", "id"):
        events[event.member_id].append(event)
    return [
        member
        for member in candidates
        if any(
            roll_standing(derive(events[member.pk], today=day), cell_id, day) is not None
            for day in _days_to_check(events[member.pk], first, last)
        )
    ]


# --- The month's results --------------------------------------------------------------------------
def _ownerships(member_ids: Iterable[int], first: dt.date, last: dt.date) -> Any:
    """The members' ownerships overlapping the month, of items due in it or carried into it."""
    return (
        ActionOwner.objects.filter(member_id__in=list(member_ids), start_date__lte=last)
        .exclude(end_date__lt=first)
        .filter(item__due_date__lte=last)
        .filter(
            Q(item__due_date__gte=first)
            | Q(item__closed_on__isnull=True)
            | Q(item__closed_on__gte=first)
        )
        .select_related("item")
        .order_by("item__due_date", "item_id", "start_date", "id")
    )


def _latest_reviews(item_ids: Iterable[int], last: dt.date) -> dict[int, ActionReview]:
    latest: dict[int, ActionReview] = {}
    reviews = ActionReview.objects.filter(item_id__in=list(item_ids), date__lte=last).order_by(
        "date", "created_at", "id"
    )
    for review in reviews:
        latest[review.item_id] = review  # the later one wins
    return latest


def _results(members: Sequence[Member], month: dt.date, cell_id: int | None) -> list[MemberMonth]:
    """The month of each of ``members``; with ``cell_id``, only that cell's items, households
    and meetings. Five queries (fewer when there is nothing to read)."""
    first, end = month_bounds(month)
    last = end - dt.timedelta(days=1)
    rows = {m.pk: MemberMonth(m, first) for m in members}
    ids = list(rows)

    ownerships = _ownerships(ids, first, last)
    if cell_id is not None:
        ownerships = ownerships.filter(item__cell_id=cell_id)
    ownerships = list(ownerships)
    reviews = _latest_reviews({o.item_id for o in ownerships}, last)
    owned: dict[tuple[int, int], ItemMonth] = {}
    for ownership in ownerships:
        # Given, taken and given again in the month: one row, with the latest ownership.
        owned[ownership.member_id, ownership.item_id] = ItemMonth(
            ownership.item, ownership, reviews.get(ownership.item_id), last
        )
    for (member_id, _item_id), item_month in owned.items():
        rows[member_id].items.append(item_month)

    in_cell: dict[str, Any] = {} if cell_id is None else {"household__cell_id": cell_id}
    assignments = (
        HouseholdAssignment.objects.filter(member_id__in=ids, start_date__lte=last, **in_cell)
        .exclude(end_date__lt=first)
        .select_related("household")
        .order_by("household__sort_key", "household_id", "start_date", "id")
    )
    for assignment in assignments:
        rows[assignment.member_id].households.append(assignment)

    contacts = HouseholdContact.objects.filter(
        member_id__in=ids, date__gte=first, date__lte=last, **in_cell
    ).values_list("member_id", "category")
    for member_id, category in contacts:
        rows[member_id].contacts[category] += 1

    meetings = Meeting.objects.filter(
        status__in=HELD_STATUSES, planned_date__gte=first, planned_date__lte=last
    ).exclude(kind=MeetingKind.COMMITTEE)
    if cell_id is not None:
        meetings = meetings.filter(cell_id=cell_id)
    attendance = (
        Attendance.objects.filter(member_id__in=ids, meeting__in=meetings)
        .exclude(category="")
        .select_related("meeting")
        .order_by("meeting__planned_date", "meeting_id")
    )
    for line in attendance:
        rows[line.member_id].attendance.append(line)
    return list(rows.values())


def cell_month_results(cell: OrgUnit, month: dt.date) -> list[MemberMonth]:
    """The month of every member on the cell's roll during ``month``, by name: the cell's
    items, households and held meetings only. Seven queries, whatever the number of members
    (the roll two, the ownerships, the reviews, the assignments, the contacts, the
    attendance)."""
    return _results(members_on_roll_in_month(cell.pk, month), month, cell.pk)


def member_month(member_id: int, month: dt.date) -> MemberMonth:
    """One member's month, in every cell the caller sees. Six queries (the member, the
    ownerships, the reviews, the assignments, the contacts, the attendance)."""
    # The person whose results these are; who may read them is decided by the caller (the
    # member themself, or meeting.view on their cell), not by the members dimension.
    member = Member._base_manager.select_related("cell").get(pk=member_id)
    return _results([member], month, None)[0]
