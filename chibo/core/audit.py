"""The audit trail: every service writes one entry per change, inside its transaction."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from chibo.core.models import AuditEntry

_AS_IS = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@functools.lru_cache(maxsize=512)
def _attnames(model: type[models.Model], fields: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, getattr(model._meta.get_field(name), "attname", name)) for name in fields)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` (foreign keys by id) as JSON-ready data."""
    return {
        name: _plain(getattr(instance, attname))
        for name, attname in _attnames(instance._meta.model, tuple(fields))
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    if not before:
        # A new record: its filled fields (an empty text is not a change from nothing).
        return {k: [None, v] for k, v in after.items() if v is not None and v != ""}
    keys = dict.fromkeys([*before, *after])
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    unit: Any = None,
    member: Any = None,
    changes: dict[str, list[Any]] | None = None,
) -> AuditEntry:
    """Write one audit entry. ``action`` is dotted: ``orgunit.created``, ``post.ended``."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_name=str(actor_obj)[:150] if actor_obj else "system",
        action=action,
        unit=unit,
        member=member,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )
