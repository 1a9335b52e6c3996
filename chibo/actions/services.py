"""Writes of action items, their reviews, and households (issue 5; decision 0012).

Each service is atomic, re-reads the row it changes under a lock, and writes one audit entry.
Rules (DOMAIN.md "Responsibility and evaluation"):

- An item belongs to a cell and comes from a meeting's resolution (a held meeting of the cell),
  the commune's guidance, or a document from above (its local implementation plan). Its owners
  are on the cell's roll when they are given it. It is due on or after the day it is created.
- How an item goes is appended as reviews, never changed: at a held meeting of the cell (done,
  in progress, not done, withdrawn) or by an owner before it (in progress, or "done" for the
  meeting to confirm). A closed item (done or withdrawn) takes no more changes or reviews.
- A member follows households with dates and logs contacts with those they follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.actions.models import (
    CLOSED,
    REPORTABLE,
    ActionItem,
    ActionOwner,
    ActionReview,
    ContactCategory,
    Household,
    HouseholdAssignment,
    HouseholdContact,
    Origin,
    ReviewOutcome,
    status_after,
)
from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import name_sort_key, nfc
from chibo.meetings.guards import fail
from chibo.meetings.models import Meeting
from chibo.meetings.selectors import HELD_STATUSES, meeting_date, roll_standings
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit
from chibo.reports import rollup

__all__ = [
    "HouseholdData",
    "ItemData",
    "action_item_for_document",
    "action_item_from_guidance",
    "action_item_from_resolution",
    "action_item_update",
    "action_progress_report",
    "action_review_add",
    "household_assign",
    "household_assignment_end",
    "household_contact_log",
    "household_create",
    "household_deactivate",
    "household_update",
]


def _check_cell(cell: OrgUnit) -> None:
    if cell.kind not in MEMBER_UNIT_KINDS:
        raise fail(_("Action items and households belong to a party cell."), "not_a_cell", "cell")


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Action items ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemData:
    """What the secretary (or the commune) writes for an item."""

    title: str
    due_date: dt.date
    owners: tuple[Member, ...] = ()
    details: str = ""
    document_reference: str = ""
    document_date: dt.date | None = None


_ITEM_AUDITED = (
    "origin", "title", "details", "source_meeting", "document_reference", "document_date",
    "due_date",
)  # fmt: skip


def _clean(data: ItemData, created_on: dt.date) -> ItemData:
    title = nfc(data.title).strip()
    if not title:
        raise fail(_("Write what is to be done."), "no_title", "title")
    if len(title) > 300:
        raise fail(
            _("A title has at most 300 characters: put the rest in the details."),
            "too_long",
            "title",
        )
    if data.due_date < created_on:
        raise fail(
            _("The due date (%(due)s) cannot be before the day the item was created (%(day)s).")
            % {"due": f"{data.due_date:%d/%m/%Y}", "day": f"{created_on:%d/%m/%Y}"},
            "due_before_created",
            "due_date",
        )
    if data.document_date is not None and data.document_date > timezone.localdate():
        raise fail(
            _("The document from above cannot be dated in the future."),
            "document_in_future",
            "document_date",
        )
    if len({m.pk for m in data.owners}) != len(data.owners):
        raise fail(_("A member is named twice among the owners."), "duplicate_owner", "owners")
    return ItemData(
        title=title,
        due_date=data.due_date,
        owners=data.owners,
        details=nfc(data.details).strip(),
        document_reference=nfc(data.document_reference).strip()[:100],
        document_date=data.document_date,
    )


def _check_on_roll(cell_id: int, members: Sequence[Member], day: dt.date, field: str) -> None:
    """Every one of ``members`` is on the cell's roll on ``day`` (one or two queries)."""
    if not members:
        return
    roll = {s.member_id for s in roll_standings(cell_id, day)}
    for member in members:
        if member.pk not in roll:
            raise fail(
                _("%(name)s is not on this cell's roll on %(day)s.")
                % {"name": member.full_name, "day": f"{day:%d/%m/%Y}"},
                "not_on_roll",
                field,
            )


