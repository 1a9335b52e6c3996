"""Fast writes of many rows whose ids nobody needs back (events, audit entries, index rows),
an upsert, and a plain read of many rows.

``bulk_create`` prepares every value of every row through the field's full save path and
renders a placeholder per value; for tens of thousands of rows that is most of the time of a
seed or an import. ``insert_rows`` renders one ``INSERT`` and sends the rows with
``executemany``, converting only the values whose field needs it (dates, times, JSON) with
that field's own ``get_db_prep_save``. Values are taken as they are on the objects: defaults,
``auto_now_add`` and the model's ``save()`` are not applied, so callers set every column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models

BATCH = 5_000
# Fields whose Python values the drivers take as they are.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


class Instances:
    """Builds new instances of ``model`` through ``Model.__init__``'s positional path (about
    half the time of keyword arguments): ``Instances(Member)(full_name=..., cell_id=...)``;
    a column not given gets its field's default."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [(f.attname, f) for f in model._meta.concrete_fields]

    def __call__(self, **values: Any) -> Any:
        return self.model(*[values[a] if a in values else f.get_default() for a, f in self.fields])


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The model's field called ``name``, which must be a column of its table."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _last_value(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert``, remembering its last argument (by identity) and result."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is handed to the driver: as it is, or through the database
    operations Django's own save path ends in (the same adapters, without the layers above)."""
    ops = connection.ops
    if isinstance(field, models.ForeignKey) or (
        isinstance(field, _PLAIN) and not isinstance(field, models.JSONField)
    ):
        return None
    if connection.vendor == "postgresql" and isinstance(field, models.DateField):
        # psycopg adapts dates and aware datetimes itself (Django's PostgreSQL adapters
        # return them unchanged).
        return None
    if isinstance(field, models.DateTimeField):
        # A bulk writer stamps every row with the same time: adapt it once.
        return _last_value(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda value: ops.adapt_json_value(value, field.encoder)
    return lambda value: field.get_db_prep_save(value, connection)


def insert_values(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = BATCH,
) -> int:
    """Insert ``rows`` (one value per name of ``fields``, in that order; a foreign key by its
    id) into ``model``'s table. Returns the number of rows."""
    columns = [concrete_field(model, name) for name in fields]
    prepared = _prepared(columns, rows)
    _send(model._meta.db_table, columns, prepared, batch)
    return len(prepared)


def _prepared(columns: Sequence[models.Field], rows: Iterable[Sequence[Any]]) -> list[Any]:
    """``rows`` with each value of a column that needs it converted for the driver."""
    converted = [(i, c) for i, c in enumerate(_converter(f) for f in columns) if c is not None]
    if not converted:
        return list(rows)
    prepared: list[Sequence[Any]] = []
    for row in rows:
        row = list(row)
        for i, convert in converted:
            if row[i] is not None:
                row[i] = convert(row[i])
        prepared.append(row)
    return prepared


def _send(
    table: str, columns: Sequence[models.Field], rows: Sequence[Sequence[Any]], batch: int
) -> None:
    """Write prepared rows: PostgreSQL's ``COPY`` (one stream, no statement per row; about ten
    times ``executemany``), elsewhere one ``executemany`` per batch."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.copy import QueuedLibpqWriter  # only where PostgreSQL is used

            raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
            # A thread sends the data while Python formats the next rows, so the server
            # inserts (and updates its indexes) at the same time, on the other core.
            writer = QueuedLibpqWriter(raw)
            with raw.copy(f"COPY {quote(table)} ({names}) FROM STDIN", writer=writer) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 - ours
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def insert_rows(
    model: type[models.Model], objs: Iterable[Any], fields: Sequence[str], *, batch: int = BATCH
) -> int:
    """Insert one row per object of ``objs`` (model instances or any objects with the
    attributes), writing the columns of ``fields`` (field names; a foreign key is read from
    its ``_id`` attribute). Returns the number of rows."""
    attnames = [concrete_field(model, name).attname for name in fields]
    rows = ([getattr(obj, name) for name in attnames] for obj in objs)
    return insert_values(model, fields, rows, batch=batch)


def insert_objects(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new model instances and set their ids, like ``bulk_create`` without its
    per-value layers: every concrete column but the id, taken as it is on each object (set
    ``auto_now`` fields yourself). PostgreSQL: ids drawn from the table's sequence, then one
    ``COPY``. SQLite: one multi-row ``INSERT … RETURNING id`` per batch, the returned ids
    sorted (SQLite gives a statement's rows increasing rowids in row order)."""
    meta = model._meta
    if connection.vendor == "postgresql" and objs:
        # Take the ids from the table's sequence first, then COPY the rows with them.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        fields = list(meta.concrete_fields)
        converters = [_converter(f) for f in fields]
        rows = [
            tuple(
                value if convert is None or value is None else convert(value)
                for value, convert in (
                    (getattr(obj, f.attname), c) for f, c in zip(fields, converters, strict=True)
                )
            )
            for obj in objs
        ]
        _send(meta.db_table, fields, rows, BATCH)
        for obj in objs:
            obj._state.adding = False
        return
    columns = [f for f in meta.concrete_fields if not f.primary_key]
    converters = [_converter(f) for f in columns]
    attnames = [f.attname for f in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, connection.ops.bulk_batch_size(columns, objs))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params: list[Any] = []
            for obj in chunk:
                for attname, convert in zip(attnames, converters, strict=True):
                    value = getattr(obj, attname)
                    params.append(value if convert is None or value is None else convert(value))
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608 - ours
                f"VALUES {', '.join([marks] * len(chunk))} RETURNING {quote(meta.pk.column)}"
            )
            cursor.execute(sql, params)
            ids = sorted(row[0] for row in cursor.fetchall())
            for obj, pk in zip(chunk, ids, strict=True):
                obj.pk = pk
                obj._state.adding = False


def upsert_values(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str],
) -> int:
    """Insert ``rows`` (as for ``insert_values``) into ``model``'s table, or, where a row with
    the same ``unique`` columns exists (they must form a unique constraint), set its ``update``
    columns to the new values: ``INSERT … ON CONFLICT (…) DO UPDATE``, safe against a
    concurrent writer. One statement: on PostgreSQL the columns travel as arrays through
    ``unnest`` (the same SQL whatever the number of rows); on SQLite one ``executemany``.
    Returns the number of rows."""
    if not rows:
        return 0
    columns = [concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    conflict = ", ".join(quote(concrete_field(model, name).column) for name in unique)
    assignments = ", ".join(
        f"{quote(c)} = EXCLUDED.{quote(c)}"
        for c in (concrete_field(model, n).column for n in update)
    )
    table = quote(model._meta.db_table)
    rows = _prepared(columns, rows)
    tail = f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}"  # noqa: S608 - ours
            cursor.executemany(sql, rows)
    return len(rows)


def plain_rows(queryset: models.QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``queryset`` (a ``values_list``) as tuples straight from the driver: the
    query is the ORM's, the per-value converters are skipped (about half the time of reading
    a few hundred rows). Only for columns the drivers already give as Python values: integers,
    strings, and dates (Django's SQLite connection parses ``date`` columns itself) — not
    booleans, decimals, JSON or datetimes on SQLite."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
