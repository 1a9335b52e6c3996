"""The hand-written reads of every request (decision 0020) give what the ORM gives: the same
instance, field by field, with aware datetimes on SQLite too; in one statement each; and the
same refusals (expired session, inactive user, revoked or expired token)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.accounts.backends import UsernameOrPhoneBackend, user_by_pk
from chibo.accounts.models import ApiToken, User
from chibo.accounts.services import api_token_authenticate, api_token_create
from chibo.accounts.session_store import SessionStore
from chibo.core import rawsql
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_user_read_in_sql_equals_the_orm_read():
    user = make_user("raw-reader", phone="0912345678")
    user.last_login = timezone.now().replace(microsecond=123456)
    user.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as queries:
        raw = user_by_pk(user.pk)
    assert len(queries) == 1
    orm = User.objects.get(pk=user.pk)
    assert _fields(raw) == _fields(orm)
    # SQLite gives naive datetimes: the ORM's converters must have made them aware.
    assert timezone.is_aware(raw.last_login)
    assert timezone.is_aware(raw.date_joined)
    assert raw.last_login == user.last_login
    assert raw._state.adding is False
    assert raw._state.db == "default"
    assert user_by_pk(user.pk + 10_000) is None


def test_backend_refuses_an_inactive_user():
    user = make_user("raw-inactive")
    backend = UsernameOrPhoneBackend()
    assert backend.get_user(user.pk).pk == user.pk
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_session_read_in_sql_and_its_expiry():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    key = store.session_key
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key).load() == {"answer": 42}
    assert len(queries) == 1
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key is made if anything is written
    assert SessionStore("x" * 32).load() == {}


def test_a_signed_in_page_reads_session_and_user_through_sql():
    make_user("raw-page")
    client = Client()
    login = {"username": "raw-page", "password": PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/password/").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    # The hand-written statements, not the ORM's (which names every column with its table).
    assert any(s.startswith('SELECT "session_data" FROM "django_session"') for s in sql)
    assert any('FROM "accounts_user" "u" WHERE "u"."id" =' in s for s in sql)


def test_token_read_in_sql_brings_its_user_and_refuses_dead_tokens():
    user = make_user("raw-token")
    with scopes_disabled():
        token, raw = api_token_create(user=user, name="t")
    with CaptureQueriesContext(connection) as queries:
        found = api_token_authenticate(raw)
    # The token and its user in one statement, then the "last used" stamp.
    assert len(queries) == 2
    assert found.pk == token.pk
    unstamped = {"last_used_at": None}
    assert _fields(found) | unstamped == _fields(ApiToken.objects.get(pk=token.pk)) | unstamped
    with CaptureQueriesContext(connection) as queries:
        assert found.user.username == "raw-token"
    assert len(queries) == 0
    assert timezone.is_aware(found.expires_at)
    # Used a moment ago: no second stamp, one statement.
    with CaptureQueriesContext(connection) as queries:
        assert api_token_authenticate(raw).pk == token.pk
    assert len(queries) == 1

    assert api_token_authenticate(raw + "x") is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_token_authenticate(raw) is None
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + dt.timedelta(days=1), revoked_at=timezone.now()
    )
    assert api_token_authenticate(raw) is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
    assert api_token_authenticate(raw) is not None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_token_authenticate(raw) is None


def test_columns_convert_like_the_orm_for_every_field_type_of_the_user():
    user = make_user("raw-columns")
    columns = rawsql.Columns(User, "x")
    assert len(columns) == len(User._meta.concrete_fields)
    with connection.cursor() as cursor:
        where = f"{columns.column(connection, 'username')} = %s"
        cursor.execute(rawsql.select(connection, [columns], where=where), ["raw-columns"])
        row = cursor.fetchone()
    built = columns.build(row)
    assert _fields(built) == _fields(User.objects.get(pk=user.pk))
    assert built.is_active is True