def _held_meeting(meeting: Meeting, cell_id: int | None = None) -> Meeting:
    """The meeting row, if it was held (its minutes may be locked) and, with ``cell_id``, is
    that cell's meeting."""
    fresh = Meeting._base_manager.select_related("cell").get(pk=meeting.pk)
    if cell_id is not None and fresh.cell_id != cell_id:
        raise fail(_("That meeting is another cell's."), "wrong_cell", "meeting")
    if fresh.status not in HELD_STATUSES:
        raise fail(
            _("Only a meeting that was held can decide or review action items."),
            "meeting_not_held",
            "meeting",
        )
    return fresh


def _create(
    *,
    actor: Any,
    cell: OrgUnit,
    origin: str,
    data: ItemData,
    meeting: Meeting | None,
) -> ActionItem:
    _check_cell(cell)
    today = timezone.localdate()
    data = _clean(data, today)
    if origin == Origin.DOCUMENT and not data.document_reference:
        raise fail(
            _("Give the number of the document from above."),
            "no_document",
            "document_reference",
        )
    if origin != Origin.GUIDANCE and not data.owners:
        raise fail(_("Name at least one member who will do it."), "owner_required", "owners")
    _check_on_roll(cell.pk, data.owners, today, "owners")
    item = ActionItem(
        cell=cell,
        origin=origin,
        title=data.title,
        details=data.details,
        source_meeting=meeting,
        document_reference=data.document_reference,
        document_date=data.document_date,
        due_date=data.due_date,
        created_by=_actor_user(actor),
    )
    item.full_clean()
    item.save()
    ActionOwner.objects.bulk_create(
        ActionOwner(item=item, member=member, start_date=today) for member in data.owners
    )
    changes = diff({}, snapshot(item, _ITEM_AUDITED))
    changes["owners"] = [None, [m.pk for m in data.owners]]
    audit_record(actor=actor, action="action_item.created", obj=item, unit=cell, changes=changes)
    rollup.item_changed(item)
    return item


@transaction.atomic
def action_item_from_resolution(*, actor: Any, meeting: Meeting, data: ItemData) -> ActionItem:
    """A task of the meeting's resolution, for the meeting's cell: while the minutes are
    written (the meeting held) or after they are locked. Owners are required and must be on
    the cell's roll; a document from above may be named when the task implements one."""
    meeting = _held_meeting(meeting)
    return _create(
        actor=actor, cell=meeting.cell, origin=Origin.RESOLUTION, data=data, meeting=meeting
    )


@transaction.atomic
def action_item_from_guidance(*, actor: Any, cell: OrgUnit, data: ItemData) -> ActionItem:
    """A task the commune's guidance gives the cell. It may start with no owner: the cell
    assigns it (and until then it is listed as needing an owner)."""
    return _create(actor=actor, cell=cell, origin=Origin.GUIDANCE, data=data, meeting=None)


@transaction.atomic
def action_item_for_document(
    *, actor: Any, cell: OrgUnit, data: ItemData, meeting: Meeting | None = None
) -> ActionItem:
    """A step of the cell's local plan for a document from above (its number is required),
    optionally decided at ``meeting`` (the study session), a held meeting of the cell."""
    if meeting is not None:
        meeting = _held_meeting(meeting, cell.pk)
    return _create(actor=actor, cell=cell, origin=Origin.DOCUMENT, data=data, meeting=meeting)


def _open_item(item: ActionItem) -> ActionItem:
    """The item row, locked for this transaction, if it may still change; else refuse."""
    rows = ActionItem._base_manager.select_related("cell").select_for_update(of=("self",))
    fresh = rows.get(pk=item.pk)
    if fresh.status in CLOSED:
        raise fail(
            _("This item is closed (%(status)s): it does not change any more.")
            % {"status": fresh.get_status_display()},
            "closed",
        )
    return fresh


