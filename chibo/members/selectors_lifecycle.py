"""Reads for member events and transfers between cells.

A member sent to another cell stays in the old cell (``member.cell``) until the new cell
receives them, so the receiving side cannot see them through the scoped ``Member`` manager.
``incoming_transfers`` therefore reads transfer events **unscoped**, but only those whose
destination (``other_cell``) lies under a unit the caller has checked the user may change
(``Cap.MEMBER_CHANGE``), and the receiving side gets only a limited view of the person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.core.scoping import UnitScope
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from chibo.orgunits.models import OrgUnit


def member_event_list(*, member: Member) -> list[MemberEvent]:
    """The member's events, voided ones included, oldest first.

    Unscoped: whether the user may see this member was decided by ``member_get``; the events
    are that one person's (they move with the record when it changes cell).
    """
    events = MemberEvent._base_manager.filter(member=member)
    return list(events.select_related("cell", "other_cell").order_by("date", "id"))


def pending_transfer(*, member: Member, events: list[MemberEvent]) -> MemberEvent | None:
    """The official transfer out that waits for the new cell, or the temporary one under way."""
    live = [e for e in events if e.voided_at is None]
    if member.status == MemberStatus.TRANSFERRED_OUT:
        sent = [e for e in live if e.kind == EventKind.TRANSFER_OUT and not e.temporary]
        return sent[-1] if sent else None
    if member.temporary_cell_id is not None:
        away = [e for e in live if e.kind == EventKind.TRANSFER_OUT and e.temporary]
        return away[-1] if away else None
    return None


@dataclass(frozen=True)
class Lifecycle:
    """What the member page shows of the member's party life."""

    events: list[MemberEvent]
    pending: MemberEvent | None
    can_change: bool


def member_lifecycle(*, access: Access, member: Member) -> Lifecycle:
    """The events (two queries: events with their cells) and the transfer under way."""
    events = member_event_list(member=member)
    return Lifecycle(
        events=events,
        pending=pending_transfer(member=member, events=events),
        can_change=access.can(Cap.MEMBER_CHANGE, member.cell),
    )


def event_get(*, access: Access, pk: object, capability: str = Cap.MEMBER_CHANGE) -> MemberEvent:
    """An event of a member the user may change (in scope), or 404."""
    try:
        event_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    event = (
        MemberEvent.objects.select_related("member__cell", "other_cell").filter(pk=event_id).first()
    )
    if event is None or not access.can(capability, event.member.cell):
        raise Http404
    return event


def destination_by_code(code: str) -> OrgUnit | None:
    """The party cell with this exact code, in scope or not (a transfer may leave the commune).

    Unscoped on purpose: the sender types the code they were given; only the unit's name is
    shown back, and no list of foreign units is ever offered.
    """
    code = code.strip()
    if not code:
        return None
    units = OrgUnit._base_manager.filter(code__iexact=code, kind__in=MEMBER_UNIT_KINDS)
    return units.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())).first()


def _superseded() -> Exists:
    """A later live transfer event of the same kind of stay (official / temporary)."""
    later = MemberEvent._base_manager.filter(
        member=OuterRef("member"),
        voided_at__isnull=True,
        kind__in=[EventKind.TRANSFER_OUT, EventKind.TRANSFER_IN],
        temporary=OuterRef("temporary"),
    ).filter(Q(date__gt=OuterRef("date")) | Q(date=OuterRef("date"), pk__gt=OuterRef("pk")))
    return Exists(later)


def _pending_transfers() -> QuerySet[MemberEvent]:
    """Live transfers out not followed by a transfer in (nor a later transfer out).

    Official: the member is still "transferred out"; temporary: still away in that cell.
    Unscoped: callers bound it by the destination (see the module docstring).
    """
    official = Q(temporary=False, member__status=MemberStatus.TRANSFERRED_OUT)
    temporary = Q(temporary=True, member__temporary_cell=F("other_cell"))
    return (
        MemberEvent._base_manager.filter(kind=EventKind.TRANSFER_OUT, voided_at__isnull=True)
        .filter(official | temporary)
        .exclude(_superseded())
    )


def incoming_transfers(*, within: UnitScope) -> QuerySet[MemberEvent]:
    """Transfers on their way into the units of ``within``: the scope of the user's
    ``Cap.MEMBER_CHANGE`` (or one unit of it). The only rows read are those whose destination
    lies inside, so nothing of another commune is read unless it is sent here."""
    return (
        _pending_transfers()
        .filter(other_cell__path__within=within)
        .select_related("member", "cell", "other_cell")
        .order_by("date", "id")
    )


def outgoing_transfers(*, within: UnitScope) -> QuerySet[MemberEvent]:
    """Transfers sent from the members of ``within`` and not received yet."""
    return (
        _pending_transfers()
        .filter(member__cell__path__within=within)
        .select_related("member", "cell", "other_cell")
        .order_by("date", "id")
    )


def incoming_get(*, access: Access, pk: object) -> MemberEvent:
    """A pending transfer into a cell the user may change, or 404 (also for the sender)."""
    try:
        event_id = int(str(pk))
    except (TypeError, ValueError):
        raise Http404 from None
    event = _pending_transfers().select_related("member", "cell", "other_cell")
    found = event.filter(pk=event_id).first()
    if found is None or found.other_cell is None:
        raise Http404
    access.require(Cap.MEMBER_CHANGE, found.other_cell)
    return found
