"""Lean multi-row INSERTs for the 837 intake's batches.

``QuerySet.bulk_create`` spends most of its time per value (model ``__init__``, ``pre_save``,
expression checks, a placeholder per value): at ~8 rows and ~160 values per claim that was
most of the intake's time. ``insert_rows`` writes the same rows from plain dicts keyed by
attname (as ``Model(**row)`` would take them) through each field's own database conversion
(``get_db_prep_save``), so the stored values are the ones ``bulk_create`` stores. Like
``bulk_create`` it sends no signals and runs no ``save()``.

SQLite gets one prepared statement run for every row; PostgreSQL gets the rows by COPY
(``_copy_rows``): the multi-row INSERT of arrays that ``bulk_create`` uses there made psycopg
quote every array element in Python, most of the intake's time on that database.

A field a row leaves out gets what the model would give it: its default (a callable one is
called per row), or ``now`` for ``auto_now``/``auto_now_add`` fields.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

# Builtin field classes whose conversion of a value of exactly this type (or None) is the
# identity on SQLite and PostgreSQL (``to_python``/``get_prep_value`` return it unchanged).
_STR_FIELDS = (models.CharField, models.TextField)
_INT_FIELDS = (
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
)
_MAX_ROWS = 1000  # per statement, below the backend's parameter limit


class _NoFastType:
    """No value is of this type: every value goes through the field's conversion."""


def _identity_type(field: models.Field[Any, Any]) -> type:
    if isinstance(field, models.ForeignKey):
        return _identity_type(field.target_field)
    if type(field) in _STR_FIELDS:
        return str
    if type(field) in _INT_FIELDS:
        return int
    return _NoFastType


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """``field.get_db_prep_save``, short-cut for the common cases: a date into a builtin
    DateField and a finite Decimal into a builtin DecimalField go straight to the backend's
    adapter (what ``get_db_prep_save`` ends in: ``to_python`` returns them unchanged); other
    values are converted through the field, remembering the last answer (a batch repeats its
    ``now``; the values are immutable)."""
    prep = field.get_db_prep_save
    ops = connection.ops
    last: list[Any] = [_NoFastType, None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, prep(value, connection)
        return last[1]

    if type(field) is models.DateField:
        adapt_date = ops.adapt_datefield_value

        def convert_date(value: Any) -> Any:
            return adapt_date(value) if type(value) is date else convert(value)

        return convert_date
    if type(field) is models.DecimalField:
        adapt_decimal = ops.adapt_decimalfield_value
        digits, places = field.max_digits, field.decimal_places

        def convert_decimal(value: Any) -> Any:
            if type(value) is Decimal and value.is_finite():
                return adapt_decimal(value, digits, places)
            return convert(value)

        return convert_decimal
    return convert


def _param_limit(connection: Any) -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    if connection.vendor == "postgresql":
        return 65535
    return int(connection.features.max_query_params or 999)


def _copy_rows(
    connection: Any,
    model: type[models.Model],
    columns: list[models.Field[Any, Any]],
    params: Iterable[list[Any]],
    count: int,
    returning: bool,
) -> list[Any]:
    """PostgreSQL: COPY the rows in (psycopg formats each row in C and the server parses the
    stream while the next rows are formatted). COPY returns nothing, so when the new keys are
    wanted they are drawn from the table's sequence first and sent as ordinary values."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    pks: list[Any] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, count],
            )
            pks = sorted(r[0] for r in cursor.fetchall())
            columns = [pk, *columns]
            params = ([key, *values] for key, values in zip(pks, params, strict=True))
        names = ", ".join(qn(str(f.column)) for f in columns)
        # Identifiers from the model's metadata, quoted; the values travel as COPY data.
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for values in params:
                copy.write_row(values)
    return pks


def insert_rows(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, returning: bool = False
) -> list[Any]:
    """Insert ``rows`` (dicts by attname, all with the same keys in the same order) in their
    order; with ``returning``, their new primary keys in that order."""
    rows = list(rows)
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        objs = [model(**row) for row in rows]
        model._default_manager.using(using).bulk_create(objs)
        return [o.pk for o in objs]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    by_attname = {f.attname: f for f in meta.concrete_fields}
    keys = tuple(rows[0])
    given = [by_attname[k] for k in keys]  # KeyError: not a concrete field of the model
    if pk in given or any(isinstance(row.get(k), models.Model) for row in rows[:1] for k in keys):
        raise ValueError("rows name concrete fields by attname, without the primary key")
    now = timezone.now()
    rest = [f for f in meta.concrete_fields if f is not pk and f.attname not in keys]
    per_row = [f for f in rest if f.has_default() and callable(f.default)]
    fixed = [f for f in rest if f not in per_row]
    tail = [
        f.get_db_prep_save(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default(),
            connection,
        )
        for f in fixed
    ]
    columns = [*given, *per_row, *fixed]
    qn = connection.ops.quote_name
    # Identifiers from the model's metadata, quoted; every value is a parameter.
    into = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in columns)}) "
    pk_column = qn(str(pk.column))
    head = into + "VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    spec = [(_identity_type(f), _converter(f, connection)) for f in given]
    per_row_prep = [(f, f.get_db_prep_save) for f in per_row]
    size = max(1, min(_MAX_ROWS, _param_limit(connection) // len(columns)))

    def _row_params(row: Mapping[str, Any]) -> list[Any]:
        if tuple(row) != keys:
            raise ValueError("every row needs the same keys in the same order")
        out = [
            value if value is None or type(value) is fast else convert(value)
            for value, (fast, convert) in zip(row.values(), spec, strict=True)
        ]
        for f, prep in per_row_prep:
            out.append(prep(f.get_default(), connection))
        out += tail
        return out

    pks: list[Any] = []
    if connection.vendor == "postgresql":
        return _copy_rows(connection, model, columns, map(_row_params, rows), len(rows), returning)
    if not returning and connection.vendor == "sqlite":
        # One prepared single-row statement for all rows: SQLite's fastest way in.
        with connection.cursor() as cursor:
            cursor.executemany(head + one, [_row_params(row) for row in rows])
        return pks
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list[Any] = []
            for row in chunk:
                params += _row_params(row)
            sql = head + ", ".join([one] * len(chunk))
            if returning:
                cursor.execute(f"{sql} RETURNING {pk_column}", params)
                got = cursor.fetchall()
                if len(got) != len(chunk):  # pragma: no cover - the backends' contract
                    raise RuntimeError("INSERT … RETURNING gave a different number of rows")
                pks += [r[0] for r in got]
            else:
                cursor.execute(sql, params)
    return pks