def _current_owners(item: ActionItem) -> list[ActionOwner]:
    return list(ActionOwner._base_manager.filter(item=item, end_date__isnull=True).order_by("id"))


@transaction.atomic
def action_item_update(*, actor: Any, item: ActionItem, data: ItemData) -> ActionItem:
    """Change the title, details, due date, document or owners of an open item (refused once it
    is closed: code ``closed``). An owner taken off keeps their dated share of the history; a
    new owner must be on the cell's roll today."""
    item = _open_item(item)
    today = timezone.localdate()
    data = _clean(data, timezone.localdate(item.created_at))
    if item.origin == Origin.DOCUMENT and not data.document_reference:
        raise fail(
            _("Give the number of the document from above."),
            "no_document",
            "document_reference",
        )
    current = _current_owners(item)
    current_ids = [o.member_id for o in current]
    wanted_ids = [m.pk for m in data.owners]
    if item.origin != Origin.GUIDANCE and not wanted_ids:
        raise fail(_("Name at least one member who will do it."), "owner_required", "owners")
    added = [m for m in data.owners if m.pk not in current_ids]
    _check_on_roll(item.cell_id, added, today, "owners")
    before = snapshot(item, _ITEM_AUDITED)
    due_before = item.due_date
    item.title, item.details, item.due_date = data.title, data.details, data.due_date
    item.document_reference, item.document_date = data.document_reference, data.document_date
    item.full_clean(exclude=["created_by", "cell", "source_meeting"])
    changes = diff(before, snapshot(item, _ITEM_AUDITED))
    if changes:
        item.save(
            update_fields=[
                "title",
                "details",
                "due_date",
                "document_reference",
                "document_date",
                "updated_at",
            ]
        )
    removed = [o for o in current if o.member_id not in wanted_ids]
    for ownership in removed:
        # Given and taken the same day: the end cannot precede the start.
        ownership.end_date = max(today, ownership.start_date)
        ownership.save(update_fields=["end_date"])
    ActionOwner.objects.bulk_create(
        ActionOwner(item=item, member=member, start_date=today) for member in added
    )
    if removed or added:
        kept = [pk for pk in current_ids if pk in wanted_ids]
        changes["owners"] = [current_ids, kept + [m.pk for m in added]]
    if changes:
        audit_record(
            actor=actor, action="action_item.changed", obj=item, unit=item.cell, changes=changes
        )
        rollup.item_changed(item, due_before)
    return item


def _append(
    *,
    actor: Any,
    item: ActionItem,
    outcome: str,
    note: str,
    day: dt.date,
    meeting: Meeting | None,
    reported_by: Member | None,
) -> ActionReview:
    """Append the review and write the item's status from it (the latest review)."""
    review = ActionReview(
        item=item,
        meeting=meeting,
        date=day,
        outcome=outcome,
        note=note,
        reported_by=reported_by,
        recorded_by=_actor_user(actor),
    )
    review.full_clean()
    review.save()
    before = item.status
    item.status = status_after(outcome, at_meeting=meeting is not None)
    item.closed_on = day if item.status in CLOSED else None
    item.save(update_fields=["status", "closed_on", "updated_at"])
    audit_record(
        actor=actor,
        action="action_item.reviewed",
        obj=item,
        unit=item.cell,
        member=reported_by,
        changes={
            "status": [before, item.status],
            "outcome": [None, outcome],
            "note": [None, note],
            "meeting": [None, meeting.pk if meeting else None],
        },
    )
    rollup.item_changed(item)
    return review


def _note(note: str, outcome: str) -> str:
    note = nfc(note).strip()
    if not note and outcome in {ReviewOutcome.NOT_DONE, ReviewOutcome.DROPPED}:
        raise fail(
            _("Say why: a task not done or withdrawn needs a note."), "note_required", "note"
        )
    return note


def _check_owner(item: ActionItem, member: Member) -> None:
    if not ActionOwner._base_manager.filter(
        item=item, member=member, end_date__isnull=True
    ).exists():
        raise fail(
            _("%(name)s is not an owner of this item.") % {"name": member.full_name},
            "not_owner",
            "reported_by",
        )


