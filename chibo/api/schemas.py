from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field, StringConstraints

# Bounded so no input can overflow a database integer or carry a NUL byte into a query.
MAX_ID = 2**63 - 1
SafeStr = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]


class ErrorOut(Schema):
    error: str
    code: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class TokenIn(Schema):
    username: Annotated[SafeStr, StringConstraints(min_length=1, max_length=150)]
    password: Annotated[SafeStr, StringConstraints(min_length=1, max_length=256)]
    name: Annotated[SafeStr, StringConstraints(max_length=100)] = ""


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
