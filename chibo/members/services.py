"""Writes to member records: create, update (optimistic version check), and record a view.

The status and the admission/ceremony/recognition dates are not written here: they follow from
the member's events (``chibo.members.lifecycle``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts.backends import normalize_phone
from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import fold, name_sort_key, nfc
from chibo.members.models import Member, Sex, TheoryLevel
from chibo.members.name_index import name_index_refresh
from chibo.orgunits.models import OrgUnit, UnitKind


@dataclass(frozen=True)
class RecordData:
    """The typed-in part of a member's record (DOMAIN.md "Members")."""

    full_name: str
    sex: str
    birth_date: dt.date | None = None
    birth_name: str = ""
    ethnicity: str = ""
    religion: str = ""
    home_town: str = ""
    residence: str = ""
    citizen_id: str = ""
    phone: str = ""
    education: str = ""
    theory_level: str = ""
    profession: str = ""
    occupation: str = ""
    record_number: str = ""
    record_province: str = ""
    card_number: str = ""


RECORD_FIELDS = tuple(f.name for f in fields(RecordData))
_AUDITED = (*RECORD_FIELDS, "cell", "user")
_CARD = re.compile(r"^\d{8}$")
_RECORD = re.compile(r"^\d{6}$")
_PROVINCE = re.compile(r"^[A-Z0-9]{1,4}$")
_CITIZEN = re.compile(r"^\d{12}$")
# Django's ``Choices.values`` builds a new list on every read.
_SEXES = frozenset(Sex.values)
_THEORY_LEVELS = frozenset(TheoryLevel.values)


def member_names(full_name: str) -> dict[str, str]:
    """The stored forms of a name: NFC, its listing key and its diacritic-free search form."""
    name = nfc(full_name)
    return {"full_name": name, "sort_key": name_sort_key(name), "search_name": fold(name)}


def record_values(data: RecordData) -> dict[str, Any]:
    """The record's fields as a dict (shallow: ``asdict`` deep-copies every value)."""
    return {name: getattr(data, name) for name in RECORD_FIELDS}


def clean_record(data: RecordData) -> RecordData:
    """Normalise (NFC, trimmed, phone, upper-case province code) and check the formats.

    Raises ``ValidationError`` with one message per field, in the user's language.
    """
    values: dict[str, Any] = {
        k: (nfc(v) if isinstance(v, str) else v) for k, v in record_values(data).items()
    }
    values["phone"] = normalize_phone(values["phone"]) if values["phone"] else ""
    values["record_province"] = values["record_province"].upper()
    for key in ("card_number", "record_number", "citizen_id"):
        values[key] = values[key].replace(" ", "").replace(".", "")
    errors: dict[str, str] = {}
    if not values["full_name"]:
        errors["full_name"] = _("The full name is required.")
    if values["sex"] not in _SEXES:
        errors["sex"] = _("Choose male or female.")
    if values["theory_level"] not in _THEORY_LEVELS:
        errors["theory_level"] = _("Unknown political theory level.")
    if values["card_number"] and not _CARD.match(values["card_number"]):
        errors["card_number"] = _("The party card number has 8 digits.")
    if values["record_number"] and not _RECORD.match(values["record_number"]):
        errors["record_number"] = _("The record number has 6 digits.")
    if values["record_number"] and not _PROVINCE.match(values["record_province"]):
        errors["record_province"] = _("Give the province code of the record number (e.g. LC).")
    if values["citizen_id"] and not _CITIZEN.match(values["citizen_id"]):
        errors["citizen_id"] = _("The citizen ID number has 12 digits.")
    if values["phone"] and not 9 <= len(values["phone"]) <= 11:
        errors["phone"] = _("This does not look like a phone number.")
    birth: dt.date | None = values["birth_date"]
    if birth is not None and not dt.date(1900, 1, 1) <= birth <= timezone.localdate():
        errors["birth_date"] = _("The date of birth is not possible.")
    if errors:
        raise ValidationError({k: ValidationError(v, code="invalid") for k, v in errors.items()})
    return RecordData(**values)


def _check_unique(data: RecordData, exclude_pk: int | None) -> None:
    # Checked against every member, in scope or not: numbers are unique in the whole party.
    others = Member._base_manager.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, str] = {}
    if data.card_number and others.filter(card_number=data.card_number).exists():
        errors["card_number"] = _("Another member already has this party card number.")
    if (
        data.record_number
        and others.filter(
            record_number=data.record_number, record_province=data.record_province
        ).exists()
    ):
        errors["record_number"] = _("Another member already has this record number.")
    if data.citizen_id and others.filter(citizen_id=data.citizen_id).exists():
        errors["citizen_id"] = _("Another member already has this citizen ID number.")
    if errors:
        raise ValidationError({k: ValidationError(v, code="duplicate") for k, v in errors.items()})


def _apply(member: Member, data: RecordData) -> None:
    for key, value in record_values(data).items():
        setattr(member, key, value)
    for key, value in member_names(data.full_name).items():
        setattr(member, key, value)


@transaction.atomic
def member_create(*, actor: Any, cell: OrgUnit, data: RecordData, user: Any = None) -> Member:
    """A new record in ``cell``. Its status comes with its first event (the admission)."""
    if cell.kind not in {UnitKind.CELL, UnitKind.PARTY_GROUP, UnitKind.GRASSROOTS}:
        raise ValidationError({"cell": _("Members belong to a party cell.")}, code="not_a_cell")
    data = clean_record(data)
    _check_unique(data, exclude_pk=None)
    member = Member(cell=cell, user=user)
    _apply(member, data)
    member.full_clean()
    member.save()
    name_index_refresh([member])
    audit_record(
        actor=actor,
        action="member.created",
        obj=member,
        unit=cell,
        member=member,
        changes=diff({}, snapshot(member, _AUDITED)),
    )
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, data: RecordData, version: int) -> Member:
    """Save the record if nobody saved it since ``version`` was read; otherwise refuse.

    The version check is one conditional UPDATE, so two people saving at once cannot both win.
    """
    data = clean_record(data)
    _check_unique(data, exclude_pk=member.pk)
    before = snapshot(member, _AUDITED)
    _apply(member, data)
    member.full_clean(exclude=["version"])
    changes = diff(before, snapshot(member, _AUDITED))
    names = [*RECORD_FIELDS, "sort_key", "search_name"]
    values = {name: getattr(member, name) for name in names}
    updated = Member._base_manager.filter(pk=member.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError(
            _(
                "Someone else saved this record while you were editing it. Your changes were "
                "not saved: the page now shows their version; make your changes again."
            ),
            code="stale",
        )
    member.version = version + 1
    if "full_name" in changes:
        name_index_refresh([member])
    if changes:
        audit_record(
            actor=actor,
            action="member.changed",
            obj=member,
            unit=member.cell,
            member=member,
            changes=changes,
        )
    return member


def member_viewed(*, actor: Any, member: Member) -> None:
    """Record that ``actor`` opened the full record (Regulation 339: who saw what)."""
    audit_record(actor=actor, action="member.viewed", obj=member, unit=member.cell, member=member)


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
