"""A member's party life as dated events; status and key dates are derived from them.

Rules (DOMAIN.md "Members"; Party Charter, Regulation 24-QĐ/TW): admission age from full 18 to
full 60 years counted by month (over 60 needs the higher level's approval); the ceremony comes
after the admission decision; recognition not before 12 months after the ceremony; a transfer in
follows a transfer out (official: into the cell it was sent to; temporary: the return); nothing
follows removal, expulsion, resignation or death; party age counts from the admission decision
once the member is recognised. Events are appended in date order and never edited: a wrong event
is voided with a reason, and the derived fields are computed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.bulk import concrete_field, insert_values
from chibo.core.vietnamese import nfc
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from chibo.members.name_index import name_index_refresh
from chibo.orgunits.models import OrgUnit, UnitKind

ACTIVE = {MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL}
TERMINAL = {
    MemberStatus.REMOVED,
    MemberStatus.EXPELLED,
    MemberStatus.RESIGNED,
    MemberStatus.DECEASED,
}
_ENDINGS = {
    EventKind.REMOVAL: MemberStatus.REMOVED,
    EventKind.EXPULSION: MemberStatus.EXPELLED,
    EventKind.RESIGNATION: MemberStatus.RESIGNED,
    EventKind.DEATH: MemberStatus.DECEASED,
}
MIN_ADMISSION_AGE = 18
MAX_ADMISSION_AGE = 60
PROBATION_MONTHS = 12
# Units a member can belong to (a transfer goes to one of them).
MEMBER_UNIT_KINDS = (UnitKind.CELL, UnitKind.PARTY_GROUP, UnitKind.GRASSROOTS)


@dataclass(frozen=True)
class EventData:
    kind: str
    date: dt.date
    decision_number: str = ""
    decision_date: dt.date | None = None
    deciding_body: str = ""
    other_cell: OrgUnit | None = None
    temporary: bool = False
    until: dt.date | None = None
    reason: str = ""
    introducers: str = ""
    higher_approval: str = ""


@dataclass(frozen=True)
class Derived:
    """What the events say about a member on a given day."""

    status: str | None = None
    admission_date: dt.date | None = None
    ceremony_date: dt.date | None = None
    recognition_date: dt.date | None = None
    exempt_from: dt.date | None = None
    exempt_until: dt.date | None = None
    cell_id: int | None = None
    temporary_cell_id: int | None = None
    pending_transfer_to: int | None = None  # official transfer sent, not yet received
    before_transfer: str | None = None
    suspended_until: dt.date | None = None
    before_suspension: str | None = None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when it does not exist)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years from ``birth`` to ``day`` (someone born on 29 February is a year older on
    1 March in a common year)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_in_months(birth: dt.date, day: dt.date) -> int:
    """Age "counted by month" (tính theo tháng), as the admission rule counts it: whole calendar
    months between the month of birth and the month of ``day``; the day of the month is ignored."""
    return (day.year - birth.year) * 12 + day.month - birth.month


def party_age(member: Member, today: dt.date | None = None) -> int | None:
    """Whole years since the admission decision, for a member recognised as official (Charter
    Art. 5: party age counts from the admission decision once recognised); None otherwise."""
    if member.admission_date is None or member.recognition_date is None:
        return None
    return age_on(member.admission_date, today or timezone.localdate())


def derive(events: Iterable[AnyEvent], *, today: dt.date) -> Derived:
    """Fold the non-voided events, in date order, into the member's state on ``today``."""
    state = Derived()
    for event in sorted(events, key=lambda e: (e.date, e.pk or 0)):
        if event.voided_at is not None or event.date > today:
            continue
        state = _step(_expire(state, event.date), event)
    return _expire(state, today)


def _expire(state: Derived, day: dt.date) -> Derived:
    """A suspension with an end date is over after that date: the earlier status comes back."""
    if (
        state.status == MemberStatus.SUSPENDED
        and state.suspended_until is not None
        and state.suspended_until < day
    ):
        return replace(state, status=state.before_suspension, suspended_until=None)
    return state


