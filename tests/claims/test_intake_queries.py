"""837 intake makes a fixed number of queries per batch of claims, never per claim."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portico.claims.models import Claim, ClaimDiagnosis, ClaimLine, ClaimStatusEvent
from portico.claims.models import ClaimSubmissionFile as File
from portico.claims.selectors import claims_access
from portico.claims.services import intake
from tests.claims.test_x12_intake import _claims, build_837, env

pytestmark = pytest.mark.django_db

PER_BATCH = 15  # look-ups, number allocation and one INSERT per table, with some slack


def _ingest(cw: Any, n: int, tag: str) -> tuple[int, intake.IntakeResult]:
    user = cw.world.users["billing_clerk"]
    org = cw.world.practice_a
    claims = _claims(n)
    for c in claims:
        c.patient_account_number = f"{tag}{c.patient_account_number}"
    text = build_837(claims, env())
    item = File.objects.create(
        organization=org, uploaded_by=user, file_key="x", filename=f"{tag}.837", sha256=tag * 64
    )
    ctx = intake._Context(item=item, submit_tins=claims_access(user=user).submit[org.pk])
    with CaptureQueriesContext(connection) as queries:
        validation, result = intake.ingest(io.BytesIO(text.encode()), ctx=ctx)
    assert validation.accepted
    assert result.accepted == n, result.rejections
    return len(queries), result


def test_one_batch_costs_the_same_queries_for_20_or_60_claims(cw):
    small, _ = _ingest(cw, 20, "a")
    large, _ = _ingest(cw, 60, "b")
    assert large - small <= 2, (small, large)


def test_queries_grow_with_batches_not_claims(cw, monkeypatch):
    monkeypatch.setattr(intake, "BATCH", 20)
    one_batch, _ = _ingest(cw, 20, "c")
    three_batches, result = _ingest(cw, 60, "d")
    assert three_batches - one_batch <= 2 * PER_BATCH, (one_batch, three_batches)
    assert result.claims == 60
    rows = Claim.objects.filter(submission_file__filename="d.837")
    assert rows.count() == 60
    assert ClaimLine.objects.filter(claim__in=rows).count() == 60
    assert ClaimDiagnosis.objects.filter(claim__in=rows).count() == 60
    assert ClaimStatusEvent.objects.filter(claim__in=rows).count() == 120
