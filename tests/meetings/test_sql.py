"""The SQL of the meetings app is what PostgreSQL (production) runs, not SQLite-only.

The whole suite also runs on a real PostgreSQL server (``scripts/test.sh``); these tests check,
on any backend, that the statements the roll and the alerts rest on compile for PostgreSQL, and
that the app's code uses nothing backend-specific.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.db.models.constants import OnConflict
from django.db.models.sql.subqueries import InsertQuery
from django_scopes import scopes_disabled

from chibo.meetings import selectors
from chibo.meetings.models import Attendance

APP = Path(__file__).resolve().parents[2] / "chibo" / "meetings"


@pytest.fixture
def postgresql() -> DatabaseWrapper:
    """A PostgreSQL backend that compiles SQL without connecting to a server."""
    settings_dict = {
        "NAME": "chibo",
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
    }
    return DatabaseWrapper(settings_dict, alias="postgresql-compile")


def test_the_roll_upsert_is_on_conflict_do_update(postgresql) -> None:
    meta = Attendance._meta
    query = InsertQuery(
        Attendance,
        on_conflict=OnConflict.UPDATE,
        update_fields=[meta.get_field(n) for n in ("category", "reason", "recorded_at")],
        unique_fields=[meta.get_field(n) for n in ("meeting", "member")],
    )
    fields = [meta.get_field(n) for n in ("meeting", "member", "category", "reason")]
    query.insert_values(fields, [Attendance(meeting_id=1, member_id=2, category="present")])
    (sql, _params), *_rest = query.get_compiler(connection=postgresql).as_sql()
    assert 'ON CONFLICT("meeting_id", "member_id") DO UPDATE SET' in sql
    assert '"category" = EXCLUDED."category"' in sql


def test_roll_and_alert_queries_compile_for_postgresql(postgresql) -> None:
    with scopes_disabled():
        querysets = [
            selectors.roll_candidates(1),
            selectors.year_attendance_rows(1, 2025, until=dt.date(2025, 6, 5)),
        ]
        for queryset in querysets:
            sql, _params = queryset.query.get_compiler(connection=postgresql).as_sql()
            assert sql.startswith("SELECT")
            assert "django_" not in sql  # SQLite's registered helper functions


def test_no_backend_specific_code() -> None:
    forbidden = re.compile(r"\.raw\(|RawSQL|\.extra\(|connection\.vendor|sqlite|cursor\(")
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        assert not forbidden.search(path.read_text(encoding="utf-8")), path


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs on the PostgreSQL pass")
def test_unique_roll_is_enforced_by_postgresql(world) -> None:
    from django.db import IntegrityError, transaction

    from tests.meetings.factories import meeting_on

    with scopes_disabled():
        meeting = meeting_on(world.cell, dt.date(2025, 3, 8))
        Attendance.objects.create(meeting=meeting, member=world.plain_member, category="present")
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.create(meeting=meeting, member=world.plain_member, category="late")
