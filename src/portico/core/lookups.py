"""Query expressions shared by the apps."""

from __future__ import annotations

from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact


def same_ignoring_case(field: str, value: str) -> Exact:
    """A filter: ``field`` equals ``value`` regardless of case, written so that an index on
    ``Lower(field)`` serves it (``__iexact`` compiles to ``UPPER()`` on PostgreSQL and ``LIKE``
    on SQLite, which no such index serves, and reads every row of the scope)."""
    return Exact(Lower(field), Lower(Value(value)))
