"""The audit trail: every service writes one entry per change, inside its transaction."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django_scopes import scopes_disabled

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


# --- Security events: failed logins and denied requests (decision 0016) ----------------------

#: At most one entry per (who, what) in this many seconds, so a script cannot flood the trail.
SECURITY_EVENT_WINDOW = dt.timedelta(minutes=1)


def client_ip(request: Any) -> str | None:
    """The address the request came from (REMOTE_ADDR; a proxy in front sets it right)."""
    raw = (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "") or ""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def _recent(**filters: Any) -> bool:
    since = timezone.now() - SECURITY_EVENT_WINDOW
    with scopes_disabled():  # a throttle lookup, not a read by the user
        return AuditEntry.objects.filter(created_at__gte=since, **filters).exists()


def home_unit_id(user_id: int) -> int | None:
    """Where a user's security events are filed: their cell, else their widest grant's unit —
    so the committee above them sees their failed logins and denied requests."""
    from chibo.members.models import Member
    from chibo.orgunits.models import Grant

    with scopes_disabled():  # the user's own placement, not a read by the requester
        cell_id = Member.objects.filter(user_id=user_id).values_list("cell_id", flat=True).first()
        if cell_id is not None:
            return int(cell_id)
        grant = (
            Grant.objects.filter(user_id=user_id)
            .order_by("unit__depth", "unit_id")
            .values_list("unit_id", flat=True)
            .first()
        )
        return int(grant) if grant is not None else None


def audit_login_failed(*, username: str, request: Any) -> AuditEntry | None:
    """One ``auth.login_failed`` entry: the name tried and the address, never the password.

    While django-axes holds the account locked, or the same name failed from the same address
    within the window, nothing more is written (axes itself keeps counting every attempt).
    """
    from chibo.accounts.backends import find_user

    tried = (username or "").strip()[:150]
    ip = client_ip(request)
    if request is not None and getattr(request, "axes_locked_out", False):
        return None
    if _recent(action="auth.login_failed", object_repr=tried, ip=ip):
        return None
    user = find_user(tried) if tried else None
    return AuditEntry.objects.create(
        actor=None,
        actor_name="",
        action="auth.login_failed",
        unit_id=home_unit_id(user.pk) if user is not None else None,
        object_type="accounts.user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=tried,
        ip=ip,
        changes={},
    )


def audit_access_denied(
    *, request: Any, status: int, url_name: str, unit_id: int | None
) -> AuditEntry | None:
    """One ``access.denied`` entry for a 403/404 answer to a signed-in user (rate limited)."""
    user = request.user
    where = f"{request.method} {request.path}"[:200]
    if _recent(action="access.denied", actor_id=user.pk, object_repr=where):
        return None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=str(user)[:150],
        action="access.denied",
        unit_id=unit_id,
        object_type="http.request",
        object_id=url_name[:40],
        object_repr=where,
        ip=client_ip(request),
        changes={"status": [None, status]},
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    """``user_login_failed`` receiver (connected in ``CoreConfig.ready``). Django has already
    masked the password in ``credentials``; only the username is read."""
    audit_login_failed(username=str(credentials.get("username") or ""), request=request)
