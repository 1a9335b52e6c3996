"""Deadlines of member lifecycles shown on the home page of those who keep the records.

For the units where the user has ``Cap.MEMBER_CHANGE`` (a secretary: the cell; the commune: all
its cells), DOMAIN.md "Members":

- probation ending within 30 days, or over with no recognition recorded (overdue);
- the admission ceremony, due within 30 working days of the admission decision;
- an official transfer sent and not received within 60 working days (the sending side);
- a member sent here and not received within 30 working days (the receiving side).

A constant number of queries whatever the number of cells: the probationary members, the
transfers out, the transfers in (see selectors_lifecycle for why that one is unscoped) and the
holidays of the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.core.workdays import WorkCalendar
from chibo.members.lifecycle import PROBATION_MONTHS, add_months
from chibo.members.models import Member, MemberStatus
from chibo.members.selectors_lifecycle import incoming_transfers, outgoing_transfers
from chibo.orgunits.models import OrgUnit

PROBATION_WARNING_DAYS = 30  # calendar days before the end of probation
CEREMONY_DAYS = 30  # working days after the admission decision
TRANSFER_DAYS = 60  # working days for an official transfer to be completed
RECEIVE_DAYS = 30  # working days for the member to report to the new cell
LIMIT = 50

RECOGNITION_SOON = "recognition_soon"
RECOGNITION_OVERDUE = "recognition_overdue"
CEREMONY = "ceremony"
TRANSFER_OUT = "transfer_out"
TRANSFER_IN = "transfer_in"
TITLES: dict[str, Any] = {
    RECOGNITION_SOON: _("Probation ends: consider the recognition"),
    RECOGNITION_OVERDUE: _("Probation is over: recognition not recorded"),
    CEREMONY: _("Admission ceremony (30 working days after the decision)"),
    TRANSFER_OUT: _("Transfer sent, not yet received"),
    TRANSFER_IN: _("Transfer to receive"),
}


@dataclass(frozen=True)
class Deadline:
    kind: str
    name: str
    url: str
    due: dt.date
    late: bool
    unit_name: str
    other_unit: str = ""  # for transfers: where the member goes or comes from

    @property
    def title(self) -> Any:
        return TITLES[self.kind]


class Deadlines(list[Deadline]):
    """The deadlines, soonest first; ``more`` were left out beyond LIMIT; ``transfer_units``
    are the user's units whose transfer page the card links to."""

    def __init__(
        self,
        items: list[Deadline] | None = None,
        *,
        more: int = 0,
        transfer_units: list[OrgUnit] | None = None,
    ) -> None:
        super().__init__(items or [])
        self.more = more
        self.transfer_units = transfer_units or []


def deadlines_for(*, access: Access, today: dt.date | None = None) -> Deadlines:
    scope = access.scope_for(Cap.MEMBER_CHANGE)
    if not scope.paths:
        return Deadlines()
    today = today or timezone.localdate()
    soon = add_months(today + dt.timedelta(days=PROBATION_WARNING_DAYS), -PROBATION_MONTHS)
    probationary = list(
        Member.objects.filter(cell__path__within=scope, status=MemberStatus.PROBATIONARY)
        .filter(
            Q(ceremony_date__isnull=True, admission_date__isnull=False)
            | Q(ceremony_date__lte=soon + dt.timedelta(days=3))
        )
        .select_related("cell")
    )
    sent = list(outgoing_transfers(within=scope).filter(temporary=False))
    coming = list(incoming_transfers(within=scope).filter(temporary=False))
    starts = [m.admission_date for m in probationary if m.admission_date]
    starts += [e.date for e in sent + coming]
    calendar = WorkCalendar.load(min(starts, default=today), today + dt.timedelta(days=400))

    items: list[Deadline] = []
    for member in probationary:
        items += _probation(member, today, calendar)
    for event in sent:
        due = _add(calendar, event.date, TRANSFER_DAYS)
        items.append(
            Deadline(
                TRANSFER_OUT,
                event.member.full_name,
                event.member.get_absolute_url(),
                due,
                due < today,
                event.cell.name,
                event.other_cell.name if event.other_cell else "",
            )
        )
    for event in coming:
        due = _add(calendar, event.date, RECEIVE_DAYS)
        items.append(
            Deadline(
                TRANSFER_IN,
                event.member.full_name,
                reverse("members:transfer_receive", args=[event.pk]),
                due,
                due < today,
                event.other_cell.name if event.other_cell else "",
                event.cell.name,
            )
        )
    items.sort(key=lambda d: (d.due, d.name))
    units: list[OrgUnit] = []
    if sent or coming:
        units = list(OrgUnit.objects.filter(path__in=scope.paths).order_by("sort_key"))
    return Deadlines(items[:LIMIT], more=max(0, len(items) - LIMIT), transfer_units=units)


def _add(calendar: WorkCalendar, start: dt.date, days: int) -> dt.date:
    try:
        return calendar.add(start, days)
    except ValueError:  # a start long ago: past the calendar's range only if it is later
        return start + dt.timedelta(days=days * 7 // 5)


def _probation(member: Member, today: dt.date, calendar: WorkCalendar) -> list[Deadline]:
    url = member.get_absolute_url()
    if member.ceremony_date is None:
        assert member.admission_date is not None
        due = _add(calendar, member.admission_date, CEREMONY_DAYS)
        return [Deadline(CEREMONY, member.full_name, url, due, due < today, member.cell.name)]
    ends = add_months(member.ceremony_date, PROBATION_MONTHS)
    if ends < today:
        return [Deadline(RECOGNITION_OVERDUE, member.full_name, url, ends, True, member.cell.name)]
    if ends <= today + dt.timedelta(days=PROBATION_WARNING_DAYS):
        return [Deadline(RECOGNITION_SOON, member.full_name, url, ends, False, member.cell.name)]
    return []
