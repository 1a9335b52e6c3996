from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from chibo.api.errors import ApiError
from chibo.api.schemas import (
    MAX_ID,
    ErrorOut,
    MemberDetailOut,
    MemberEventOut,
    MemberIn,
    MemberOut,
    MemberPageOut,
    MemberPatchIn,
    SafeStr,
)
from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.members import selectors, services
from chibo.members.lifecycle import party_age
from chibo.members.models import Member
from chibo.members.services import RECORD_FIELDS, RecordData
from chibo.orgunits.selectors import unit_get

router = Router(tags=["members"])
PAGE_SIZE = 50
CategoryParam = Literal[tuple(key for key, _label in selectors.CATEGORIES)]  # type: ignore[valid-type]
_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}


def _member_out(member: Member) -> MemberOut:
    return MemberOut(
        id=member.pk,
        full_name=member.full_name,
        sex=member.sex,
        birth_date=member.birth_date,
        status=member.status,
        category=getattr(member, "category", None) or selectors.category_of(member),
        cell_id=member.cell_id,
        cell_name=member.cell.name,
        card_number=member.card_number,
    )


def _detail_out(access: Access, member: Member) -> MemberDetailOut:
    private = selectors.can_see_private(access, member)
    base = _member_out(member)
    return MemberDetailOut(
        **base.model_dump(),
        birth_name=member.birth_name,
        ethnicity=member.ethnicity,
        religion=member.religion,
        home_town=member.home_town,
        residence=member.residence,
        citizen_id=member.citizen_id if private else selectors.mask(member.citizen_id),
        phone=member.phone if private else selectors.mask(member.phone),
        education=member.education,
        theory_level=member.theory_level,
        profession=member.profession,
        occupation=member.occupation,
        record_number=member.record_number,
        record_province=member.record_province,
        admission_date=member.admission_date,
        ceremony_date=member.ceremony_date,
        recognition_date=member.recognition_date,
        exempt_from=member.exempt_from,
        exempt_until=member.exempt_until,
        temporary_cell_id=member.temporary_cell_id,
        party_age=party_age(member),
        private_shown=private,
        version=member.version,
        events=[
            MemberEventOut(
                id=e.pk,
                kind=e.kind,
                date=e.date,
                decision_number=e.decision_number,
                deciding_body=e.deciding_body,
                other_cell_id=e.other_cell_id,
                temporary=e.temporary,
                until=e.until,
                reason=e.reason,
                voided=e.voided_at is not None,
            )
            for e in selectors.member_events(member=member)
        ],
    )


@router.get(
    "/members",
    response={200: MemberPageOut, **_ERRORS},
    summary="Members in scope, in Vietnamese name order; `unit` limits to its subtree",
)
def member_list(
    request: HttpRequest,
    unit: int | None = Query(None, ge=1, le=MAX_ID),
    q: SafeStr | None = Query(None, max_length=100),
    status: CategoryParam | None = Query(None),  # type: ignore[valid-type]
    page: int = Query(1, ge=1, le=100_000),
) -> dict[str, object]:
    access = request.access  # type: ignore[attr-defined]
    base = unit_get(access=access, pk=unit, capability=Cap.MEMBER_VIEW) if unit else None
    filters = selectors.SearchFilters(q=q or "", unit=base, category=status or "")
    found = selectors.member_search_page(filters=filters, page=page, per_page=PAGE_SIZE)
    return {
        "count": found.count,
        "count_capped": found.count_capped,
        "page": found.number,
        "pages": found.num_pages,
        "has_next": found.has_next(),
        "results": [_member_out(m) for m in found.object_list],
    }


@router.get(
    "/members/{member_id}",
    response={200: MemberDetailOut, **_ERRORS},
    summary="One member's full record and events (each read is recorded in the audit)",
)
def member_detail(
    request: HttpRequest, member_id: int = Path(..., ge=1, le=MAX_ID)
) -> MemberDetailOut:
    access = request.access  # type: ignore[attr-defined]
    member = selectors.member_get(access=access, pk=member_id)
    if member.pk != access.member_id:
        services.member_viewed(actor=request.user, member=member)
    return _detail_out(access, member)


@router.post(
    "/members",
    response={201: MemberDetailOut, **_ERRORS},
    summary="Create a member record in a cell (member.change on the cell)",
)
def member_create(request: HttpRequest, payload: MemberIn) -> Status:
    access = request.access  # type: ignore[attr-defined]
    cell = unit_get(access=access, pk=payload.unit, capability=Cap.MEMBER_CHANGE)
    values = payload.dict(include=set(RECORD_FIELDS))
    member = services.member_create(actor=request.user, cell=cell, data=RecordData(**values))
    member = selectors.member_get(access=access, pk=member.pk)
    return Status(201, _detail_out(access, member))


@router.patch(
    "/members/{member_id}",
    response={200: MemberDetailOut, 409: ErrorOut, **_ERRORS},
    summary="Change fields of a record; 409 `stale` if it was saved since `version`",
)
def member_update(
    request: HttpRequest,
    payload: MemberPatchIn,
    member_id: int = Path(..., ge=1, le=MAX_ID),
) -> MemberDetailOut:
    access = request.access  # type: ignore[attr-defined]
    member = selectors.member_get(access=access, pk=member_id, capability=Cap.MEMBER_CHANGE)
    current = {name: getattr(member, name) for name in RECORD_FIELDS}
    sent = payload.dict(exclude_unset=True, exclude={"version"})
    for name, value in sent.items():
        # null clears a field (a date to none, a text to empty); the name and sex stay required.
        current[name] = value if value is not None or name == "birth_date" else ""
    try:
        services.member_update(
            actor=request.user,
            member=member,
            data=RecordData(**current),
            version=payload.version,
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "stale":
            raise ApiError(409, error.messages[0], "stale") from error
        raise
    member = selectors.member_get(access=access, pk=member.pk)
    return _detail_out(access, member)
