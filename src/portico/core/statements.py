"""Statements of the hottest paths, built once per model and run on the database cursor.

Django compiles every ORM query anew. On the 2-core benchmark machine that costs 0.3–1.2 ms a
statement — the sign-in's account look-up, with its join and ``LOWER()``, 1.2 ms — many times
what the database spends on it (docs/performance.md, "Identity"). The few statements that every
sign-in and every audited request run — the account look-up, the audit row, the session-list
entry, ``last_login`` — use these helpers instead:

* the SQL is built from the model's metadata (identifiers quoted by the backend, every value a
  query parameter) and kept per model and database vendor;
* values are prepared by the fields (``get_db_prep_save``) and rows converted by the backend's
  and the fields' converters before ``Model.from_db``, exactly as the ORM does, so an instance
  from here equals one from a queryset (tests/core/test_statements.py compares them field by
  field on both databases);
* a model with ``pre_save``/``post_save`` receivers, or with a shape these statements do not
  cover (inherited tables, generated columns, database defaults), is saved through the ORM
  instead, so that nothing is skipped.

No library gives Django's ORM prepared statements; this module is the smallest hand-written
piece that does the job. Everything else goes through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models import signals

M = TypeVar("M", bound=models.Model)

_Converter = tuple[int, list[Any], Any]  # column position, converters, the column expression


# Built SQL and column lists, per (purpose, model, database vendor, details): a handful of
# entries, made on first use.
_built: dict[tuple[Any, ...], Any] = {}


def once(key: tuple[Any, ...], build: Any) -> Any:
    found = _built.get(key)
    if found is None:
        found = _built[key] = build()
    return found


@dataclass(frozen=True)
class Columns:
    """A model's concrete columns in ``SELECT`` form: ``sql`` is the comma-separated, table-
    qualified column list; ``fields`` the fields in the same order (``from_row`` reads them)."""

    sql: str
    fields: tuple[models.Field[Any, Any], ...]

    def __len__(self) -> int:
        return len(self.fields)

    def position(self, field: models.Field[Any, Any]) -> int:
        return self.fields.index(field)


def table(model: type[models.Model], *, using: str = DEFAULT_DB_ALIAS) -> str:
    """``model``'s table name, quoted for the database."""
    return str(connections[using].ops.quote_name(model._meta.db_table))


