"""The intake's plain-row inserts store what the ORM stores, on SQLite (executemany) and on
PostgreSQL (COPY, keys drawn from the sequence), and hand back each row's key in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import models

from portico.claims.models import Claim, ClaimLine
from portico.claims.services.bulkinsert import insert_rows
from tests.factories.claims import make_claim

pytestmark = pytest.mark.django_db

SKIP = {"id", "number", "created_at", "updated_at", "patient_account_number"}


def _values(obj: models.Model) -> dict[str, object]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in SKIP
    }


def test_rows_read_back_as_the_orm_stored_them_with_keys_in_order(cw):
    made = make_claim(
        organization=cw.world.practice_a,
        tin="111111111",
        number="C2025ORM0001",
        charge=Decimal("123.45"),
        lines=2,
        prior_auth_number="PA-1 'quoted' \\ tab\there",
    )
    model_row = _values(made)
    rows = [
        {**model_row, "number": f"C2025BULK{i:03d}", "patient_account_number": f"PAN\t{i}\\n"}
        for i in range(3)
    ]
    keys = insert_rows(Claim, rows, returning=True)

    assert len(set(keys)) == 3 and made.pk not in keys
    for i, key in enumerate(keys):
        stored = Claim.objects.get(pk=key)
        assert stored.number == f"C2025BULK{i:03d}"  # the i-th key is the i-th row's
        assert stored.patient_account_number == f"PAN\t{i}\\n"  # tabs and backslashes intact
        assert _values(stored) == model_row
        assert stored.created_at is not None and stored.updated_at is not None

    lines = [
        {**_values(line), "claim_id": keys[0]} for line in ClaimLine.objects.filter(claim=made)
    ]
    assert insert_rows(ClaimLine, lines) == []
    copied = ClaimLine.objects.filter(claim_id=keys[0]).order_by("line_number")
    assert [_values(c) for c in copied] == lines
    # The sequence moved past the keys drawn: the ORM's next row does not collide.
    after = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025ORM0002")
    assert after.pk > max(keys)
