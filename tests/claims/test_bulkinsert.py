"""The intake's plain-row inserts store what the ORM stores, on SQLite (multi-row INSERTs) and
on PostgreSQL (COPY), with keys reserved first; the row writer runs them on its own thread in
order, and its failure reaches the caller as Django's error, with nothing half-stored."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models, transaction

from portico.claims.models import Claim, ClaimLine
from portico.claims.services.bulkinsert import RowWriter, prepare_rows, reserve_keys
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
    with transaction.atomic(), RowWriter() as writer:
        keys = reserve_keys(Claim, len(rows))
        writer.submit([prepare_rows(Claim, rows, keys=keys)])

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
    with transaction.atomic(), RowWriter() as writer:
        writer.submit([prepare_rows(ClaimLine, lines)])
    copied = ClaimLine.objects.filter(claim_id=keys[0]).order_by("line_number")
    assert [_values(c) for c in copied] == lines
    # The sequence moved past the keys drawn: the ORM's next row does not collide.
    after = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025ORM0002")
    assert after.pk > max(keys)


def _line_rows(claim_id: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "claim_id": claim_id,
            "line_number": n,
            "procedure_code": "99213",
            "charge": Decimal(n) / 100,
            "service_date": None,
        }
        for n in range(1, count + 1)
    ]


def test_the_writer_stores_batches_in_order_on_its_own_thread(cw):
    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025W0001")
    ClaimLine.objects.filter(claim=claim).delete()
    seen: list[str] = []
    real_run = RowWriter._run

    def run(self: RowWriter, inserts: list) -> None:
        seen.append(threading.current_thread().name)
        real_run(self, inserts)

    # 1,500 rows and then 3: full statements and every smaller power of two.
    rows = _line_rows(claim.pk, 1503)
    with transaction.atomic(), RowWriter() as writer:
        RowWriter._run = run  # type: ignore[method-assign]
        try:
            writer.submit([prepare_rows(ClaimLine, rows[:1500])])
            writer.submit([prepare_rows(ClaimLine, rows[1500:])])
        finally:
            RowWriter._run = real_run  # type: ignore[method-assign]
    assert seen == ["portico-row-writer", "portico-row-writer"]
    stored = list(
        ClaimLine.objects.filter(claim=claim).order_by("pk").values_list("line_number", "charge")
    )
    assert stored == [(n, Decimal(n) / 100) for n in range(1, 1504)]


def test_a_failed_write_raises_in_the_caller_and_leaves_nothing(cw):
    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025W0002")
    ClaimLine.objects.filter(claim=claim).delete()
    before = ClaimLine.objects.count()
    # IntegrityError is Django's, not the driver's; the second batch repeats line 1.
    with pytest.raises(IntegrityError), transaction.atomic(), RowWriter() as writer:
        writer.submit([prepare_rows(ClaimLine, _line_rows(claim.pk, 3))])
        writer.submit([prepare_rows(ClaimLine, _line_rows(claim.pk, 1))])
    assert ClaimLine.objects.count() == before


def test_reserved_keys_are_free(cw):
    with transaction.atomic():
        keys = reserve_keys(Claim, 3)
        assert keys == sorted(keys) and len(set(keys)) == 3
        assert not Claim.objects.filter(pk__in=keys).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's keys need the write lock")
def test_sqlite_reserves_keys_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        reserve_keys(Claim, 1)


def test_rows_must_name_the_same_fields_and_not_the_key(cw):
    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025W0003")
    rows = _line_rows(claim.pk, 2)
    with pytest.raises(ValueError):
        prepare_rows(ClaimLine, [rows[0], {**rows[1], "description": "x"}])
    with pytest.raises(ValueError):
        prepare_rows(ClaimLine, [{"id": 5, **rows[0]}])
    with pytest.raises(ValueError):
        prepare_rows(ClaimLine, rows, keys=[1])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's deferred keys")
def test_postgresql_checks_foreign_keys_as_rows_are_stored(cw):
    with pytest.raises(IntegrityError), transaction.atomic(), RowWriter() as writer:
        writer.submit([prepare_rows(ClaimLine, _line_rows(2**40, 1))])  # no such claim
        writer.wait()  # raises here, not at commit
        pytest.fail("the missing claim was not noticed while the writer was open")