def _step(state: Derived, event: AnyEvent) -> Derived:
    kind = event.kind
    if kind == EventKind.ADMISSION:
        return Derived(
            status=MemberStatus.PROBATIONARY,
            admission_date=event.decision_date or event.date,
            cell_id=event.cell_id,
        )
    if kind == EventKind.CEREMONY:
        return replace(state, ceremony_date=event.date)
    if kind == EventKind.RECOGNITION:
        return replace(state, status=MemberStatus.OFFICIAL, recognition_date=event.date)
    if kind == EventKind.TRANSFER_OUT and event.temporary:
        return replace(state, temporary_cell_id=event.other_cell_id)
    if kind == EventKind.TRANSFER_OUT:
        return replace(
            state,
            status=MemberStatus.TRANSFERRED_OUT,
            before_transfer=state.status,
            pending_transfer_to=event.other_cell_id,
        )
    if kind == EventKind.TRANSFER_IN and event.temporary:
        return replace(state, temporary_cell_id=None)
    if kind == EventKind.TRANSFER_IN:
        return replace(
            state,
            status=state.before_transfer,
            cell_id=event.cell_id,
            pending_transfer_to=None,
            before_transfer=None,
            temporary_cell_id=None,
        )
    if kind == EventKind.EXEMPTION:
        return replace(state, exempt_from=event.date, exempt_until=event.until)
    if kind == EventKind.SUSPENSION:
        return replace(
            state,
            status=MemberStatus.SUSPENDED,
            before_suspension=state.status,
            suspended_until=event.until,
        )
    # The end of membership also ends a transfer under way and a temporary stay elsewhere.
    return replace(
        state,
        status=_ENDINGS[EventKind(kind)],
        pending_transfer_to=None,
        before_transfer=None,
        temporary_cell_id=None,
        suspended_until=None,
    )


def _fail(message: str, code: str, field: str | None = None) -> ValidationError:
    """A ValidationError on ``field`` (or the whole event) whose ``code`` is readable on it even
    when it names a field (Django keeps the code of a dict-shaped error only per message)."""
    if field is None:
        return ValidationError(message, code=code)
    error = ValidationError({field: ValidationError(message, code=code)})
    error.code = code
    return error


def validate_event(
    member: Member, events: Sequence[AnyEvent], data: EventData, today: dt.date
) -> None:
    """Refuse an event that the rules or the member's history do not allow."""
    live = [e for e in events if e.voided_at is None]
    if data.date > today:
        raise _fail(_("An event cannot be in the future."), "future", "date")
    if live and data.date < max(e.date for e in live):
        raise _fail(
            _("Events are recorded in date order: this date is before the last event."),
            "out_of_order",
            "date",
        )
    if data.until is not None and data.until < data.date:
        raise _fail(_("The end date cannot be before the start date."), "until_before", "until")
    state = derive(live, today=data.date)
    kind = data.kind
    if kind == EventKind.ADMISSION:
        _check_admission(member, state, data)
        return
    if state.status is None:
        raise _fail(_("The first event of a record is the admission decision."), "no_admission")
    if state.status in TERMINAL:
        raise _fail(_("This person is no longer on the party list."), "terminal")
    _check_following(state, data)


def _check_admission(member: Member, state: Derived, data: EventData) -> None:
    if state.status is not None and state.status not in {
        MemberStatus.REMOVED,
        MemberStatus.RESIGNED,
    }:
        raise _fail(_("This member has already been admitted."), "already_admitted")
    if member.birth_date is None:
        raise _fail(_("Enter the date of birth before the admission."), "no_birth_date")
    # Regulation 24-QĐ/TW: "from full 18 to full 60 years of age (counted by month)".
    months = age_in_months(member.birth_date, data.decision_date or data.date)
    if months < MIN_ADMISSION_AGE * 12:
        raise _fail(_("A person is admitted from the age of 18."), "too_young", "date")
    if months > MAX_ADMISSION_AGE * 12 and not data.higher_approval.strip():
        raise _fail(
            _("Admitting a person over 60 needs the approval of the higher level: record it."),
            "needs_approval",
            "higher_approval",
        )


