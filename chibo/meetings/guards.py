"""Shared checks of the meeting services: the error shape, the cell, the meeting still open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record
from chibo.meetings.models import Meeting, MeetingStatus
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.orgunits.models import OrgUnit


def fail(message: str, code: str, field: str | None = None) -> ValidationError:
    """A ValidationError whose ``code`` is readable even when it names a field."""
    if field is None:
        return ValidationError(message, code=code)
    error = ValidationError({field: ValidationError(message, code=code)})
    error.code = code
    return error


def check_cell(cell: OrgUnit) -> None:
    if cell.kind not in MEMBER_UNIT_KINDS:
        raise fail(_("Meetings are held by a party cell."), "not_a_cell", "cell")


def open_meeting(meeting: Meeting) -> Meeting:
    """The meeting row, locked for this transaction, if it may still change; else refuse."""
    rows = Meeting._base_manager.select_related("cell").select_for_update(of=("self",))
    fresh = rows.get(pk=meeting.pk)
    if fresh.status == MeetingStatus.LOCKED:
        raise fail(
            _(
                "The minutes of this meeting are locked: they can only be corrected by a dated "
                "amendment."
            ),
            "locked",
        )
    if fresh.status == MeetingStatus.CANCELLED:
        raise fail(_("This meeting was cancelled."), "cancelled")
    return fresh


def audit_meeting(
    actor: Any,
    action: str,
    meeting: Meeting,
    changes: dict[str, Any],
    *,
    since: dt.date | None = None,
) -> None:
    """Record the change in the audit trail and in the reports' rollup, in the caller's
    transaction: every change of a meeting, its roll, agenda or minutes passes here.
    ``since``: the month the meeting had before the change, if it moved."""
    from chibo.reports import rollup  # the rollup reads the meetings' modules

    audit_record(actor=actor, action=action, obj=meeting, unit=meeting.cell, changes=changes)
    rollup.meeting_changed(meeting, since)
