"""Cell meetings through the API: list and plan, edit, the roll call, lock, the minutes as DOCX.

The same services as the pages (``chibo.meetings.services``), so the same rules, errors and
audit. Reading needs meeting.view on the meeting's cell, writing meeting.change; a meeting out
of scope answers 404, as a missing one. A locked meeting refuses every change with 400
``locked`` (only a dated amendment changes locked minutes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.responses import Status

from chibo.api.errors import ApiError
from chibo.api.meetings_schemas import (
    AgendaItemOut,
    AttendanceIn,
    AttendanceOut,
    CountsOut,
    KindParam,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    MeetingPageOut,
    MeetingPatchIn,
    ResolutionOut,
    RollLineOut,
    StatusParam,
)
from chibo.api.schemas import MAX_ID, ErrorOut
from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.meetings import selectors, services
from chibo.meetings.docx import DOCX_TYPE, minutes_docx, minutes_filename
from chibo.meetings.guards import fail
from chibo.meetings.models import AgendaItem, Meeting, Resolution
from chibo.members.models import Member
from chibo.orgunits.selectors import unit_get

router = Router(tags=["meetings"])
PAGE_SIZE = 50
MONTH_PATTERN = r"^(19\d\d|20\d\d|2100)-(0[1-9]|1[0-2])$"
_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
_PEOPLE = ("chair", "minute_taker", "prepared_by")


def meeting_get(*, access: Access, pk: int, capability: str = Cap.MEETING_VIEW) -> Meeting:
    """The meeting if it is in the caller's scope and they have ``capability`` on its cell;
    otherwise 404 (a meeting out of scope is not revealed)."""
    meeting = Meeting.objects.select_related("cell").filter(pk=pk).first()
    if meeting is None or not access.can(capability, meeting.cell):
        raise Http404
    return meeting


def _meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "cell_id": meeting.cell_id,
        "cell_name": meeting.cell.name,
        "kind": meeting.kind,
        "status": meeting.status,
        "month": meeting.month,
        "planned_date": meeting.planned_date,
        "planned_time": meeting.planned_time,
        "place": meeting.place,
        "topic": meeting.topic,
        "presenter": meeting.presenter,
        "includes_thematic": meeting.includes_thematic,
        "held_start": meeting.held_start,
        "held_end": meeting.held_end,
        "version": meeting.version,
    }


def _counts_out(counts: selectors.AttendanceCounts) -> CountsOut:
    values = {name: getattr(counts, name) for name in counts.__dataclass_fields__}
    return CountsOut(**values, attended=counts.attended, rate=counts.rate)


def _roll_out(roll: list[selectors.RollEntry]) -> list[RollLineOut]:
    return [
        RollLineOut(
            member_id=e.member.pk,
            full_name=e.member.full_name,
            status=e.status,
            expected=e.expected,
            temporary=e.temporary,
            category=e.category,
            reason=e.attendance.reason if e.attendance else "",
            advance_answer=e.attendance.advance_answer if e.attendance else "",
            advance_reason=e.attendance.advance_reason if e.attendance else "",
        )
        for e in roll
    ]


def _detail_out(meeting: Meeting) -> MeetingDetailOut:
    roll = selectors.roll_for(meeting)
    resolution = Resolution.objects.filter(meeting_id=meeting.pk).first()
    agenda = AgendaItem.objects.filter(meeting_id=meeting.pk).order_by("order")
    return MeetingDetailOut(
        **_meeting_out(meeting),
        fixed_date=meeting.fixed_date,
        chair_id=meeting.chair_id,
        minute_taker_id=meeting.minute_taker_id,
        prepared_by_id=meeting.prepared_by_id,
        guests=meeting.guests,
        materials_published_at=meeting.materials_published_at,
        committee_met_before=meeting.committee_met_before,
        draft_resolution=meeting.draft_resolution,
        notified_at=meeting.notified_at,
        locked_at=meeting.locked_at,
        counts=_counts_out(selectors.counts_of(roll)),
        roll=_roll_out(roll),
        agenda=[
            AgendaItemOut(
                id=i.pk,
                order=i.order,
                step=i.step,
                title=i.title,
                content=i.content,
                source=i.source,
                reference=i.reference,
                conclusion=i.conclusion,
            )
            for i in agenda
        ],
        resolution=None
        if resolution is None
        else ResolutionOut(
            text=resolution.text,
            vote_method=resolution.vote_method,
            votes_for=resolution.votes_for,
            votes_against=resolution.votes_against,
            votes_abstain=resolution.votes_abstain,
        ),
    )


def _fresh(access: Access, meeting: Meeting) -> MeetingDetailOut:
    return _detail_out(meeting_get(access=access, pk=meeting.pk))


@router.get(
    "/meetings",
    response={200: MeetingPageOut, **_ERRORS},
    summary="Meetings in scope, by date; filter by unit (and below), month, kind and status",
)
def meeting_list(
    request: HttpRequest,
    unit: int | None = Query(None, ge=1, le=MAX_ID),
    month: str | None = Query(None, pattern=MONTH_PATTERN, description="YYYY-MM"),
    kind: KindParam | None = Query(None),  # type: ignore[valid-type]
    status: StatusParam | None = Query(None),  # type: ignore[valid-type]
    page: int = Query(1, ge=1, le=100_000),
) -> dict[str, object]:
    access = request.access  # type: ignore[attr-defined]
    rows = Meeting.objects.select_related("cell")
    if unit:
        base = unit_get(access=access, pk=unit, capability=Cap.MEETING_VIEW)
        rows = rows.filter(cell__path__startswith=base.path)
    if month:
        year, number = (int(part) for part in month.split("-"))
        rows = rows.filter(month=dt.date(year, number, 1))
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    found = Paginator(rows.order_by("planned_date", "id"), PAGE_SIZE).get_page(page)
    return {
        "count": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "has_next": found.has_next(),
        "results": [MeetingOut(**_meeting_out(m)) for m in found.object_list],
    }


@router.post(
    "/meetings",
    response={201: MeetingDetailOut, **_ERRORS},
    summary="Add a thematic, extraordinary or committee meeting to a cell (meeting.change)",
    description="Regular meetings are planned from the cell's fixed meeting day, not here.",
)
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Status:
    access = request.access  # type: ignore[attr-defined]
    cell = unit_get(access=access, pk=payload.unit, capability=Cap.MEETING_CHANGE)
    meeting = services.meeting_create(
        actor=request.user,
        cell=cell,
        kind=payload.kind,
        planned_date=payload.planned_date,
        planned_time=payload.planned_time,
        place=payload.place,
        topic=payload.topic,
        presenter=payload.presenter,
    )
    return Status(201, _fresh(access, meeting))


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, **_ERRORS},
    summary="One meeting with its roll, counts, agenda and resolution",
)
def meeting_detail(
    request: HttpRequest, meeting_id: int = Path(..., ge=1, le=MAX_ID)
) -> MeetingDetailOut:
    access = request.access  # type: ignore[attr-defined]
    return _detail_out(meeting_get(access=access, pk=meeting_id))


def _roll_member(meeting: Meeting, member_id: int, field: str) -> Member:
    """A person of the minutes' header: someone who is or was in the meeting's cell (the
    service then checks they are on the roll of the meeting's date)."""
    member = selectors.roll_candidates(meeting.cell_id).filter(pk=member_id).first()
    if member is None:
        raise fail(_("This member is not called to this meeting."), "not_eligible", field)
    return member


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, 409: ErrorOut, **_ERRORS},
    summary="Change a meeting's preparation and minutes header; 409 `stale` if it was saved "
    "since `version`; 400 `locked` once the minutes are locked",
)
def meeting_update(
    request: HttpRequest,
    payload: MeetingPatchIn,
    meeting_id: int = Path(..., ge=1, le=MAX_ID),
) -> MeetingDetailOut:
    access = request.access  # type: ignore[attr-defined]
    meeting = meeting_get(access=access, pk=meeting_id, capability=Cap.MEETING_CHANGE)
    data = services.MeetingData.of(meeting)
    changes: dict[str, Any] = {}
    for name, value in payload.model_dump(exclude_unset=True, exclude={"version"}).items():
        if name in _PEOPLE:
            changes[name] = None if value is None else _roll_member(meeting, value, name)
        elif value is None and isinstance(getattr(data, name), str):
            changes[name] = ""
        else:
            changes[name] = value
    try:
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            data=replace(data, **changes),
            version=payload.version,
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "stale":
            raise ApiError(409, error.messages[0], "stale") from error
        raise
    return _fresh(access, meeting)