def _check_following(state: Derived, data: EventData) -> None:
    kind = data.kind
    if kind == EventKind.CEREMONY:
        if state.ceremony_date is not None:
            raise _fail(_("The admission ceremony is already recorded."), "duplicate")
        if state.admission_date and data.date < state.admission_date:
            raise _fail(
                _("The ceremony comes after the admission decision."), "ceremony_before", "date"
            )
    elif kind == EventKind.RECOGNITION:
        if state.status != MemberStatus.PROBATIONARY or state.ceremony_date is None:
            raise _fail(
                _("Recognition follows the admission ceremony of a probationary member."),
                "not_probationary",
            )
        earliest = add_months(state.ceremony_date, PROBATION_MONTHS)
        if data.date < earliest:
            raise _fail(
                _("Recognition comes at the earliest 12 months after the ceremony (%(d)s).")
                % {"d": earliest.strftime("%d/%m/%Y")},
                "probation_not_over",
                "date",
            )
    elif kind == EventKind.TRANSFER_OUT:
        _check_transfer_out(state, data)
    elif kind == EventKind.TRANSFER_IN:
        _check_transfer_in(state, data)
    elif kind in {EventKind.EXEMPTION, EventKind.SUSPENSION}:
        if state.status not in ACTIVE:
            raise _fail(_("Only an active member can be exempted or suspended."), "not_active")
        if kind == EventKind.EXEMPTION and not data.reason.strip():
            raise _fail(_("Give the reason of the exemption."), "no_reason", "reason")


def _check_transfer_out(state: Derived, data: EventData) -> None:
    if state.status not in ACTIVE:
        raise _fail(_("Only an active member can be transferred."), "not_active")
    if data.other_cell is None:
        raise _fail(_("Choose the cell the member goes to."), "no_cell", "other_cell")
    if data.other_cell.kind not in MEMBER_UNIT_KINDS:
        raise _fail(_("A member is transferred to a party cell."), "not_a_cell", "other_cell")
    if data.other_cell.pk in {state.cell_id, state.temporary_cell_id}:
        raise _fail(_("The member is already in that cell."), "same_cell", "other_cell")
    if data.temporary and state.temporary_cell_id is not None:
        raise _fail(_("The member is already away temporarily."), "already_away")


def _check_transfer_in(state: Derived, data: EventData) -> None:
    if data.temporary and state.temporary_cell_id is None:
        raise _fail(_("A return must follow a temporary transfer out."), "no_transfer_out")
    if not data.temporary and state.pending_transfer_to is None:
        raise _fail(_("A transfer in must follow a transfer out."), "no_transfer_out")
    if (
        not data.temporary
        and data.other_cell is not None
        and data.other_cell.pk != state.pending_transfer_to
    ):
        raise _fail(
            _("The member was sent to another cell: only that cell receives them."),
            "wrong_cell",
            "other_cell",
        )


def derived_columns(events: Iterable[AnyEvent], *, today: dt.date) -> dict[str, Any]:
    """The member columns that follow from ``events`` on ``today`` — what every writer stores
    (services, the demo generator and the Excel import), so the three cannot drift apart."""
    events = list(events)
    state = derive(events, today=today)
    live = [e for e in events if e.voided_at is None and e.date <= today]
    settled = live and not any(e.kind == EventKind.SUSPENSION for e in live)
    values: dict[str, Any] = {
        "status": state.status or MemberStatus.PROBATIONARY,
        "admission_date": state.admission_date,
        "ceremony_date": state.ceremony_date,
        "recognition_date": state.recognition_date,
        "exempt_from": state.exempt_from,
        "exempt_until": state.exempt_until,
        "temporary_cell_id": state.temporary_cell_id,
        # From the latest event on, these columns hold on every day (see Member.state_since).
        "state_since": max(e.date for e in live) if settled else None,
    }
    if state.cell_id is not None:
        values["cell_id"] = state.cell_id
    return values


