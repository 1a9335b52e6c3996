"""Reads of action items and households, each in a constant number of queries (decision 0012).

Every function runs inside the caller's scope (``chibo.core.scoping``, dimension ``meetings``),
except the rolls, which ``chibo.meetings.selectors.roll_standings`` reads unscoped (see there).

- The agenda of a meeting lists every item of the cell that is not closed (done or withdrawn),
  whenever it was decided: an overdue item comes back at every meeting until it is closed.
- An item needs reassignment when one of its current owners is no longer on the cell's roll
  (transferred out, removed, deceased, suspended), or when it has no owner yet. This is read,
  not stored: a member's events decide the roll, so a voided transfer un-flags the item too.
- Completion rate of a month: the items *due* in that month, done (or not) as they stand now.
  An item withdrawn by the cell before its due date is left out; withdrawn after it, it counts
  as not done.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.actions.models import (
    CLOSED,
    ActionItem,
    ActionOwner,
    ActionReview,
    Household,
    HouseholdAssignment,
    ItemStatus,
)
from chibo.meetings.models import Meeting, MeetingKind
from chibo.meetings.overview import cells_under
from chibo.meetings.selectors import HELD_STATUSES, meeting_date, roll_standings
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit

__all__ = [
    "CellActions",
    "CommuneActions",
    "Completion",
    "FollowedHousehold",
    "OpenItem",
    "cell_open_items",
    "commune_actions",
    "completion_rate",
    "households_unfollowed",
    "items_needing_reassignment",
    "member_households",
    "member_tasks",
    "month_bounds",
    "open_items_for_meeting",
]


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of ``month`` and the first day of the next one."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


# --- Open items ------------------------------------------------------------------------------
@dataclass
class OpenItem:
    """An item not closed yet, with its current owners and its reviews (oldest first), as of
    ``day``. ``departed`` are the owners no longer on the cell's roll."""

    item: ActionItem
    owners: list[Member]
    reviews: list[ActionReview]
    day: dt.date
    departed: list[Member] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.item.due_date < self.day

    @property
    def carried(self) -> int:
        """At how many meetings the item was reviewed and stayed open."""
        return sum(1 for r in self.reviews if r.meeting_id is not None)

    @property
    def last_review(self) -> ActionReview | None:
        return self.reviews[-1] if self.reviews else None

    @property
    def needs_reassignment(self) -> bool:
        return bool(self.departed) or not self.owners

    # What the meeting's agenda shows (chibo.meetings.agenda.open_action_items).
    @property
    def agenda_title(self) -> str:
        return self.item.title[:300]

    @property
    def agenda_content(self) -> str:
        owners = ", ".join(m.full_name for m in self.owners) or _("no owner yet")
        parts = [
            _("Owners: %(names)s.") % {"names": owners},
            _("Due %(date)s.") % {"date": f"{self.item.due_date:%d/%m/%Y}"},
        ]
        if self.overdue:
            parts.append(_("Overdue."))
        if self.departed:
            parts.append(
                _("To reassign: %(names)s no longer in the cell.")
                % {"names": ", ".join(m.full_name for m in self.departed)}
            )
        last = self.last_review
        if last is not None:
            parts.append(
                _("Last review (%(date)s): %(outcome)s. %(note)s")
                % {
                    "date": f"{last.date:%d/%m/%Y}",
                    "outcome": self.item.get_status_display(),
                    "note": last.note,
                }
            )
        return " ".join(p.strip() for p in parts)

    @property
    def reference(self) -> str:
        return self.item.document_reference


def _current_ownerships() -> Prefetch:
    return Prefetch(
        "owned",
        queryset=ActionOwner.objects.filter(end_date__isnull=True)
        .select_related("member")
        .order_by("member__sort_key", "id"),
        to_attr="current_owners",
    )


def _reviews() -> Prefetch:
    return Prefetch(
        "reviews", queryset=ActionReview.objects.order_by("created_at", "id"), to_attr="history"
    )


