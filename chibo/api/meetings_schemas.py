"""Request and response shapes of the meetings API (``chibo/api/meetings_api.py``).

String bounds are the model's max lengths. Dates and times are bounded to years 1900–2100 so no
input can overflow a date computation (a roll on 31/12/9999, a UTC offset on 01/01/0001); a
datetime sent without an offset is read in Chibo's time zone (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from chibo.api.schemas import MAX_ID, Out, SafeStr
from chibo.meetings.models import AttendanceCategory, MeetingKind, MeetingStatus

FIRST_YEAR, LAST_YEAR = 1900, 2100


def _date_in_range(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"The year must be between {FIRST_YEAR} and {LAST_YEAR}.")
    return value


def _aware_in_range(value: dt.datetime) -> dt.datetime:
    _date_in_range(value.date())
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("Give the local time, without a UTC offset.")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (pydantic alone reads ``0`` or ``"1700000000"`` as a Unix time)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("Give the date as YYYY-MM-DD.")


Day = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_date_in_range)]
Clock = Annotated[dt.time, AfterValidator(_local_time)]
Moment = Annotated[dt.datetime, AfterValidator(_aware_in_range)]
Text150 = Annotated[SafeStr, StringConstraints(max_length=150)]
Text200 = Annotated[SafeStr, StringConstraints(max_length=200)]
Text300 = Annotated[SafeStr, StringConstraints(max_length=300)]
LongText = Annotated[SafeStr, StringConstraints(max_length=20_000)]
MemberId = Annotated[int, Field(ge=1, le=MAX_ID)]

KindParam = Literal[tuple(MeetingKind.values)]  # type: ignore[valid-type]
StatusParam = Literal[tuple(MeetingStatus.values)]  # type: ignore[valid-type]
# Regular meetings come from the cell's fixed day (the year's plan), not from this API.
CreatableKind = Literal["thematic", "extraordinary", "committee"]
RecordedCategory = Literal[tuple(c for c in AttendanceCategory.values if c)]  # type: ignore[valid-type]


class MeetingOut(Schema):
    id: int
    cell_id: int
    cell_name: str
    kind: str
    status: str
    month: dt.date = Field(description="The first day of the month the meeting belongs to.")
    planned_date: dt.date
    planned_time: dt.time | None
    place: str
    topic: str
    presenter: str
    includes_thematic: bool
    held_start: dt.datetime | None
    held_end: dt.datetime | None
    version: int


class MeetingPageOut(Schema):
    count: int
    page: int = Field(description="The page returned (a page past the end gives the last).")
    pages: int
    has_next: bool
    results: list[MeetingOut]


class CountsOut(Out):
    """The counts of the minutes (``selectors.AttendanceCounts``)."""

    on_roll: int
    official: int
    probationary: int
    exempt: int
    away: int
    required: int
    present: int
    late: int
    absent_excused: int
    absent_unexcused: int
    not_recorded: int
    attended: int
    rate: float | None = Field(description="Attended / required, or null when nobody is required.")


class RollLineOut(Out):
    member_id: int
    full_name: str
    status: str = Field(description="official or probationary on the meeting's date")
    expected: str = Field(description='"", "exempt" or "away": what the record says that day')
    temporary: bool
    category: str = Field(description='What the roll call recorded ("" = not recorded).')
    reason: str
    advance_answer: str
    advance_reason: str


class AgendaItemOut(Schema):
    id: int
    order: int
    step: str
    title: str
    content: str
    source: str
    reference: str
    conclusion: str


class ResolutionOut(Schema):
    text: str
    vote_method: str
    votes_for: int
    votes_against: int
    votes_abstain: int


class MeetingDetailOut(MeetingOut):
    fixed_date: dt.date | None
    chair_id: int | None
    minute_taker_id: int | None
    prepared_by_id: int | None
    guests: str
    materials_published_at: dt.datetime | None
    committee_met_before: bool
    draft_resolution: str
    notified_at: dt.datetime | None
    locked_at: dt.datetime | None
    counts: CountsOut
    roll: list[RollLineOut]
    agenda: list[AgendaItemOut]
    resolution: ResolutionOut | None


class MeetingIn(Schema):
    """A thematic, extraordinary or cell-committee meeting; time and place default to the
    cell's usual ones."""

    unit: int = Field(..., ge=1, le=MAX_ID, description="The party cell.")
    kind: CreatableKind
    planned_date: Day
    planned_time: Clock | None = None
    place: Text200 = ""
    topic: Text300 = Field("", description="Required for a thematic meeting.")
    presenter: Text150 = ""


class MeetingPatchIn(Schema):
    """Only the fields sent are changed; ``version`` is the one the client read. ``null``
    clears a time, a person or a text; the date and the two flags cannot be null."""

    version: int = Field(..., ge=1, le=MAX_ID)
    # Not nullable, yet optional: left out means unchanged, an explicit null is a 400.
    planned_date: Day = Field(None)  # type: ignore[assignment]
    planned_time: Clock | None = None
    place: Text200 | None = None
    topic: Text300 | None = None
    presenter: Text150 | None = None
    includes_thematic: bool = Field(None)  # type: ignore[assignment]
    held_start: Moment | None = Field(None, description="Recording it marks the meeting held.")
    held_end: Moment | None = None
    chair: MemberId | None = Field(None, description="A member on the meeting's roll.")
    minute_taker: MemberId | None = Field(None, description="A member on the meeting's roll.")
    prepared_by: MemberId | None = Field(None, description="A member on the meeting's roll.")
    guests: LongText | None = None
    materials_published_at: Moment | None = None
    committee_met_before: bool = Field(None)  # type: ignore[assignment]
    draft_resolution: LongText | None = None


class RollRowIn(Schema):
    member_id: MemberId
    category: RecordedCategory  # type: ignore[valid-type]
    reason: Text300 = Field("", description="Required when absent with reason; kept when late.")


class AttendanceIn(Schema):
    """The whole roll as it now stands: a member left out goes back to "not recorded"."""

    rows: list[RollRowIn] = Field(..., max_length=2000)


class AttendanceOut(Out):
    counts: CountsOut
    roll: list[RollLineOut]
