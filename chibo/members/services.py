"""Writes to member records. The full record and its lifecycle come with the member-record issue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import fold, name_sort_key, nfc
from chibo.members.models import Member, MemberStatus
from chibo.orgunits.models import OrgUnit

_FIELDS = ("full_name", "sex", "birth_date", "ethnicity", "phone", "status", "cell", "user")


def member_names(full_name: str) -> dict[str, str]:
    """The stored forms of a name: NFC, its listing key and its diacritic-free search form."""
    name = nfc(full_name)
    return {"full_name": name, "sort_key": name_sort_key(name), "search_name": fold(name)}


@transaction.atomic
def member_create(
    *,
    actor: Any,
    cell: OrgUnit,
    full_name: str,
    sex: str,
    birth_date: dt.date | None = None,
    ethnicity: str = "",
    phone: str = "",
    status: str = MemberStatus.OFFICIAL,
    admission_date: dt.date | None = None,
    user: Any = None,
) -> Member:
    member = Member(
        **member_names(full_name),
        sex=sex,
        birth_date=birth_date,
        ethnicity=nfc(ethnicity),
        phone=phone,
        status=status,
        admission_date=admission_date,
        cell=cell,
        user=user,
    )
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        action="member.created",
        obj=member,
        unit=cell,
        member=member,
        changes=diff({}, snapshot(member, _FIELDS)),
    )
    return member


@transaction.atomic
def member_link_user(*, actor: Any, member: Member, user: Any) -> Member:
    before = snapshot(member, ["user"])
    member.user = user
    member.save(update_fields=["user"])
    audit_record(
        actor=actor,
        action="member.login_linked",
        obj=member,
        unit=member.cell,
        member=member,
        changes=diff(before, snapshot(member, ["user"])),
    )
    return member
