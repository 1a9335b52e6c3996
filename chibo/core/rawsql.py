"""The reads every request makes, written once in SQL and turned into model instances the way
the ORM turns its rows (decision 0020).

The ORM builds a query and compiles its SQL again on every call: on the benchmark machine
about 0.3 ms of Python for a one-row read by key, three times what the database takes to
answer it (a prepared statement on PostgreSQL, decision 0019). For the session, the signed-in
user and the API token, which every request reads, that cost was a third of a signed-in
request that does nothing else. ``Columns`` gives the column list of a model for a
hand-written ``SELECT`` and builds the instance from the row with the same converters the
ORM applies (SQLite's naive datetimes made aware, booleans, JSON), so the instance is the one
``Model.objects.get`` would give.

Only for reads whose SQL is fixed. Everything else stays in the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns:
    """The concrete columns of ``model`` under the table alias ``alias``.

    ``sql`` is the select list (``"t"."id", "t"."name", …``); ``build(row, start)`` makes the
    instance from ``len(self)`` values of ``row`` from ``start`` on (with ``only``, the other
    fields are deferred: read on first access, as after ``QuerySet.only``).
    """

    def __init__(
        self, model: type[models.Model], alias: str, only: Sequence[str] | None = None
    ) -> None:
        self.model = model
        self.alias = alias
        # ``only``: these fields (by name), the others deferred, as ``QuerySet.only`` does.
        self.fields = [f for f in model._meta.concrete_fields if only is None or f.name in only]
        self.attnames = [f.attname for f in self.fields]
        self.table = model._meta.db_table

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self, connection: BaseDatabaseWrapper) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(f.column)}" for f in self.fields)

    def column(self, connection: BaseDatabaseWrapper, name: str) -> str:
        """The quoted ``"alias"."column"`` of the field ``name``."""
        quote = connection.ops.quote_name
        field = next(f for f in self.model._meta.concrete_fields if name in (f.name, f.attname))
        return f"{quote(self.alias)}.{quote(field.column)}"

    def source(self, connection: BaseDatabaseWrapper) -> str:
        """``"table" "alias"``, for a FROM or JOIN clause."""
        quote = connection.ops.quote_name
        return f"{quote(self.table)} {quote(self.alias)}"

    def build(self, row: Sequence[Any], start: int = 0, *, using: str = "default") -> Any:
        connection = connections[using]
        values = list(row[start : start + len(self.fields)])
        for index, field, converters in _converters(self, using):
            value = values[index]
            for convert in converters:
                value = convert(value, field, connection)
            values[index] = value
        return self.model.from_db(using, self.attnames, values)


@cache
def _converters(columns: Columns, using: str) -> list[tuple[int, Any, list[Converter]]]:
    """For each column that has them, the backend's and the field's converters (as the SQL
    compiler collects them for a select)."""
    connection = connections[using]
    found = []
    for index, field in enumerate(columns.fields):
        expression = field.get_col(columns.alias)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if converters:
            found.append((index, expression, converters))
    return found


def select(
    connection: BaseDatabaseWrapper, columns: Sequence[Columns], *, joins: str = "", where: str
) -> str:
    """``SELECT`` the columns of each of ``columns`` ``FROM`` the first one's table, then
    ``joins``, ``WHERE where``. Only identifiers are formatted in; values go as parameters."""
    select_list = ", ".join(c.sql(connection) for c in columns)
    tail = f" {joins}" if joins else ""
    return f"SELECT {select_list} FROM {columns[0].source(connection)}{tail} WHERE {where}"  # noqa: S608


# The range of a BigAutoField: a key outside it matches nothing (the ORM answers "no row" too,
# where the driver would raise).
_KEY_RANGE = range(-(2**63), 2**63)


def by_pk(columns: Columns, pk: Any, *, using: str | None = None) -> Any:
    """The instance of ``columns.model`` with primary key ``pk`` (an integer), or None."""
    if not isinstance(pk, int) or pk not in _KEY_RANGE:
        return None
    using = using or router.db_for_read(columns.model)
    connection = connections[using]
    where = f"{columns.column(connection, columns.model._meta.pk.name)} = %s"
    row = fetch_one(select(connection, [columns], where=where), [pk], using=using)
    return None if row is None else columns.build(row, using=using)


def fetch_one(sql: str, params: Sequence[Any], *, using: str = "default") -> tuple[Any, ...] | None:
    """The first row of ``sql`` on the ``using`` connection, or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on the ``using`` connection."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def datetime_param(value: Any, *, using: str = "default") -> Any:
    """A datetime as the backend compares it with a datetime column (naive UTC on SQLite)."""
    return connections[using].ops.adapt_datetimefield_value(value)
