"""Writes to the org tree: units, posts held and role grants. Atomic and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import fold, nfc, text_sort_key
from chibo.members.models import Member
from chibo.orgunits.models import Grant, OrgUnit, Post, PostKind, UnitKind

_UNIT_FIELDS = ("name", "code", "kind", "admin_code", "valid_from", "valid_to")
_POST_FIELDS = ("unit", "member", "kind", "start_date", "end_date", "decision")
# Posts one person at a time: a unit has one secretary, one village head, one Front head.
SINGLE_HOLDER = {PostKind.SECRETARY, PostKind.VILLAGE_HEAD, PostKind.FRONT_HEAD}


@dataclass(frozen=True)
class UnitData:
    name: str
    code: str
    kind: str
    admin_code: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def _apply(unit: OrgUnit, data: UnitData) -> None:
    unit.name = nfc(data.name)
    unit.code = data.code.strip()
    unit.kind = data.kind
    unit.admin_code = data.admin_code
    unit.valid_from = data.valid_from
    unit.valid_to = data.valid_to
    unit.sort_key = text_sort_key(unit.name)
    unit.search_name = fold(unit.name)


def _new_unit(data: UnitData) -> OrgUnit:
    """A validated, unsaved unit (treebeard fills the path when it is placed in the tree)."""
    unit = OrgUnit()
    _apply(unit, data)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    return unit


def _audit_created(actor: Any, unit: OrgUnit) -> OrgUnit:
    audit_record(
        actor=actor,
        action="orgunit.created",
        obj=unit,
        unit=unit,
        changes=diff({}, snapshot(unit, _UNIT_FIELDS)),
    )
    return unit


@transaction.atomic
def unit_create_root(*, actor: Any, data: UnitData) -> OrgUnit:
    return _audit_created(actor, OrgUnit.objects.add_root(instance=_new_unit(data)))


@transaction.atomic
def unit_create(*, actor: Any, parent: OrgUnit, data: UnitData) -> OrgUnit:
    if parent.kind in {UnitKind.PARTY_GROUP}:
        raise ValidationError(_("A party group cannot have sub-units."), code="leaf_unit")
    unit = _new_unit(data)
    # Re-read the parent so treebeard sees its current child count.
    parent = OrgUnit.objects.get(pk=parent.pk)
    return _audit_created(actor, OrgUnit.objects.add_child(parent, instance=unit))


@transaction.atomic
def unit_update(*, actor: Any, unit: OrgUnit, data: UnitData) -> OrgUnit:
    before = snapshot(unit, _UNIT_FIELDS)
    _apply(unit, data)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    changes = diff(before, snapshot(unit, _UNIT_FIELDS))
    if changes:
        unit.save(update_fields=[*_UNIT_FIELDS, "sort_key", "search_name"])
        audit_record(actor=actor, action="orgunit.changed", obj=unit, unit=unit, changes=changes)
    return unit


def _overlaps(start: dt.date, end: dt.date | None) -> Q:
    """Posts whose [start_date, end_date] meets [start, end]."""
    condition = Q(end_date__isnull=True) | Q(end_date__gte=start)
    if end is not None:
        condition &= Q(start_date__lte=end)
    return condition


@transaction.atomic
def post_assign(
    *,
    actor: Any,
    unit: OrgUnit,
    member: Member,
    kind: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    decision: str = "",
) -> Post:
    """Record that ``member`` holds ``kind`` on ``unit`` from ``start_date``."""
    if not member.cell.path.startswith(unit.path):
        raise ValidationError(
            {"member": _("The holder must be a member of this unit.")}, code="not_in_unit"
        )
    post = Post(
        unit=unit,
        member=member,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        decision=nfc(decision),
    )
    post.full_clean()
    overlapping = Post.objects.filter(_overlaps(start_date, end_date), unit=unit, kind=kind)
    if overlapping.filter(member=member).exists():
        raise ValidationError(
            _("This member already holds this post in that period."), code="post_duplicate"
        )
    if kind in SINGLE_HOLDER and overlapping.exists():
        raise ValidationError(
            _("Someone else holds this post in that period. End their term first."),
            code="post_taken",
        )
    post.save()
    audit_record(
        actor=actor,
        action="post.assigned",
        obj=post,
        unit=unit,
        member=member,
        changes=diff({}, snapshot(post, _POST_FIELDS)),
    )
    _rollup_changed(post, start_date)
    return post


@transaction.atomic
def post_end(*, actor: Any, post: Post, end_date: dt.date) -> Post:
    if end_date < post.start_date:
        raise ValidationError(
            {"end_date": _("The end date cannot be before the start date.")},
            code="end_before_start",
        )
    before = snapshot(post, ["end_date"])
    ended_before = post.end_date
    post.end_date = end_date
    post.save(update_fields=["end_date"])
    audit_record(
        actor=actor,
        action="post.ended",
        obj=post,
        unit=post.unit,
        member=post.member,
        changes=diff(before, snapshot(post, ["end_date"])),
    )
    _rollup_changed(post, min(end_date, ended_before or end_date))
    return post


def _rollup_changed(post: Post, day: dt.date) -> None:
    """Who may prepare a cell's meeting changed: the reports' rollup of the cell, from ``day``."""
    from chibo.reports import rollup  # the rollup reads the meetings, which read this app

    rollup.post_changed(post.unit_id, day)


@transaction.atomic
def grant_add(*, actor: Any, user: Any, unit: OrgUnit, role: str) -> Grant:
    grant, created = Grant.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit_record(
            actor=actor,
            action="grant.added",
            obj=grant,
            unit=unit,
            changes=diff({}, {"user": user.pk, "role": role}),
        )
    return grant


@transaction.atomic
def grant_remove(*, actor: Any, grant: Grant) -> None:
    audit_record(
        actor=actor,
        action="grant.removed",
        obj=grant,
        unit=grant.unit,
        changes=diff({"user": grant.user_id, "role": grant.role}, {}),
    )
    grant.delete()
