"""Account writes: users, passwords, language, API tokens. Each is atomic and audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts.backends import normalize_phone
from chibo.accounts.models import ApiToken, User
from chibo.core import rawsql
from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.vietnamese import nfc

_USER_FIELDS = ("username", "full_name", "phone", "is_active", "is_staff", "is_superuser")


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    password: str | None,
    phone: str = "",
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username.strip(),
        full_name=nfc(full_name),
        phone=normalize_phone(phone) or None,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(
        actor=actor,
        action="user.created",
        obj=user,
        changes=diff({}, snapshot(user, _USER_FIELDS)),
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_changed", obj=user)


@transaction.atomic
def user_set_language(*, actor: Any, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."), code="invalid_language")
    if user.language == language:
        return
    before = snapshot(user, ["language"])
    user.language = language
    user.save(update_fields=["language"])
    audit_record(
        actor=actor,
        action="user.language_changed",
        obj=user,
        changes=diff(before, snapshot(user, ["language"])),
    )


def user_sessions_revoke(user: User) -> None:
    """End every session of ``user`` at its next request (all devices); not audited here.

    Raises the session generation folded into the session hash (one UPDATE, no scan of the
    session table); ``user`` in memory gets the new value too.
    """
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)


def user_api_tokens_revoke(user: User) -> int:
    """Revoke the live API tokens of ``user``; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def user_logout_everywhere(*, actor: Any, user: User) -> None:
    """End every browser session of ``user``, this one included (the caller logs it out)."""
    user_sessions_revoke(user)
    audit_record(actor=actor, action="auth.logout_everywhere", obj=user)


@transaction.atomic
def user_deactivate(*, actor: Any, user: User) -> None:
    """Stop ``user`` from logging in: their sessions end and their API tokens are revoked.

    Reactivating the account later revives neither.
    """
    if not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_revoke(user)
    tokens = user_api_tokens_revoke(user)
    audit_record(
        actor=actor,
        action="user.deactivated",
        obj=user,
        changes={"is_active": [True, False], "api_tokens_revoked": [None, tokens]},
    )


@transaction.atomic
def user_reactivate(*, actor: Any, user: User) -> None:
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action="user.reactivated", obj=user, changes={"is_active": [False, True]}
    )


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token; the raw key is returned once and never stored."""
    raw = "chb_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_hash=_hash(raw),
        prefix=raw[4:12],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_record(actor=user, action="apitoken.created", obj=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="apitoken.revoked", obj=token)


_TOKEN = rawsql.Columns(ApiToken, "t")
_TOKEN_USER = rawsql.Columns(User, "u")


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token for ``raw`` (not revoked, not expired, active user), or None. Its user
    comes with it (one statement, written in SQL because every API request makes it:
    decision 0020)."""
    if not raw.startswith("chb_") or len(raw) > 100:
        return None
    connection = connections["default"]
    now = timezone.now()
    token_column = partial(_TOKEN.column, connection)
    user_id = _TOKEN_USER.column(connection, "id")
    sql = rawsql.select(
        connection,
        [_TOKEN, _TOKEN_USER],
        joins=f"JOIN {_TOKEN_USER.source(connection)} ON {user_id} = {token_column('user')}",
        where=f"{token_column('key_hash')} = %s AND {token_column('revoked_at')} IS NULL"
        f" AND {token_column('expires_at')} > %s",
    )
    row = rawsql.fetch_one(
        sql,
        [_hash(raw), rawsql.datetime_param(now)],
    )
    if row is None:
        return None
    token = _TOKEN.build(row)
    user = _TOKEN_USER.build(row, len(_TOKEN))
    if not user.is_active:
        return None
    ApiToken.user.field.set_cached_value(token, user)
    # Record use at most every five minutes: one write per request would cost the hot path.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
