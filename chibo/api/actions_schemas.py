"""Request and response shapes of the action items and households API
(``chibo/api/actions_api.py``).

String bounds are the model's max lengths. Dates are ``YYYY-MM-DD`` only (pydantic alone would
read ``0`` or ``"1700000000"`` as a Unix time) and bounded to years 1900–2100, as the meetings
API's ``Day``. A body must be a JSON object. Contacts with households are not part of this API:
their notes may hold people's opinions about the party and the authorities.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StringConstraints, model_validator

from chibo.actions.models import ItemStatus, Origin, ReviewOutcome
from chibo.api.meetings_schemas import Day, LongText, Text150, Text200, Text300
from chibo.api.schemas import MAX_ID, SafeStr

IsoDay = Day  # YYYY-MM-DD only, years 1900–2100 (chibo.api.meetings_schemas)
Text100 = Annotated[SafeStr, StringConstraints(max_length=100)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_OWNERS = 50

OriginParam = Literal[tuple(Origin.values)]  # type: ignore[valid-type]
OutcomeParam = Literal[tuple(ReviewOutcome.values)]  # type: ignore[valid-type]
# A stored status, or one of two groups: every status that is not closed, or done + withdrawn.
StatusParam = Literal[(*ItemStatus.values, "open_any", "closed")]  # type: ignore[valid-type]


class ObjectIn(Schema):
    """A request body: a JSON object (ninja would otherwise read the fields of a list or a
    number as absent, and an all-optional body would accept them)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja hands the body over wrapped in its DjangoGetter.
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError("Send a JSON object.")
        return data


class PersonOut(Schema):
    id: int = Field(description="The member's id.")
    full_name: str


class ActionItemOut(Schema):
    id: int
    cell_id: int
    cell_name: str
    origin: str = Field(description="resolution, guidance or document")
    title: str
    details: str
    source_meeting_id: int | None = Field(description="The meeting that decided it, if any.")
    document_reference: str = Field(description="The number of the document from above.")
    document_date: dt.date | None
    due_date: dt.date
    status: str = Field(description="What the latest review says (`open` until the first one).")
    closed_on: dt.date | None = Field(description="Set when the status is done or dropped.")
    overdue: bool = Field(description="Not closed and due before today.")
    owners: list[PersonOut] = Field(description="The current owners, in Vietnamese name order.")


class ActionItemPageOut(Schema):
    count: int
    page: int = Field(description="The page returned (a page past the end gives the last).")
    pages: int
    has_next: bool
    results: list[ActionItemOut]


class OwnershipOut(Schema):
    member_id: int
    full_name: str
    start_date: dt.date
    end_date: dt.date | None = Field(description="Null while the member still owns the item.")


class ReviewOut(Schema):
    id: int
    meeting_id: int | None = Field(description="Null for an owner's own report before a meeting.")
    date: dt.date
    outcome: str
    note: str
    reported_by_id: int | None
    reported_by_name: str
    recorded_at: dt.datetime


class ActionItemDetailOut(ActionItemOut):
    created_at: dt.datetime
    ownerships: list[OwnershipOut] = Field(
        description="Every owner the item had, current and past, by start date."
    )
    reviews: list[ReviewOut] = Field(description="Oldest first; the latest is the status.")


class ActionItemIn(ObjectIn):
    """A new action item. ``resolution``: ``meeting`` (a held meeting; the cell is the
    meeting's). ``guidance``: ``cell``; owners may come later. ``document``: ``cell`` and
    ``document_reference``, optionally the ``meeting`` (of that cell) that decided it."""

    origin: OriginParam  # type: ignore[valid-type]
    cell: Id | None = Field(None, description="The party cell (guidance, document).")
    meeting: Id | None = Field(None, description="The held meeting that decided it.")
    title: Text300
    details: LongText = ""
    due_date: IsoDay = Field(description="Not before today.")
    owners: list[Id] = Field(
        default_factory=list,
        max_length=MAX_OWNERS,
        description="Member ids, each on the cell's roll today.",
    )
    document_reference: Text100 = ""
    document_date: IsoDay | None = None


class ActionItemPatchIn(ObjectIn):
    """Only the fields sent change. ``owners``, when sent, is the whole new list: a member
    left out stops owning the item (their dated share stays in ``ownerships``). ``null``
    clears the details, the document reference or date; the title, due date and owners cannot
    be null."""

    # Not nullable, yet optional: left out means unchanged, an explicit null is a 400.
    title: Text300 = Field(None)  # type: ignore[assignment]
    details: LongText | None = None
    due_date: IsoDay = Field(None)  # type: ignore[assignment]
    owners: list[Id] = Field(None, max_length=MAX_OWNERS)  # type: ignore[arg-type]
    document_reference: Text100 | None = None
    document_date: IsoDay | None = None


class ReviewIn(ObjectIn):
    outcome: OutcomeParam  # type: ignore[valid-type]
    note: LongText = Field("", description="Required for not_done and dropped, and for a report.")
    meeting: Id | None = Field(
        None, description="The held meeting of the item's cell; absent: the caller's own report."
    )
    reported_by: Id | None = Field(
        None, description="With `meeting` only: the owner who reported at the meeting."
    )


class HouseholdOut(Schema):
    id: int
    cell_id: int
    cell_name: str
    head_name: str
    hamlet: str
    address: str
    active: bool
    followers: list[PersonOut] = Field(description="The members who follow it today.")


class HouseholdPageOut(Schema):
    count: int
    page: int = Field(description="The page returned (a page past the end gives the last).")
    pages: int
    has_next: bool
    results: list[HouseholdOut]


class AssignmentOut(Schema):
    id: int
    member_id: int
    full_name: str
    start_date: dt.date
    end_date: dt.date | None = Field(
        description="The last day the member follows it; null while they still do."
    )


class HouseholdDetailOut(HouseholdOut):
    notes: str
    created_at: dt.datetime
    assignments: list[AssignmentOut] = Field(description="Current and past, by start date.")


class HouseholdIn(ObjectIn):
    unit: Id = Field(description="The party cell.")
    head_name: Text150
    hamlet: Text100 = ""
    address: Text200 = ""
    notes: LongText = ""


class AssignmentIn(ObjectIn):
    member: Id = Field(description="A member on the cell's roll on `start_date`.")
    start_date: IsoDay | None = Field(None, description="Today when left out.")


class AssignmentEndIn(ObjectIn):
    end_date: IsoDay | None = Field(
        None, description="The last day the member follows it; today when left out."
    )
