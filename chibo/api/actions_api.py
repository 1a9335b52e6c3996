"""Action items and households through the API (issue 5; decision 0012).

The same services as the pages (``chibo.actions.services``), so the same rules, errors and
audit. Reading needs meeting.view on the cell, writing meeting.change; an owner reports on
their own item with meeting.view. An item or household out of scope answers 404, as a missing
one. A closed item (done or withdrawn) refuses every change with 400 ``closed``.

Members named in a request (owners, the member given a household, who reported at a meeting)
are looked up among the people who are or were in the cell: anyone else, or an unknown id,
is 400 ``not_eligible`` (a foreign member is not revealed); the service then checks they are
on the cell's roll (``not_on_roll``).

Contacts with households are not exposed here: their notes may hold people's opinions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.responses import Status

from chibo.actions import selectors, services
from chibo.actions.models import (
    CLOSED,
    ActionItem,
    ActionOwner,
    ActionReview,
    Household,
    HouseholdAssignment,
    Origin,
)
from chibo.api.actions_schemas import (
    ActionItemDetailOut,
    ActionItemIn,
    ActionItemOut,
    ActionItemPageOut,
    ActionItemPatchIn,
    AssignmentEndIn,
    AssignmentIn,
    AssignmentOut,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdOut,
    HouseholdPageOut,
    IsoDay,
    OwnershipOut,
    PersonOut,
    ReviewIn,
    ReviewOut,
    StatusParam,
)
from chibo.api.meetings_api import meeting_get
from chibo.api.schemas import MAX_ID, ErrorOut
from chibo.core.access import Access
from chibo.core.roles import Cap
from chibo.meetings.guards import fail
from chibo.meetings.selectors import roll_candidates
from chibo.members.lifecycle import MEMBER_UNIT_KINDS
from chibo.members.models import Member
from chibo.orgunits.selectors import unit_get

router = Router(tags=["action items"])
PAGE_SIZE = 50
_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}


# --- Lookups ---------------------------------------------------------------------------------
def item_get(*, access: Access, pk: int, capability: str = Cap.MEETING_VIEW) -> ActionItem:
    """The item if it is in the caller's scope and they have ``capability`` on its cell;
    otherwise 404."""
    item = ActionItem.objects.select_related("cell").filter(pk=pk).first()
    if item is None or not access.can(capability, item.cell):
        raise Http404
    return item


def household_get(*, access: Access, pk: int, capability: str = Cap.MEETING_VIEW) -> Household:
    """The household if it is in the caller's scope and they have ``capability`` on its cell;
    otherwise 404."""
    household = Household.objects.select_related("cell").filter(pk=pk).first()
    if household is None or not access.can(capability, household.cell):
        raise Http404
    return household


def _members(cell_id: int, ids: Sequence[int], field: str) -> tuple[Member, ...]:
    """The members ``ids``, in that order, each someone who is or was in the cell."""
    found = {m.pk: m for m in roll_candidates(cell_id).filter(pk__in=set(ids))}
    for pk in ids:
        if pk not in found:
            raise fail(
                _("Member %(id)s is not a member of this cell.") % {"id": pk},
                "not_eligible",
                field,
            )
    return tuple(found[pk] for pk in ids)


def _current_ownerships() -> Prefetch:
    """An ownership is current until it ends (on the day the item is taken away)."""
    return Prefetch(
        "owned",
        queryset=ActionOwner.objects.filter(end_date__isnull=True)
        .select_related("member")
        .order_by("member__sort_key", "id"),
        to_attr="current_owners",
    )


def _followers(day: dt.date) -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=HouseholdAssignment.objects.filter(start_date__lte=day)
        .exclude(end_date__lt=day)
        .select_related("member")
        .order_by("member__sort_key", "id"),
        to_attr="followers",
    )


def _person(member: Member) -> PersonOut:
    return PersonOut(id=member.pk, full_name=member.full_name)


def _page(rows: QuerySet[Any], page: int) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(page)


# --- Action items ----------------------------------------------------------------------------
def _item_fields(item: ActionItem, today: dt.date) -> dict[str, Any]:
    return {
        "id": item.pk,
        "cell_id": item.cell_id,
        "cell_name": item.cell.name,
        "origin": item.origin,
        "title": item.title,
        "details": item.details,
        "source_meeting_id": item.source_meeting_id,
        "document_reference": item.document_reference,
        "document_date": item.document_date,
        "due_date": item.due_date,
        "status": item.status,
        "closed_on": item.closed_on,
        "overdue": item.status not in CLOSED and item.due_date < today,
        "owners": [_person(o.member) for o in item.current_owners],  # type: ignore[attr-defined]
    }


def _item_detail(access: Access, pk: int) -> ActionItemDetailOut:
    item = (
        ActionItem.objects.select_related("cell")
        .prefetch_related(_current_ownerships())
        .filter(pk=pk)
        .first()
    )
    if item is None or not access.can(Cap.MEETING_VIEW, item.cell):
        raise Http404
    ownerships = ActionOwner.objects.filter(item_id=item.pk).select_related("member")
    reviews = ActionReview.objects.filter(item_id=item.pk).select_related("reported_by")
    return ActionItemDetailOut(
        **_item_fields(item, timezone.localdate()),
        created_at=item.created_at,
        ownerships=[
            OwnershipOut(
                member_id=o.member_id,
                full_name=o.member.full_name,
                start_date=o.start_date,
                end_date=o.end_date,
            )
            for o in ownerships.order_by("start_date", "id")
        ],
        reviews=[
            ReviewOut(
                id=r.pk,
                meeting_id=r.meeting_id,
                date=r.date,
                outcome=r.outcome,
                note=r.note,
                reported_by_id=r.reported_by_id,
                reported_by_name=r.reported_by.full_name if r.reported_by else "",
                recorded_at=r.created_at,
            )
            for r in reviews.order_by("created_at", "id")
        ],
    )


@router.get(
    "/action-items",
    response={200: ActionItemPageOut, **_ERRORS},
    summary="Action items in scope, by due date; filter by unit (and below), current owner, "
    "status, due dates and overdue",
    description="`status` is a stored status (open, in_progress, reported_done, not_done, "
    "done, dropped) or a group: `open_any` (every status but done and dropped) or `closed` "
    "(done or dropped). `overdue=true`: not closed and due before today; `overdue=false`: the "
    "others. `due_from` and `due_to` are inclusive.",
)
def action_item_list(
    request: HttpRequest,
    unit: int | None = Query(None, ge=1, le=MAX_ID),
    owner: int | None = Query(None, ge=1, le=MAX_ID, description="A member id."),
    status: StatusParam | None = Query(None),
    due_from: IsoDay | None = Query(None),
    due_to: IsoDay | None = Query(None),
    overdue: bool | None = Query(None),
    page: int = Query(1, ge=1, le=100_000),
) -> dict[str, object]:
    access = request.access  # type: ignore[attr-defined]
    today = timezone.localdate()
    rows = ActionItem.objects.select_related("cell")
    if unit:
        base = unit_get(access=access, pk=unit, capability=Cap.MEETING_VIEW)
        rows = rows.filter(cell__path__startswith=base.path)
    if owner:
        owned = ActionOwner.objects.filter(
            item=OuterRef("pk"), member_id=owner, end_date__isnull=True
        )
        rows = rows.filter(Exists(owned))
    if status == "open_any":
        rows = rows.exclude(status__in=CLOSED)
    elif status == "closed":
        rows = rows.filter(status__in=CLOSED)
    elif status:
        rows = rows.filter(status=status)
    if due_from:
        rows = rows.filter(due_date__gte=due_from)
    if due_to:
        rows = rows.filter(due_date__lte=due_to)
    late = ~Q(status__in=CLOSED) & Q(due_date__lt=today)
    if overdue is True:
        rows = rows.filter(late)
    elif overdue is False:
        rows = rows.exclude(late)
    rows = rows.prefetch_related(_current_ownerships()).order_by("due_date", "id")
    found = _page(rows, page)
    return {
        "count": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "has_next": found.has_next(),
        "results": [ActionItemOut(**_item_fields(i, today)) for i in found.object_list],
    }


@router.post(
    "/action-items",
    response={201: ActionItemDetailOut, **_ERRORS},
    summary="Create an action item of a cell (meeting.change on the cell)",
    description="`resolution`: give the held `meeting` that decided it (the cell is the "
    "meeting's). `guidance`: give the `cell`; owners may be named later. `document`: give "
    "the `cell` and the `document_reference`, and the `meeting` (of that cell) if one decided "
    "it. Owners are member ids on the cell's roll today; the due date is not before today "
    "(400 `due_before_created`).",
)
def action_item_create(request: HttpRequest, payload: ActionItemIn) -> Status:
    access = request.access  # type: ignore[attr-defined]
    change = Cap.MEETING_CHANGE
    meeting = None
    if payload.meeting is not None:
        meeting = meeting_get(access=access, pk=payload.meeting, capability=change)
    if payload.origin == Origin.RESOLUTION:
        if meeting is None:
            raise fail(
                _("Give the meeting whose resolution decided it."), "meeting_required", "meeting"
            )
        if payload.cell is not None and payload.cell != meeting.cell_id:
            raise fail(_("That meeting is another cell's."), "wrong_cell", "meeting")
        cell = meeting.cell
    else:
        if payload.cell is None:
            raise fail(_("Give the party cell."), "cell_required", "cell")
        if payload.origin == Origin.GUIDANCE and meeting is not None:
            raise fail(
                _("The commune's guidance does not come from a meeting of the cell."),
                "meeting_not_allowed",
                "meeting",
            )
        cell = unit_get(access=access, pk=payload.cell, capability=change)
    data = services.ItemData(
        title=payload.title,
        due_date=payload.due_date,
        owners=_members(cell.pk, payload.owners, "owners"),
        details=payload.details,
        document_reference=payload.document_reference,
        document_date=payload.document_date,
    )
    actor = request.user
    if payload.origin == Origin.RESOLUTION and meeting is not None:
        item = services.action_item_from_resolution(actor=actor, meeting=meeting, data=data)
    elif payload.origin == Origin.GUIDANCE:
        item = services.action_item_from_guidance(actor=actor, cell=cell, data=data)
    else:
        item = services.action_item_for_document(actor=actor, cell=cell, data=data, meeting=meeting)
    return Status(201, _item_detail(access, item.pk))


@router.get(
    "/action-items/{item_id}",
    response={200: ActionItemDetailOut, **_ERRORS},
    summary="One action item with its owners (current and past) and its reviews, oldest first",
)
def action_item_detail(
    request: HttpRequest, item_id: int = Path(..., ge=1, le=MAX_ID)
) -> ActionItemDetailOut:
    access = request.access  # type: ignore[attr-defined]
    return _item_detail(access, item_id)


@router.patch(
    "/action-items/{item_id}",
    response={200: ActionItemDetailOut, **_ERRORS},
    summary="Change an open item's title, details, due date, document or owners "
    "(meeting.change); 400 `closed` once it is done or withdrawn",
    description="Fields left out keep their value. `owners`, when sent, replaces the current "
    "owners: a member left out stops owning the item from today (kept in `ownerships`), a new "
    "one must be on the cell's roll today. The due date is not before the day the item was "
    "created (400 `due_before_created`).",
)
def action_item_update(
    request: HttpRequest,
    payload: ActionItemPatchIn,
    item_id: int = Path(..., ge=1, le=MAX_ID),
) -> ActionItemDetailOut:
    access = request.access  # type: ignore[attr-defined]
    item = item_get(access=access, pk=item_id, capability=Cap.MEETING_CHANGE)
    sent = payload.model_dump(exclude_unset=True)
    if "owners" in sent:
        owners = _members(item.cell_id, sent["owners"], "owners")
    else:
        current = ActionOwner.objects.filter(item_id=item.pk, end_date__isnull=True)
        owners = tuple(o.member for o in current.select_related("member").order_by("id"))
    text = {"details": item.details, "document_reference": item.document_reference}
    for name in text:
        if name in sent:
            text[name] = sent[name] or ""
    data = services.ItemData(
        title=sent.get("title", item.title),
        due_date=sent.get("due_date", item.due_date),
        owners=owners,
        details=text["details"],
        document_reference=text["document_reference"],
        document_date=sent.get("document_date", item.document_date),
    )
    services.action_item_update(actor=request.user, item=item, data=data)
    return _item_detail(access, item.pk)


@router.post(
    "/action-items/{item_id}/reviews",
    response={201: ActionItemDetailOut, **_ERRORS},
    summary="Review an item at a meeting (meeting.change), or report on one's own item",
    description="With `meeting`: how the item stands at that held meeting of its cell (done, "
    "in_progress, not_done or dropped — the last two with a note); needs meeting.change, and "
    "`reported_by` may name the owner who reported. Without `meeting`: the caller's own "
    "progress report before the meeting (in_progress, or done for the meeting to confirm: the "
    "item becomes `reported_done`), with a note; meeting.view suffices, but the caller's "
    "member record must be a current owner of the item (400 `not_owner`). Reviews are only "
    "ever appended; the latest is the item's status.",
)
def action_item_review(
    request: HttpRequest, payload: ReviewIn, item_id: int = Path(..., ge=1, le=MAX_ID)
) -> Status:
    access = request.access  # type: ignore[attr-defined]
    if payload.meeting is None:
        item = item_get(access=access, pk=item_id)
        if payload.reported_by is not None:
            raise fail(
                _("Who reported is named only for a review at a meeting."),
                "meeting_required",
                "reported_by",
            )
        member = None
        if access.member_id is not None:
            # The caller's own record (a plain member cannot read member records otherwise).
            member = Member._base_manager.filter(pk=access.member_id).first()
        if member is None:
            raise fail(
                _("Only an owner of this item can report on it."), "not_owner", "reported_by"
            )
        services.action_progress_report(
            actor=request.user,
            item=item,
            member=member,
            outcome=payload.outcome,
            note=payload.note,
        )
    else:
        item = item_get(access=access, pk=item_id, capability=Cap.MEETING_CHANGE)
        meeting = meeting_get(access=access, pk=payload.meeting, capability=Cap.MEETING_CHANGE)
        reporter = None
        if payload.reported_by is not None:
            (reporter,) = _members(item.cell_id, [payload.reported_by], "reported_by")
        services.action_review_add(
            actor=request.user,
            item=item,
            meeting=meeting,
            outcome=payload.outcome,
            note=payload.note,
            reported_by=reporter,
        )
    return Status(201, _item_detail(access, item.pk))


# --- Households ------------------------------------------------------------------------------
def _household_fields(household: Household) -> dict[str, Any]:
    followers = household.followers  # type: ignore[attr-defined]
    return {
        "id": household.pk,
        "cell_id": household.cell_id,
        "cell_name": household.cell.name,
        "head_name": household.head_name,
        "hamlet": household.hamlet,
        "address": household.address,
        "active": household.active,
        "followers": [_person(a.member) for a in followers],
    }


def _household_detail(access: Access, pk: int) -> HouseholdDetailOut:
    household = (
        Household.objects.select_related("cell")
        .prefetch_related(_followers(timezone.localdate()))
        .filter(pk=pk)
        .first()
    )
    if household is None or not access.can(Cap.MEETING_VIEW, household.cell):
        raise Http404
    assignments = (
        HouseholdAssignment.objects.filter(household_id=household.pk)
        .select_related("member")
        .order_by("start_date", "id")
    )
    return HouseholdDetailOut(
        **_household_fields(household),
        notes=household.notes,
        created_at=household.created_at,
        assignments=[
            AssignmentOut(
                id=a.pk,
                member_id=a.member_id,
                full_name=a.member.full_name,
                start_date=a.start_date,
                end_date=a.end_date,
            )
            for a in assignments
        ],
    )


@router.get(
    "/households",
    response={200: HouseholdPageOut, **_ERRORS},
    summary="Households in scope, by the head's name; filter by unit (and below), active, and "
    "whether anyone on the roll follows them",
    description="`unfollowed=true`: the active households of the cell that nobody on the "
    "cell's roll follows today; `unfollowed=false`: the cell's other households. `unfollowed` "
    "needs `unit` to be a party cell (400 `cell_required`).",
)
def household_list(
    request: HttpRequest,
    unit: int | None = Query(None, ge=1, le=MAX_ID),
    active: bool | None = Query(None),
    unfollowed: bool | None = Query(None),
    page: int = Query(1, ge=1, le=100_000),
) -> dict[str, object]:
    access = request.access  # type: ignore[attr-defined]
    rows = Household.objects.select_related("cell")
    base = unit_get(access=access, pk=unit, capability=Cap.MEETING_VIEW) if unit else None
    if base is not None:
        rows = rows.filter(cell__path__startswith=base.path)
    if active is not None:
        rows = rows.filter(active=active)
    if unfollowed is not None:
        if base is None or base.kind not in MEMBER_UNIT_KINDS:
            raise fail(
                _("Choose a party cell to see the households nobody follows."),
                "cell_required",
                "unfollowed",
            )
        nobody = [h.pk for h in selectors.households_unfollowed(base)]
        rows = rows.filter(pk__in=nobody) if unfollowed else rows.exclude(pk__in=nobody)
    rows = rows.prefetch_related(_followers(timezone.localdate())).order_by("sort_key", "id")
    found = _page(rows, page)
    return {
        "count": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "has_next": found.has_next(),
        "results": [HouseholdOut(**_household_fields(h)) for h in found.object_list],
    }


@router.post(
    "/households",
    response={201: HouseholdDetailOut, **_ERRORS},
    summary="Add a household a cell follows (meeting.change on the cell)",
)
def household_create(request: HttpRequest, payload: HouseholdIn) -> Status:
    access = request.access  # type: ignore[attr-defined]
    cell = unit_get(access=access, pk=payload.unit, capability=Cap.MEETING_CHANGE)
    data = services.HouseholdData(
        head_name=payload.head_name,
        hamlet=payload.hamlet,
        address=payload.address,
        notes=payload.notes,
    )
    household = services.household_create(actor=request.user, cell=cell, data=data)
    return Status(201, _household_detail(access, household.pk))


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **_ERRORS},
    summary="One household with its assignments, current and past (not the contacts)",
)
def household_detail(
    request: HttpRequest, household_id: int = Path(..., ge=1, le=MAX_ID)
) -> HouseholdDetailOut:
    access = request.access  # type: ignore[attr-defined]
    return _household_detail(access, household_id)


@router.post(
    "/households/{household_id}/assignments",
    response={201: HouseholdDetailOut, **_ERRORS},
    summary="Give a member a household to follow (meeting.change)",
    description="The member must be on the cell's roll on `start_date` (today when left out) "
    "and not follow the household already (400 `already_assigned`).",
)
def household_assign(
    request: HttpRequest,
    payload: AssignmentIn,
    household_id: int = Path(..., ge=1, le=MAX_ID),
) -> Status:
    access = request.access  # type: ignore[attr-defined]
    household = household_get(access=access, pk=household_id, capability=Cap.MEETING_CHANGE)
    (member,) = _members(household.cell_id, [payload.member], "member")
    services.household_assign(
        actor=request.user,
        household=household,
        member=member,
        start_date=payload.start_date or timezone.localdate(),
    )
    return Status(201, _household_detail(access, household.pk))


@router.post(
    "/households/{household_id}/assignments/{assignment_id}/end",
    response={200: HouseholdDetailOut, **_ERRORS},
    summary="End an assignment: the member stops following the household (meeting.change)",
    description="On `end_date` (today when left out), not before the assignment started "
    "(400 `end_before_start`); an assignment ends once (400 `already_ended`).",
)
def household_assignment_end(
    request: HttpRequest,
    payload: AssignmentEndIn,
    household_id: int = Path(..., ge=1, le=MAX_ID),
    assignment_id: int = Path(..., ge=1, le=MAX_ID),
) -> HouseholdDetailOut:
    access = request.access  # type: ignore[attr-defined]
    household = household_get(access=access, pk=household_id, capability=Cap.MEETING_CHANGE)
    assignment = HouseholdAssignment.objects.filter(
        pk=assignment_id, household_id=household.pk
    ).first()
    if assignment is None:
        raise Http404
    services.household_assignment_end(
        actor=request.user,
        assignment=assignment,
        end_date=payload.end_date or timezone.localdate(),
    )
    return _household_detail(access, household.pk)
