"""Changing what reports own: the committees' targets (the rollup is written by
``rollup.py``). Each service is atomic and writes one audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.orgunits.models import OrgUnit
from chibo.reports.models import Indicator, Target

_AUDITED = ["indicator", "value", "start", "deadline", "note"]


@dataclass(frozen=True)
class TargetData:
    indicator: str
    value: Decimal
    start: dt.date
    deadline: dt.date
    note: str = ""


def _fail(message: str, code: str, field: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check(unit: OrgUnit, data: TargetData) -> None:
    if unit.is_cell:
        raise _fail(
            _("Targets are set by a committee for its units, not on a cell."), "cell", "unit"
        )
    if data.indicator not in Indicator.values:
        raise _fail(_("Choose an indicator from the list."), "indicator", "indicator")
    if not Decimal(0) <= data.value <= Decimal(100):
        raise _fail(_("A target is a percentage from 0 to 100."), "value", "value")
    if data.deadline < data.start:
        raise _fail(
            _("The deadline (%(deadline)s) is before the start (%(start)s).")
            % {"deadline": f"{data.deadline:%d/%m/%Y}", "start": f"{data.start:%d/%m/%Y}"},
            "deadline",
            "deadline",
        )


@transaction.atomic
def target_create(*, actor: Any, unit: OrgUnit, data: TargetData) -> Target:
    _check(unit, data)
    target = Target(
        unit=unit,
        indicator=data.indicator,
        value=data.value,
        start=data.start,
        deadline=data.deadline,
        note=data.note.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    target.save()
    audit_record(
        actor=actor,
        action="report.target_set",
        obj=target,
        unit=unit,
        changes=diff({}, snapshot(target, _AUDITED)),
    )
    return target


@transaction.atomic
def target_delete(*, actor: Any, target: Target) -> None:
    audit_record(
        actor=actor,
        action="report.target_removed",
        obj=target,
        unit=target.unit,
        changes=diff(snapshot(target, _AUDITED), {}),
    )
    target.delete()