def _open(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return (
        items.exclude(status__in=CLOSED)
        .prefetch_related(_current_ownerships(), _reviews())
        .order_by("due_date", "id")
    )


def _rows(items: QuerySet[ActionItem], day: dt.date, roll: set[int] | None) -> list[OpenItem]:
    rows = []
    for item in items:
        owners = [o.member for o in item.current_owners]  # type: ignore[attr-defined]
        departed = [] if roll is None else [m for m in owners if m.pk not in roll]
        rows.append(OpenItem(item, owners, item.history, day, departed))  # type: ignore[attr-defined]
    return rows


def _roll_ids(cell_id: int, day: dt.date) -> set[int]:
    return {s.member_id for s in roll_standings(cell_id, day)}


def cell_open_items(cell: OrgUnit, day: dt.date | None = None) -> list[OpenItem]:
    """The cell's items not closed, by due date, each with its owners, reviews and whether it
    needs reassignment on ``day`` (today by default). Four queries (five when a member's state
    changed after ``day``): the roll, the items, their owners, their reviews."""
    day = day or timezone.localdate()
    roll = _roll_ids(cell.pk, day)
    return _rows(_open(ActionItem.objects.filter(cell_id=cell.pk)), day, roll)


def open_items_for_meeting(meeting: Meeting) -> list[OpenItem]:
    """What ``meeting``'s agenda reviews: every item of its cell not closed, except those the
    meeting itself decides, by due date; ``overdue`` and ``needs_reassignment`` as of the
    meeting's date. Four queries (see ``cell_open_items``).

    ``chibo.meetings.agenda.open_action_items`` makes agenda entries of them:
    ``AgendaEntry(row.agenda_title, row.agenda_content, row.reference)``.
    """
    day = meeting_date(meeting)
    roll = _roll_ids(meeting.cell_id, day)
    items = ActionItem.objects.filter(cell_id=meeting.cell_id).exclude(source_meeting=meeting)
    return _rows(_open(items), day, roll)


def items_needing_reassignment(cell: OrgUnit, day: dt.date | None = None) -> list[OpenItem]:
    """The cell's open items an owner of which is no longer on the roll (transferred out, …),
    or that have no owner yet. Four queries."""
    return [row for row in cell_open_items(cell, day) if row.needs_reassignment]


def member_tasks(member_id: int, day: dt.date | None = None) -> list[OpenItem]:
    """My tasks: the open items the member currently owns, by due date. Three queries."""
    day = day or timezone.localdate()
    owned = ActionOwner.objects.filter(member_id=member_id, end_date__isnull=True)
    items = ActionItem.objects.filter(pk__in=owned.values("item_id"))
    return _rows(_open(items), day, None)


# --- Households ------------------------------------------------------------------------------
@dataclass
class FollowedHousehold:
    assignment: HouseholdAssignment
    household: Household
    last_contact: dt.date | None  # by this member
    contacts_in_month: int  # by this member, in the month of ``day``


def _current(assignments: QuerySet[HouseholdAssignment], day: dt.date) -> QuerySet:
    return assignments.filter(start_date__lte=day).exclude(end_date__lt=day)


def member_households(member_id: int, day: dt.date | None = None) -> list[FollowedHousehold]:
    """My households: those the member follows on ``day``, with the member's last contact
    and their contacts this month. One query."""
    day = day or timezone.localdate()
    first, _next = month_bounds(day)
    mine = Q(household__contacts__member_id=member_id)
    rows = (
        _current(HouseholdAssignment.objects.filter(member_id=member_id), day)
        .filter(household__active=True)
        .select_related("household")
        .annotate(
            last_contact=Max("household__contacts__date", filter=mine),
            in_month=Count(
                "household__contacts",
                filter=mine
                & Q(household__contacts__date__gte=first, household__contacts__date__lte=day),
            ),
        )
        .order_by("household__sort_key", "household_id")
    )
    return [FollowedHousehold(a, a.household, a.last_contact, a.in_month) for a in rows]


def households_unfollowed(cell: OrgUnit, day: dt.date | None = None) -> list[Household]:
    """The cell's active households that no member on the roll follows on ``day``: nobody was
    assigned, every assignment ended, or those who follow them have left the cell. Two
    queries (three when a member's state changed after ``day``)."""
    day = day or timezone.localdate()
    roll = _roll_ids(cell.pk, day)
    followed = _current(
        HouseholdAssignment.objects.filter(household=OuterRef("pk"), member_id__in=roll), day
    )
    return list(
        Household.objects.filter(cell_id=cell.pk, active=True)
        .exclude(Exists(followed))
        .order_by("sort_key", "id")
    )


# --- Completion and the commune's view ---------------------------------------------------------
@dataclass(frozen=True)
class Completion:
    """Items due in a month, as they stand now."""

    due: int  # counted: due in the month, less those withdrawn before their due date
    done: int
    done_on_time: int  # closed as done on or before the due date
    still_open: int

    @property
    def rate(self) -> float | None:
        return self.done / self.due if self.due else None


def _completion_counts(first: dt.date, end: dt.date) -> dict[str, Count]:
    """The ``Completion`` counts as aggregates of the items due in [first, end)."""
    withdrawn_early = Q(status=ItemStatus.DROPPED, closed_on__lte=F("due_date"))
    counted = Q(due_date__gte=first, due_date__lt=end) & ~withdrawn_early
    return {
        "due": Count("pk", filter=counted),
        "done": Count("pk", filter=counted & Q(status=ItemStatus.DONE)),
        "done_on_time": Count(
            "pk", filter=counted & Q(status=ItemStatus.DONE, closed_on__lte=F("due_date"))
        ),
        "still_open": Count("pk", filter=counted & ~Q(status__in=CLOSED)),
    }


def completion_rate(cell: OrgUnit, month: dt.date) -> Completion:
    """The completion of the cell's items due in ``month``. One query."""
    first, end = month_bounds(month)
    counts = ActionItem.objects.filter(cell_id=cell.pk).aggregate(**_completion_counts(first, end))
    return Completion(**counts)


@dataclass
class CellActions:
    """One cell on the commune's page."""

    cell: OrgUnit
    open: int = 0
    overdue: int = 0
    completion: Completion = field(default_factory=lambda: Completion(0, 0, 0, 0))
    # Meetings of the month whose resolution has no action item.
    resolutions_without_items: list[Meeting] = field(default_factory=list)


@dataclass
class CommuneActions:
    month: dt.date
    cells: list[CellActions]

    @property
    def cells_without_items(self) -> list[CellActions]:
        return [row for row in self.cells if row.resolutions_without_items]


def commune_actions(commune: OrgUnit, month: dt.date, day: dt.date | None = None) -> CommuneActions:
    """The commune's cells: open and overdue items (on ``day``, today by default), the
    completion of the items due in ``month``, and the month's meetings whose resolution has no
    action item. Three queries, whatever the number of cells and items."""
    day = day or timezone.localdate()
    first, end = month_bounds(month)
    cells = cells_under(commune)
    ids = [c.pk for c in cells]
    not_closed = ~Q(status__in=CLOSED)
    counts = {
        row["cell_id"]: row
        for row in ActionItem.objects.filter(cell_id__in=ids)
        .values("cell_id")
        .annotate(
            open=Count("pk", filter=not_closed),
            overdue=Count("pk", filter=not_closed & Q(due_date__lt=day)),
            **_completion_counts(first, end),
        )
        .order_by()
    }
    without: dict[int, list[Meeting]] = defaultdict(list)
    meetings = (
        Meeting.objects.filter(cell_id__in=ids, month=first, status__in=HELD_STATUSES)
        .exclude(kind=MeetingKind.COMMITTEE)
        .filter(resolution__isnull=False)
        .exclude(Exists(ActionItem.objects.filter(source_meeting=OuterRef("pk"))))
        .order_by("planned_date", "id")
    )
    for meeting in meetings:
        without[meeting.cell_id].append(meeting)
    rows = []
    for cell in cells:
        row = CellActions(cell, resolutions_without_items=without[cell.pk])
        found = counts.get(cell.pk)
        if found is not None:
            row.open, row.overdue = found["open"], found["overdue"]
            row.completion = Completion(
                found["due"], found["done"], found["done_on_time"], found["still_open"]
            )
        rows.append(row)
    return CommuneActions(first, rows)