@router.put(
    "/meetings/{meeting_id}/attendance",
    response={200: AttendanceOut, **_ERRORS},
    summary="Save the whole roll call in one request (idempotent: sending it again changes "
    "nothing); members left out go back to not recorded",
)
def meeting_attendance(
    request: HttpRequest,
    payload: AttendanceIn,
    meeting_id: int = Path(..., ge=1, le=MAX_ID),
) -> AttendanceOut:
    access = request.access  # type: ignore[attr-defined]
    meeting = meeting_get(access=access, pk=meeting_id, capability=Cap.MEETING_CHANGE)
    rows = [services.RollRow(r.member_id, r.category, r.reason) for r in payload.rows]
    services.attendance_save(actor=request.user, meeting=meeting, rows=rows)
    roll = selectors.roll_for(meeting)
    return AttendanceOut(counts=_counts_out(selectors.counts_of(roll)), roll=_roll_out(roll))


@router.post(
    "/meetings/{meeting_id}/lock",
    response={200: MeetingDetailOut, **_ERRORS},
    summary="Approve and lock the minutes (400 `incomplete` names what is missing)",
)
def meeting_lock(request: HttpRequest, meeting_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    access = request.access  # type: ignore[attr-defined]
    meeting = meeting_get(access=access, pk=meeting_id, capability=Cap.MEETING_CHANGE)
    services.meeting_lock(actor=request.user, meeting=meeting)
    return _fresh(access, meeting)


_DOCX_RESPONSE = {
    "responses": {
        200: {
            "description": "The minutes (biên bản) laid out like the paper template, as DOCX.",
            "content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/meetings/{meeting_id}/minutes.docx",
    response=_ERRORS,
    summary="The minutes of a meeting as a Word file (a draft until they are locked)",
    openapi_extra=_DOCX_RESPONSE,
)
def meeting_minutes_docx(
    request: HttpRequest, meeting_id: int = Path(..., ge=1, le=MAX_ID)
) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    meeting = meeting_get(access=access, pk=meeting_id)
    response = HttpResponse(minutes_docx(meeting), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{minutes_filename(meeting)}"'
    return response