def _refresh(member: Member, today: dt.date) -> list[str]:
    """Write the derived fields; returns the names that changed."""
    values = derived_columns(member_events(member), today=today)
    changed = [k for k, v in values.items() if getattr(member, k) != v]
    for key in changed:
        setattr(member, key, values[key])
    if changed:
        member.save(update_fields=[*changed, "updated_at"])
    if "cell_id" in changed:
        name_index_refresh([member])
    return changed


@dataclass(slots=True)
class EventRow:
    """A new event for a bulk writer (the Excel import, the demo seeder): no model instance
    per row, but the attributes ``validate_event``, ``derive`` and ``events_insert`` read."""

    kind: str
    date: dt.date
    cell_id: int
    decision_number: str = ""
    decision_date: dt.date | None = None
    deciding_body: str = ""
    other_cell_id: int | None = None
    temporary: bool = False
    until: dt.date | None = None
    reason: str = ""
    introducers: str = ""
    higher_approval: str = ""
    void_reason: str = ""
    member_id: int | None = None
    created_by_id: int | None = None
    pk: int | None = None
    voided_at: None = None


# What the rules read: a stored event or a bulk writer's row.
AnyEvent = MemberEvent | EventRow


def events_insert(events: Iterable[Any], *, batch: int = 5_000) -> int:
    """Insert new events in bulk (the demo seeder, the Excel import): ``EventRow``s or other
    objects with a ``MemberEvent``'s attributes (``member_id``, ``kind``, …), already
    validated. Three rows per member make ``bulk_create``'s per-value work most of a large
    import otherwise. ``created_by_id`` is optional (the seeder's rows have none)."""
    now = timezone.now()
    # The columns a bulk writer sets (all but the id and the voiding time).
    inserted = ("member", *_EVENT_FIELDS, "void_reason")
    attnames = [concrete_field(MemberEvent, name).attname for name in inserted]
    rows = (
        [*(getattr(e, a) for a in attnames), getattr(e, "created_by_id", None), now] for e in events
    )
    fields = [*inserted, "created_by", "created_at"]
    return insert_values(MemberEvent, fields, rows, batch=batch)


def member_events(member: Member) -> list[MemberEvent]:
    """All the member's events, voided ones included, oldest first (unscoped: one person)."""
    events = MemberEvent._base_manager.filter(member=member).select_related("other_cell")
    return list(events.order_by("date", "id"))


def member_refresh(*, member: Member, today: dt.date | None = None) -> Member:
    """Recompute the derived fields from the events (e.g. daily, when a suspension ends).

    Reads the stored row again: the derived fields are compared with what is saved, not with a
    possibly stale instance."""
    member = Member._base_manager.get(pk=member.pk)
    _refresh(member, today or timezone.localdate())
    return member


_EVENT_FIELDS = (
    "kind",
    "date",
    "decision_number",
    "decision_date",
    "deciding_body",
    "cell",
    "other_cell",
    "temporary",
    "until",
    "reason",
    "introducers",
    "higher_approval",
)


def _event_cells(
    member: Member, events: list[MemberEvent], data: EventData
) -> tuple[int, int | None]:
    """``(cell, other cell)`` of a new event: where the member is when it happens, and where
    they go or come from. An official transfer in happens in the cell the member was sent to,
    and comes from the cell they leave; the return from a temporary transfer comes from the
    temporary cell."""
    if data.kind != EventKind.TRANSFER_IN:
        return member.cell_id, data.other_cell.pk if data.other_cell else None
    state = derive([e for e in events if e.voided_at is None], today=data.date)
    if data.temporary:
        return member.cell_id, state.temporary_cell_id
    assert state.pending_transfer_to is not None  # checked by validate_event
    return state.pending_transfer_to, member.cell_id


