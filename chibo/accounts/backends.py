from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from chibo.core import rawsql

_NON_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str) -> str:
    """'+84 912 345 678', '0912.345.678' -> '0912345678' (the form phones are stored in)."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits.replace("+", "")


def looks_like_phone(identifier: str) -> bool:
    phone = normalize_phone(identifier)
    return (
        phone.startswith("0") and 9 <= len(phone) <= 11 and not re.search(r"[a-zA-Z]", identifier)
    )


def find_user(identifier: str) -> Any:
    """The active-or-not user whose username (any case) or phone number is ``identifier``."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    condition = Q(username__iexact=identifier)
    if looks_like_phone(identifier):
        condition |= Q(phone=normalize_phone(identifier))
    return get_user_model()._default_manager.filter(condition).first()


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or the phone number, and the password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal unknown accounts.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> Any:
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@cache
def _user_columns() -> rawsql.Columns:
    return rawsql.Columns(get_user_model(), "u")


def user_by_pk(pk: Any) -> Any:
    """The user with primary key ``pk``, or None: the read every signed-in request makes,
    without the ORM's query building (decision 0020)."""
    return rawsql.by_pk(_user_columns(), pk)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The key django-axes counts failures under: the account, however it was named.

    Without this an attacker would get twice the attempts by alternating username and phone.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    user = find_user(raw)
    return user.username.lower() if user is not None else (raw or "").strip().lower()