def column(model: type[models.Model], name: str, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """The column of ``model``'s field ``name`` (``"pk"``: the primary key), quoted."""
    meta = model._meta
    field: Any = meta.pk if name == "pk" else meta.get_field(name)
    return str(connections[using].ops.quote_name(field.column))


def columns(model: type[models.Model], *, using: str = DEFAULT_DB_ALIAS) -> Columns:
    ops = connections[using].ops

    def build() -> Columns:
        name = table(model, using=using)
        fields = tuple(model._meta.concrete_fields)
        return Columns(", ".join(f"{name}.{ops.quote_name(str(f.column))}" for f in fields), fields)

    return once(("columns", model, connections[using].vendor), build)  # type: ignore[no-any-return]


# Converters hold the connection they were made for (SQLite's datetime converter reads its time
# zone), so they are kept per connection object, which lives as long as its thread's handle.
_converters: WeakKeyDictionary[Any, dict[type[models.Model], list[_Converter]]] = (
    WeakKeyDictionary()
)


def _converters_for(connection: Any, model: type[models.Model]) -> list[_Converter]:
    per_model = _converters.setdefault(connection, {})
    found = per_model.get(model)
    if found is None:
        found = []
        table = model._meta.db_table
        for position, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(table)
            convs = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if convs:
                found.append((position, convs, column))
        per_model[model] = found
    return found


def from_row(
    model: type[M], row: Sequence[Any], *, offset: int = 0, using: str = DEFAULT_DB_ALIAS
) -> M:
    """The instance the ORM would build from the model's ``columns()`` found in ``row`` at
    ``offset``."""
    connection = connections[using]
    width = len(model._meta.concrete_fields)
    values = list(row[offset : offset + width])
    for position, convs, column in _converters_for(connection, model):
        value = values[position]
        for converter in convs:
            value = converter(value, column, connection)
        values[position] = value
    attnames = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(using, attnames, values)


def joined_from_row(
    model: type[M], row: Sequence[Any], *, offset: int, using: str = DEFAULT_DB_ALIAS
) -> M | None:
    """``from_row`` for a model reached by an outer join: None when the join found no row (its
    primary key is NULL there)."""
    pk_at = offset + columns(model, using=using).position(model._meta.pk)  # type: ignore[arg-type]
    return None if row[pk_at] is None else from_row(model, row, offset=offset, using=using)


def first(
    model: type[M], *, related: tuple[str, ...] = (), using: str = DEFAULT_DB_ALIAS, **equal: Any
) -> M | None:
    """``model.objects.filter(**equal).select_related(*related)[:1]``, prepared: ``equal`` names
    columns by attribute (``client_id``, not ``client``) and compares them for equality (no
    ORDER BY: for look-ups by a unique key); ``related`` names forward foreign keys, loaded with
    the row (a missing one is cached as None, as the ORM does)."""
    connection = connections[using]
    names = tuple(sorted(equal))
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    joins = tuple(meta.get_field(name) for name in related)

    def build() -> str:
        base = table(model, using=using)
        selected = [columns(model, using=using).sql]
        joined = []
        for relation in joins:
            target = relation.related_model
            selected.append(columns(target, using=using).sql)  # type: ignore[arg-type]
            joined.append(
                f"LEFT OUTER JOIN {table(target, using=using)} ON "  # type: ignore[arg-type]
                f"{table(target, using=using)}.{column(target, 'pk', using=using)} = "  # type: ignore[arg-type]
                f"{base}.{column(model, relation.name, using=using)}"
            )
        where = " AND ".join(
            f"{base}.{column(model, fields[n].name, using=using)} = %s" for n in names
        )
        return (
            f"SELECT {', '.join(selected)} FROM {base} {' '.join(joined)} "  # noqa: S608  # nosec B608
            f"WHERE {where} LIMIT 1"
        )

    sql = once(("first", model, connection.vendor, related, names), build)
    params = [fields[n].get_db_prep_value(equal[n], connection, prepared=False) for n in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    obj = from_row(model, row, using=using)
    offset = len(meta.concrete_fields)
    for relation in joins:
        target: Any = relation.related_model
        value = joined_from_row(target, row, offset=offset, using=using)
        relation.set_cached_value(obj, value)  # type: ignore[union-attr]
        offset += len(target._meta.concrete_fields)
    return obj


def _orm_saves(model: type[models.Model]) -> bool:
    """Whether ``model`` must be saved by the ORM: it has save receivers, or a shape these
    statements do not cover (inherited tables, generated columns, database defaults)."""
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        return True

    def shape() -> bool:
        return bool(model._meta.parents) or any(
            getattr(f, "generated", False) or f.has_db_default()
            for f in model._meta.concrete_fields
        )

    return once(("orm_saves", model), shape)  # type: ignore[no-any-return]


def insert(obj: models.Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``obj.save(force_insert=True)`` as one prepared INSERT: every concrete field's value (its
    ``pre_save``, as the ORM takes it), the new automatic primary key set on ``obj``. Errors are
    Django's (``IntegrityError`` for a taken key)."""
    model = type(obj)
    if _orm_saves(model):
        obj.save(force_insert=True, using=using)
        return
    connection = connections[using]
    meta = model._meta
    returning = ""
    auto = meta.auto_field
    if auto is not None and connection.features.can_return_columns_from_insert:
        # Both backends that can (PostgreSQL, SQLite ≥ 3.35) implement it.
        returning, _params = connection.ops.return_insert_columns([auto])  # type: ignore[attr-defined]

    def build() -> tuple[str, tuple[Any, ...]]:
        fields = tuple(f for f in meta.local_concrete_fields if f is not auto)
        names = ", ".join(column(model, f.name, using=using) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table(model, using=using)} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
        return (f"{sql} {returning}" if returning else sql), fields

    sql, fields = once(("insert", model, connection.vendor, returning), build)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if auto is not None:
            pk = (
                cursor.fetchone()[0]
                if returning
                else connection.ops.last_insert_id(cursor, meta.db_table, str(auto.column))
            )
            setattr(obj, auto.attname, pk)
    obj._state.adding = False
    obj._state.db = using


def update_fields(
    obj: models.Model, names: Iterable[str], *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """``obj.save(update_fields=names)`` as one prepared UPDATE (each field's ``pre_save``, as
    the ORM takes it). Like the ORM, raises ``DatabaseError`` when no row was updated."""
    model = type(obj)
    fields = tuple(sorted(names))
    if _orm_saves(model):
        obj.save(update_fields=fields, using=using)
        return
    connection = connections[using]
    meta = model._meta

    def build() -> str:
        sets = ", ".join(f"{column(model, n, using=using)} = %s" for n in fields)
        return (
            f"UPDATE {table(model, using=using)} SET {sets} "  # noqa: S608  # nosec B608
            f"WHERE {column(model, 'pk', using=using)} = %s"
        )

    sql = once(("update", model, connection.vendor, fields), build)
    targets: list[Any] = [meta.get_field(n) for n in fields]
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in targets]
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