@transaction.atomic
def member_event_add(*, actor: Any, member: Member, data: EventData) -> MemberEvent:
    """Validate ``data`` against the member's events, save it, refresh the derived fields."""
    today = timezone.localdate()
    # Lock the member row so two events for one person are validated one after the other.
    member = Member._base_manager.select_for_update().get(pk=member.pk)
    events = member_events(member)
    validate_event(member, events, data, today)
    cell_id, other_cell_id = _event_cells(member, events, data)
    event = MemberEvent(
        member=member,
        kind=data.kind,
        date=data.date,
        decision_number=nfc(data.decision_number),
        decision_date=data.decision_date,
        deciding_body=nfc(data.deciding_body),
        cell_id=cell_id,
        other_cell_id=other_cell_id,
        temporary=data.temporary,
        until=data.until,
        reason=nfc(data.reason),
        introducers=nfc(data.introducers),
        higher_approval=nfc(data.higher_approval),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event.full_clean()
    event.save()
    before = snapshot(member, ["status", "cell"])
    _refresh(member, today)
    audit_record(
        actor=actor,
        action=f"member.event.{data.kind}",
        obj=event,
        unit=event.cell,
        member=member,
        changes={
            **diff({}, snapshot(event, _EVENT_FIELDS)),
            **diff(before, snapshot(member, ["status", "cell"])),
        },
    )
    _rollup_changed(member, [*events, event], event.date)
    return event


@transaction.atomic
def member_event_void(*, actor: Any, event: MemberEvent, reason: str) -> MemberEvent:
    """Mark a wrongly recorded event as void (kept, shown struck through) and recompute."""
    if event.voided_at is not None:
        return event
    if not reason.strip():
        raise _fail(_("Give the reason for voiding the event."), "no_reason", "reason")
    member = Member._base_manager.select_for_update().get(pk=event.member_id)
    _check_void(member, member_events(member), event)
    event.voided_at = timezone.now()
    event.void_reason = nfc(reason)[:300]
    event.save(update_fields=["voided_at", "void_reason"])
    _refresh(member, timezone.localdate())
    audit_record(
        actor=actor,
        action="member.event.voided",
        obj=event,
        unit=event.cell,
        member=member,
        changes={"void_reason": [None, event.void_reason]},
    )
    _rollup_changed(member, member_events(member), event.date)
    return event


def _rollup_changed(member: Member, events: Iterable[AnyEvent], day: dt.date) -> None:
    """The reports' rollup of every cell the member's history touches, from ``day`` on."""
    from chibo.reports import rollup  # the rollup reads this module

    cells = {member.cell_id, member.temporary_cell_id}
    for event in events:
        cells |= {event.cell_id, event.other_cell_id}
    rollup.member_changed(cells, day)


def event_data(event: MemberEvent) -> EventData:
    """The data an event was recorded with (to check a history again)."""
    other_cell = event.other_cell
    if event.kind == EventKind.TRANSFER_IN and not event.temporary:
        other_cell = None  # stored: where the member came from; given: where they go
    return EventData(
        kind=event.kind,
        date=event.date,
        decision_number=event.decision_number,
        decision_date=event.decision_date,
        deciding_body=event.deciding_body,
        other_cell=other_cell,
        temporary=event.temporary,
        until=event.until,
        reason=event.reason,
        introducers=event.introducers,
        higher_approval=event.higher_approval,
    )


def _check_void(member: Member, events: list[MemberEvent], voided: MemberEvent) -> None:
    """Refuse to void an event that later events depend on (a ceremony after the admission, a
    transfer in after the transfer out): the rest of the history must still follow the rules.
    Events before the voided one are unchanged, so only the later ones are checked again."""
    live = [e for e in events if e.voided_at is None and e.pk != voided.pk]
    key = (voided.date, voided.pk)
    for i, later in enumerate(live):
        if (later.date, later.pk) < key:
            continue
        try:
            validate_event(member, live[:i], event_data(later), later.date)
        except ValidationError:
            raise _fail(
                _("Later events depend on this one (%(event)s of %(date)s): void them first.")
                % {"event": later.get_kind_display(), "date": later.date.strftime("%d/%m/%Y")},
                "later_events",
            ) from None