@transaction.atomic
def action_review_add(
    *,
    actor: Any,
    item: ActionItem,
    meeting: Meeting,
    outcome: str,
    note: str = "",
    reported_by: Member | None = None,
) -> ActionReview:
    """Record how the item stands at ``meeting`` (a held meeting of the item's cell, later
    than the one that decided it): done, in progress, not done (with a note), or withdrawn
    (with a note). Appended; the latest review is the item's status. ``reported_by``, when
    given, is the owner who reported at the meeting."""
    item = _open_item(item)
    meeting = _held_meeting(meeting, item.cell_id)
    if outcome not in ReviewOutcome.values:
        raise fail(_("Choose how the task stands."), "invalid_outcome", "outcome")
    if meeting.pk == item.source_meeting_id:
        raise fail(
            _("An item is reviewed at a later meeting than the one that decided it."),
            "same_meeting",
            "meeting",
        )
    day = meeting_date(meeting)
    if day < timezone.localdate(item.created_at):
        raise fail(
            _("That meeting was held before the item was created."),
            "meeting_before_item",
            "meeting",
        )
    if reported_by is not None:
        _check_owner(item, reported_by)
    return _append(
        actor=actor,
        item=item,
        outcome=outcome,
        note=_note(note, outcome),
        day=day,
        meeting=meeting,
        reported_by=reported_by,
    )


@transaction.atomic
def action_progress_report(
    *, actor: Any, item: ActionItem, member: Member, outcome: str, note: str
) -> ActionReview:
    """An owner reports on their own item before the meeting: in progress, or done (which the
    meeting confirms: the item is then "reported done", still open). A note is required."""
    item = _open_item(item)
    if outcome not in REPORTABLE:
        raise fail(
            _("Before the meeting a member reports a task in progress or done."),
            "outcome_not_allowed",
            "outcome",
        )
    _check_owner(item, member)
    note = nfc(note).strip()
    if not note:
        raise fail(_("Say what was done."), "note_required", "note")
    return _append(
        actor=actor,
        item=item,
        outcome=outcome,
        note=note,
        day=timezone.localdate(),
        meeting=None,
        reported_by=member,
    )


# --- Households ------------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseholdData:
    head_name: str
    hamlet: str = ""
    address: str = ""
    notes: str = ""


_HOUSEHOLD_AUDITED = ("head_name", "hamlet", "address", "notes", "active")


def _fill(household: Household, data: HouseholdData) -> None:
    head = nfc(data.head_name).strip()
    if not head:
        raise fail(_("Write the name of the head of the household."), "no_name", "head_name")
    household.head_name, household.sort_key = head, name_sort_key(head)
    household.hamlet, household.address = nfc(data.hamlet).strip(), nfc(data.address).strip()
    household.notes = nfc(data.notes).strip()
    household.full_clean()


@transaction.atomic
def household_create(*, actor: Any, cell: OrgUnit, data: HouseholdData) -> Household:
    _check_cell(cell)
    household = Household(cell=cell)
    _fill(household, data)
    household.save()
    audit_record(
        actor=actor,
        action="household.created",
        obj=household,
        unit=cell,
        changes=diff({}, snapshot(household, _HOUSEHOLD_AUDITED)),
    )
    return household


def _household_fresh(household: Household) -> Household:
    rows = Household._base_manager.select_related("cell").select_for_update(of=("self",))
    return rows.get(pk=household.pk)


