"""Lean multi-row INSERTs for the 837 intake's batches.

``QuerySet.bulk_create`` spends most of its time per value (model ``__init__``, ``pre_save``,
expression checks, a placeholder per value): at ~8 rows and ~160 values per claim that was
most of the intake's time. ``prepare_rows`` takes the same rows from plain dicts keyed by
attname (as ``Model(**row)`` would take them) through each field's own database conversion
(``get_db_prep_save``), so the stored values are the ones ``bulk_create`` stores. Like
``bulk_create`` it sends no signals and runs no ``save()``.

The work is split so that the database's part can overlap the caller's next batch:
``prepare_rows`` converts the rows on the caller's thread; ``RowWriter`` runs them (through the
driver, on the caller's connection and transaction) on a thread of its own; ``reserve_keys``
gives the claim rows their keys first, so their children can be prepared before they are
stored. SQLite gets multi-row INSERTs, PostgreSQL COPY (``run_insert``).

A field a row leaves out gets what the model would give it: its default (a callable one is
called per row), or ``now`` for ``auto_now``/``auto_now_add`` fields.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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
_MAX_ROWS = 1024  # per SQLite statement

log = logging.getLogger(__name__)


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
    adapter (what ``get_db_prep_save`` ends in: ``to_python`` returns them unchanged), and a
    choices member into a text field is its text; other
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
    if type(field) in _STR_FIELDS:

        def convert_text(value: Any) -> Any:
            # A str subclass (a TextChoices member): Django stores its text; so does a plain copy.
            return str.__str__(value) if isinstance(value, str) else convert(value)

        return convert_text
    return convert


@dataclass
class PreparedInsert:
    """Rows converted for the database (``prepare_rows``), ready to run on any thread."""

    table: str
    columns: list[str]
    rows: list[list[Any]]

    def lead(self, columns: list[str], values: Iterable[tuple[int, list[Any]]]) -> PreparedInsert:
        """The rows named by index in ``values``, each led by its values for ``columns`` (given
        ``later`` to ``prepare_rows``; keys and other ints and text need no conversion)."""
        return PreparedInsert(
            self.table, [*columns, *self.columns], [lead + self.rows[i] for i, lead in values]
        )


def prepare_rows(
    model: type[models.Model],
    rows: Iterable[Mapping[str, Any]],
    *,
    keys: list[Any] | None = None,
    later: tuple[str, ...] = (),
) -> PreparedInsert:
    """Convert ``rows`` (dicts by attname, all with the same keys in the same order) for the
    model's database; ``keys`` (from ``reserve_keys``) are their primary keys, in order.
    ``later`` names columns (attnames) the rows leave out that ``PreparedInsert.lead`` adds."""
    rows = list(rows)
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if keys is not None and len(keys) != len(rows):
        raise ValueError("one reserved key per row")
    if not rows:
        return PreparedInsert(meta.db_table, [], [])
    if any(name in later for name in rows[0]):
        raise ValueError("a column comes either in the rows or later")
    by_attname = {f.attname: f for f in meta.concrete_fields}
    names = tuple(rows[0])
    given = [by_attname[k] for k in names]  # KeyError: not a concrete field of the model
    if pk in given or any(isinstance(rows[0].get(k), models.Model) for k in names):
        raise ValueError("rows name concrete fields by attname, without the primary key")
    now = timezone.now()
    rest = [
        f
        for f in meta.concrete_fields
        if f is not pk and f.attname not in names and f.attname not in later
    ]
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
    spec = [(_identity_type(f), _converter(f, connection)) for f in given]
    per_row_prep = [(f, f.get_db_prep_save) for f in per_row]

    def _row_params(row: Mapping[str, Any]) -> list[Any]:
        if tuple(row) != names:
            raise ValueError("every row needs the same keys in the same order")
        out = [
            value if value is None or type(value) is fast else convert(value)
            for value, (fast, convert) in zip(row.values(), spec, strict=True)
        ]
        for f, prep in per_row_prep:
            out.append(prep(f.get_default(), connection))
        out += tail
        return out

    params = [_row_params(row) for row in rows]
    columns = [*given, *per_row, *fixed]
    if keys is not None:
        columns.insert(0, pk)
        for key, values in zip(keys, params, strict=True):
            values.insert(0, key)
    return PreparedInsert(meta.db_table, [str(f.column) for f in columns], params)


def reserve_keys(model: type[models.Model], count: int) -> list[Any]:
    """``count`` new primary keys for ``model``, ascending, that no other writer will use.

    PostgreSQL draws them from the table's sequence. SQLite has one writer at a time: inside
    the caller's transaction (``BEGIN IMMEDIATE``, so the write lock is held) the keys after
    both the largest key and the AUTOINCREMENT high-water mark are free until commit, and
    inserting them moves the mark."""
    if count <= 0:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, count],
            )
            return sorted(r[0] for r in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"no key reservation on {connection.vendor}")
        if not connection.in_atomic_block:
            raise RuntimeError("keys are reserved inside the transaction that uses them")
        # The table and column are the model's own, quoted; sqlite_sequence names it by value.
        sql = (
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608  # nosec B608
            f"COALESCE((SELECT MAX({qn(str(pk.column))}) FROM {qn(meta.db_table)}), 0))"
        )
        cursor.execute(sql, [meta.db_table])
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + count))


def run_insert(connection: Any, insert: PreparedInsert) -> None:
    """Run a prepared insert on ``connection``'s driver connection (no Django cursor, so it
    may run on another thread while the caller waits for it).

    SQLite gets multi-row INSERT statements: one ``sqlite3_step`` per statement, which runs
    without the GIL (executemany would take it back for every row). PostgreSQL gets COPY
    (psycopg formats each row in C; the multi-row INSERT of arrays that ``bulk_create``
    uses there made psycopg quote every array element in Python)."""
    if not insert.rows:
        return
    qn = connection.ops.quote_name
    table = qn(insert.table)
    # Identifiers from the model's metadata, quoted; the values travel as parameters/COPY data.
    names = ", ".join(qn(c) for c in insert.columns)
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for values in insert.rows:
                copy.write_row(values)
        return
    # Row counts in powers of two, so the driver's statement cache (where each statement
    # keeps its last rows' values) holds a few shapes per table, not one per batch.
    width = len(insert.columns)
    fits = min(_MAX_ROWS, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    size = 1 << (fits.bit_length() - 1)
    one = "(" + ", ".join(["?"] * width) + ")"
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608  # nosec B608 - quoted identifiers
    rows = insert.rows
    start = 0
    while start < len(rows):
        count = size
        while count > len(rows) - start:
            count >>= 1
        params: list[Any] = []
        for values in rows[start : start + count]:
            params += values
        raw.execute(head + ", ".join([one] * count), params)  # nosec B608 - see above
        start += count


class RowWriter:
    """Runs prepared inserts in order on the caller's connection and transaction, on a thread
    of its own, so the caller reads the next batch while the database stores this one.

    Only the driver's calls run there, and they run without the GIL for most of their time:
    the gain is the database's work, overlapped. ``wait()`` is the barrier: the caller waits
    (and gets the writer's error, as Django's exception) before it queries the connection
    itself or leaves the transaction; leaving the ``with`` block waits too.

    On PostgreSQL the foreign keys (Django makes them deferred) are checked as the rows are
    stored while the ``with`` block is open: the server checks them while the caller works,
    instead of all at commit while the caller waits. Either way a bad key fails the
    transaction.
    """

    def __init__(self, using: str = "default") -> None:
        self.connection = connections[using]
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _run(self, inserts: list[PreparedInsert]) -> None:
        try:
            with self.connection.wrap_database_errors:
                for insert in inserts:
                    run_insert(self.connection, insert)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by wait()
            self._error = exc

    def submit(self, inserts: list[PreparedInsert]) -> None:
        self.wait()
        self.connection.ensure_connection()
        self._thread = threading.Thread(
            target=self._run, args=(inserts,), name="portico-row-writer", daemon=True
        )
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> RowWriter:
        self._constraints("IMMEDIATE")
        return self

    def _constraints(self, mode: str) -> None:
        if self.connection.vendor == "postgresql" and self.connection.in_atomic_block:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS ALL {mode}")  # nosec B608 - a fixed keyword

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.wait()
            self._constraints("DEFERRED")
            return
        try:  # already failing: finish the writer's work, keep the first error
            self.wait()
        except BaseException:
            log.warning("row writer failed while the caller was failing", exc_info=True)
