"""Member events through the API: record one (the same rules and audit as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field, StringConstraints

from chibo.api.schemas import MAX_ID, ErrorOut, SafeStr
from chibo.core.roles import Cap
from chibo.members import selectors
from chibo.members.lifecycle import MEMBER_UNIT_KINDS, EventData, member_event_add
from chibo.members.models import EventKind, MemberEvent
from chibo.orgunits.models import OrgUnit

router = Router(tags=["members"])
KindParam = Literal[tuple(EventKind.values)]  # type: ignore[valid-type]


Text60 = Annotated[SafeStr, StringConstraints(max_length=60)]
Text200 = Annotated[SafeStr, StringConstraints(max_length=200)]
Text300 = Annotated[SafeStr, StringConstraints(max_length=300)]
Text2000 = Annotated[SafeStr, StringConstraints(max_length=2000)]


class EventIn(Schema):
    """One event of the member's party life (see ``chibo.members.lifecycle.EventData``)."""

    kind: KindParam  # type: ignore[valid-type]
    date: dt.date
    decision_number: Text60 = ""
    decision_date: dt.date | None = None
    deciding_body: Text200 = ""
    other_cell: int | None = Field(
        None, ge=1, le=MAX_ID, description="Transfer out: the id of the receiving party cell."
    )
    temporary: bool = False
    until: dt.date | None = None
    reason: Text2000 = ""
    introducers: Text300 = ""
    higher_approval: Text200 = ""


class EventOut(Schema):
    id: int
    member_id: int
    kind: str
    date: dt.date
    decision_number: str
    decision_date: dt.date | None
    deciding_body: str
    cell_id: int
    other_cell_id: int | None
    temporary: bool
    until: dt.date | None
    reason: str
    introducers: str
    higher_approval: str
    voided: bool


def event_out(event: MemberEvent) -> EventOut:
    return EventOut(
        id=event.pk,
        member_id=event.member_id,
        kind=event.kind,
        date=event.date,
        decision_number=event.decision_number,
        decision_date=event.decision_date,
        deciding_body=event.deciding_body,
        cell_id=event.cell_id,
        other_cell_id=event.other_cell_id,
        temporary=event.temporary,
        until=event.until,
        reason=event.reason,
        introducers=event.introducers,
        higher_approval=event.higher_approval,
        voided=event.voided_at is not None,
    )


@router.post(
    "/members/{member_id}/events",
    response={201: EventOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Record an event of a member (needs member.change on the member's cell)",
)
def event_create(
    request: HttpRequest, payload: EventIn, member_id: int = Path(..., ge=1, le=MAX_ID)
) -> Status:
    access = request.access  # type: ignore[attr-defined]
    member = selectors.member_get(access=access, pk=member_id, capability=Cap.MEMBER_CHANGE)
    other_cell = None
    if payload.other_cell is not None:
        # The receiving cell may be outside the caller's scope (another commune): looked up
        # unscoped by id, and only a cell is accepted.
        other_cell = OrgUnit._base_manager.filter(
            pk=payload.other_cell, kind__in=MEMBER_UNIT_KINDS
        ).first()
        if other_cell is None:
            message = _("No party cell has this id.")
            raise ValidationError({"other_cell": ValidationError(message, code="no_cell")})
    data = EventData(**{**payload.dict(), "other_cell": other_cell})
    event = member_event_add(actor=request.user, member=member, data=data)
    return Status(201, event_out(event))