@transaction.atomic
def household_update(*, actor: Any, household: Household, data: HouseholdData) -> Household:
    household = _household_fresh(household)
    before = snapshot(household, _HOUSEHOLD_AUDITED)
    _fill(household, data)
    changes = diff(before, snapshot(household, _HOUSEHOLD_AUDITED))
    if changes:
        household.save(
            update_fields=["head_name", "sort_key", "hamlet", "address", "notes", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="household.changed",
            obj=household,
            unit=household.cell,
            changes=changes,
        )
    return household


@transaction.atomic
def household_deactivate(*, actor: Any, household: Household, day: dt.date) -> Household:
    """The household is no longer followed (moved away, merged): its open assignments end on
    ``day`` (the day before an assignment started is refused)."""
    household = _household_fresh(household)
    if not household.active:
        return household
    open_ = list(HouseholdAssignment._base_manager.filter(household=household, end_date=None))
    if any(a.start_date > day for a in open_):
        raise fail(
            _("An assignment of this household starts after that day."),
            "end_before_start",
            "day",
        )
    HouseholdAssignment._base_manager.filter(pk__in=[a.pk for a in open_]).update(end_date=day)
    household.active = False
    household.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action="household.deactivated",
        obj=household,
        unit=household.cell,
        changes={"active": [True, False], "assignments_ended": [None, [a.pk for a in open_]]},
    )
    return household


@transaction.atomic
def household_assign(
    *, actor: Any, household: Household, member: Member, start_date: dt.date
) -> HouseholdAssignment:
    """``member`` follows ``household`` from ``start_date``; they must be on the cell's roll
    that day, and not follow it already."""
    household = _household_fresh(household)
    if not household.active:
        raise fail(_("This household is no longer followed."), "inactive")
    _check_on_roll(household.cell_id, [member], start_date, "member")
    if HouseholdAssignment._base_manager.filter(
        household=household, member=member, end_date=None
    ).exists():
        raise fail(
            _("%(name)s already follows this household.") % {"name": member.full_name},
            "already_assigned",
        )
    assignment = HouseholdAssignment(household=household, member=member, start_date=start_date)
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action="household.assigned",
        obj=household,
        unit=household.cell,
        member=member,
        changes={"member": [None, member.pk], "start_date": [None, start_date.isoformat()]},
    )
    return assignment


@transaction.atomic
def household_assignment_end(
    *, actor: Any, assignment: HouseholdAssignment, end_date: dt.date
) -> HouseholdAssignment:
    rows = HouseholdAssignment._base_manager.select_related("household__cell", "member")
    assignment = rows.select_for_update(of=("self",)).get(pk=assignment.pk)
    if assignment.end_date is not None:
        raise fail(_("This assignment has already ended."), "already_ended")
    if end_date < assignment.start_date:
        raise fail(
            _("The end date cannot be before the start date."), "end_before_start", "end_date"
        )
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    audit_record(
        actor=actor,
        action="household.assignment_ended",
        obj=assignment.household,
        unit=assignment.household.cell,
        member=assignment.member,
        changes={"end_date": [None, end_date.isoformat()]},
    )
    return assignment


@transaction.atomic
def household_contact_log(
    *,
    actor: Any,
    household: Household,
    member: Member,
    day: dt.date,
    category: str,
    note: str,
) -> HouseholdContact:
    """The member met the household on ``day`` (not in the future, while they followed it) and
    notes what the people raised, under one category."""
    if day > timezone.localdate():
        raise fail(_("A contact cannot be in the future."), "future", "date")
    if category not in ContactCategory.values:
        raise fail(_("Choose a category."), "invalid_category", "category")
    following = (
        HouseholdAssignment._base_manager.filter(
            household_id=household.pk, member=member, start_date__lte=day
        )
        .exclude(end_date__lt=day)
        .exists()
    )
    if not following:
        raise fail(
            _("%(name)s did not follow this household on that day.") % {"name": member.full_name},
            "not_assigned",
        )
    note = nfc(note).strip()
    if not note:
        raise fail(_("Write a short note of what was raised."), "note_required", "note")
    contact = HouseholdContact(
        household_id=household.pk, member=member, date=day, category=category, note=note
    )
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor,
        action="household.contact_logged",
        obj=contact,
        unit=household.cell,
        member=member,
        changes={"date": [None, day.isoformat()], "category": [None, category]},
    )
    return contact
