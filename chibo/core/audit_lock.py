"""The database refuses to change or delete audit entries (decision 0016).

Triggers on ``core_auditentry`` abort every UPDATE, and every DELETE (and, on PostgreSQL,
TRUNCATE) unless this connection has opened the one maintenance path, ``audit_unlocked()``.
It is used by exactly two callers: ``manage.py flush`` (which empties the whole database, as
recreating it would) and ``wipe_audit_trail()`` for test fixtures that build data outside a test
transaction. UPDATE is never allowed, not even there.

On SQLite the triggers ask the function ``chibo_audit_unlocked()``, which Django registers on
each of its connections; another client (the ``sqlite3`` shell) lacks it, so its UPDATE or
DELETE of the table fails too. On PostgreSQL they read the setting ``chibo.audit_unlock``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "core_auditentry"
_state = threading.local()

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT chibo_audit_unlocked()
    BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]

POSTGRESQL_CREATE = [
    """CREATE OR REPLACE FUNCTION chibo_audit_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE'
           AND coalesce(current_setting('chibo.audit_unlock', true), '') = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit entries cannot be changed or deleted (%)', TG_OP;
    END
    $$""",
    f"""CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION chibo_audit_refuse()""",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION chibo_audit_refuse()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS chibo_audit_refuse()",
]


def install_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


def remove_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


def _unlocked() -> int:
    return 1 if getattr(_state, "unlocked", False) else 0


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give each SQLite connection the trigger's function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("chibo_audit_unlocked", 0, _unlocked)


@contextmanager
def audit_unlocked(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Allow DELETE (never UPDATE) of audit rows on this connection, for the block only."""
    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    _state.unlocked = True
    try:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('chibo.audit_unlock', 'on', false)")
        yield
    finally:
        _state.unlocked = False
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('chibo.audit_unlock', 'off', false)")


def wipe_audit_trail(using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete every audit entry. Only for tests that build data outside a test transaction
    (module fixtures) and must leave an empty database behind, as ``flush`` does."""
    connection = connections[using]
    with audit_unlocked(using), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 (a constant)
