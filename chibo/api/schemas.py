from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Bounded so no input can overflow a database integer or carry a NUL byte into a query.
MAX_ID = 2**63 - 1
SafeStr = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]


class Out(BaseModel):
    """An answer our code builds field by field, on the hot paths (lists, the roll): plain
    pydantic. ninja's ``Schema`` wraps every object it validates in a ``DjangoGetter`` (to read
    ORM objects and resolvers), once when built and again in the response: on the member list
    that was a fifth of the request's time. An instance of a plain model is validated once,
    and taken as it is inside the response."""

    model_config = ConfigDict(from_attributes=True)


class ErrorOut(Schema):
    error: str
    code: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class TokenIn(Schema):
    username: Annotated[SafeStr, StringConstraints(min_length=1, max_length=150)]
    password: Annotated[SafeStr, StringConstraints(min_length=1, max_length=256)]
    name: Annotated[SafeStr, StringConstraints(max_length=100)] = ""
    otp: Annotated[SafeStr, StringConstraints(max_length=20)] = Field(
        default="",
        description=(
            "For an account with two-factor login: the 6-digit code of its authenticator app, "
            "or one recovery code."
        ),
    )


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class RoleOut(Schema):
    unit_id: int
    unit_name: str
    role: str
    source: str


class UnitOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    depth: int
    parent_id: int | None
    child_count: int


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    member_id: int | None
    language: str
    roles: list[RoleOut]
    units: list[UnitOut]


class PostOut(Schema):
    id: int
    kind: str
    kind_label: str
    member_id: int
    member_name: str
    start_date: dt.date
    end_date: dt.date | None
    concurrent: bool


class UnitDetailOut(UnitOut):
    breadcrumb: list[UnitOut]
    children: list[UnitOut]
    posts: list[PostOut]


class UnitPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[UnitOut]


# Member records (chibo/api/members_api.py). String bounds are the model's max lengths.
class MemberOut(Out):
    id: int
    full_name: str
    sex: str
    birth_date: dt.date | None
    status: str
    category: str
    cell_id: int
    cell_name: str
    card_number: str


class MemberPageOut(Out):
    count: int = Field(
        description="Matching members; with `q` or filters, counted up to 1,000 at most "
        "(then `count_capped` is true and `count` is a lower bound)."
    )
    count_capped: bool = False
    page: int = Field(description="The page returned (a page past the end gives the last).")
    pages: int = Field(description="Pages known; follow `has_next` when `count_capped`.")
    has_next: bool = False
    results: list[MemberOut]


class MemberEventOut(Schema):
    id: int
    kind: str
    date: dt.date
    decision_number: str
    deciding_body: str
    other_cell_id: int | None
    temporary: bool
    until: dt.date | None
    reason: str
    voided: bool


class MemberDetailOut(MemberOut):
    birth_name: str
    ethnicity: str
    religion: str
    home_town: str
    residence: str
    citizen_id: str
    phone: str
    education: str
    theory_level: str
    profession: str
    occupation: str
    record_number: str
    record_province: str
    admission_date: dt.date | None
    ceremony_date: dt.date | None
    recognition_date: dt.date | None
    exempt_from: dt.date | None
    exempt_until: dt.date | None
    temporary_cell_id: int | None
    party_age: int | None
    private_shown: bool
    version: int
    events: list[MemberEventOut]


class MemberRecordFields(Schema):
    birth_date: dt.date | None = None
    birth_name: Annotated[SafeStr, StringConstraints(max_length=150)] = ""
    ethnicity: Annotated[SafeStr, StringConstraints(max_length=40)] = ""
    religion: Annotated[SafeStr, StringConstraints(max_length=40)] = ""
    home_town: Annotated[SafeStr, StringConstraints(max_length=200)] = ""
    residence: Annotated[SafeStr, StringConstraints(max_length=200)] = ""
    citizen_id: Annotated[SafeStr, StringConstraints(max_length=16)] = ""
    phone: Annotated[SafeStr, StringConstraints(max_length=20)] = ""
    education: Annotated[SafeStr, StringConstraints(max_length=20)] = ""
    theory_level: Literal["", "elementary", "intermediate", "advanced", "bachelor"] = ""
    profession: Annotated[SafeStr, StringConstraints(max_length=150)] = ""
    occupation: Annotated[SafeStr, StringConstraints(max_length=150)] = ""
    record_number: Annotated[SafeStr, StringConstraints(max_length=8)] = ""
    record_province: Annotated[SafeStr, StringConstraints(max_length=4)] = ""
    card_number: Annotated[SafeStr, StringConstraints(max_length=10)] = ""


class MemberIn(MemberRecordFields):
    unit: int = Field(..., ge=1, le=MAX_ID)
    full_name: Annotated[SafeStr, StringConstraints(min_length=1, max_length=150)]
    sex: Literal["male", "female"]


class MemberPatchIn(Schema):
    """Only the fields sent are changed; ``version`` is the one the client read."""

    version: int = Field(..., ge=1, le=MAX_ID)
    full_name: Annotated[SafeStr, StringConstraints(min_length=1, max_length=150)] | None = None
    sex: Literal["male", "female"] | None = None
    birth_date: dt.date | None = None
    birth_name: Annotated[SafeStr, StringConstraints(max_length=150)] | None = None
    ethnicity: Annotated[SafeStr, StringConstraints(max_length=40)] | None = None
    religion: Annotated[SafeStr, StringConstraints(max_length=40)] | None = None
    home_town: Annotated[SafeStr, StringConstraints(max_length=200)] | None = None
    residence: Annotated[SafeStr, StringConstraints(max_length=200)] | None = None
    citizen_id: Annotated[SafeStr, StringConstraints(max_length=16)] | None = None
    phone: Annotated[SafeStr, StringConstraints(max_length=20)] | None = None
    education: Annotated[SafeStr, StringConstraints(max_length=20)] | None = None
    theory_level: Literal["", "elementary", "intermediate", "advanced", "bachelor"] | None = None
    profession: Annotated[SafeStr, StringConstraints(max_length=150)] | None = None
    occupation: Annotated[SafeStr, StringConstraints(max_length=150)] | None = None
    record_number: Annotated[SafeStr, StringConstraints(max_length=8)] | None = None
    record_province: Annotated[SafeStr, StringConstraints(max_length=4)] | None = None
    card_number: Annotated[SafeStr, StringConstraints(max_length=10)] | None = None
