"""The 277CA spool: what goes in comes back grouped by provider, in order, and the 277CA
written from it is the one written from the same entries in memory."""

from __future__ import annotations

import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x12_helpers import make_envelope, pyx12_errors

from portico.claims.services import ackspool
from portico.claims.services.ackspool import AcknowledgmentSpool
from portico.x12.ack277ca import (
    ClaimAcknowledgment,
    ClaimsAcknowledgment,
    ClaimStatus,
    ProviderAcknowledgment,
    build_277ca,
)

PROVIDERS = {
    "1234567893": ProviderAcknowledgment("NORTH CLINIC", "1234567893", [], "123456789"),
    "1000000004": ProviderAcknowledgment("DOE", "1000000004", [], "987654321", "1", "JANE"),
    "1245319599": ProviderAcknowledgment("EAST LAB", "1245319599", [], ""),
}
SET_A, SET_B = ("1", "1", "0001"), ("1", "1", "0002")


def _claim(i: int) -> ClaimAcknowledgment:
    rejected = i % 7 == 3
    return ClaimAcknowledgment(
        patient_account_number=f"PAT{i:05d}",
        total_charge=Decimal(f"{100 + i}.{i % 100:02d}"),
        accepted=not rejected,
        patient_last_name="SMITH" if i % 2 else "O'BRIEN-JONES",
        patient_member_id=f"M{i:08d}",
        service_date=date(2026, 1 + i % 12, 1 + i % 28),
        service_date_end=date(2026, 1 + i % 12, 1 + i % 28) if i % 3 else None,
        patient_first_name="" if i % 5 == 0 else "ANA",
        statuses=(
            [ClaimStatus("A7", "128", "85"), ClaimStatus("A7", "33", "IL")]
            if rejected
            else [ClaimStatus("A2", "20")]
        ),
        payer_claim_control_number="" if rejected else f"C{i:07d}",
        clearinghouse_trace_number=f"T{i}" if i % 4 == 0 else "",
        bill_type="0111" if i % 9 == 0 else "",
    )


def _entries(n: int) -> list[tuple[str, ClaimAcknowledgment, tuple[str, str, str]]]:
    npis = list(PROVIDERS)
    return [(npis[i % 3], _claim(i), SET_A if i < n // 2 else SET_B) for i in range(n)]


def _in_memory(entries, keep=lambda key: True) -> list[ProviderAcknowledgment]:  # type: ignore[no-untyped-def]
    """Grouped by provider in order of first appearance in the file, as the spool keeps them."""
    grouped: dict[str, list[ClaimAcknowledgment]] = {}
    for npi, claim, key in entries:
        claims = grouped.setdefault(npi, [])
        if keep(key):
            claims.append(claim)
    return [
        ProviderAcknowledgment(p.name, npi, claims, p.tax_id, p.entity_type, p.first_name)
        for npi, claims in grouped.items()
        if claims
        for p in [PROVIDERS[npi]]
    ]


def _document(providers: list[ProviderAcknowledgment]) -> str:
    ack = ClaimsAcknowledgment(
        payer_name="PORTICO HEALTH PLAN", payer_id="PORTICO1", receiver_name="SUBMITTER",
        receiver_id="SUB01", batch_reference="B1", received=date(2026, 11, 20),
        processed=date(2026, 11, 21), providers=providers,
    )  # fmt: skip
    return build_277ca(ack, make_envelope())


def _spool(entries) -> AcknowledgmentSpool:  # type: ignore[no-untyped-def]
    spool = AcknowledgmentSpool()
    for npi, claim, key in entries:
        spool.add(npi, claim, key, lambda npi=npi: PROVIDERS[npi])
    return spool


def test_277ca_from_the_spool_is_the_277ca_from_memory() -> None:
    entries = _entries(2 * ackspool._BUFFER + 321)  # several writes to disk and a partial one
    with _spool(entries) as spool:
        totals = spool.totals()
        spooled = _document(spool.providers())
    assert spooled == _document(_in_memory(entries))
    assert pyx12_errors(spooled) == []
    rejected = sum(1 for _, c, _k in entries if not c.accepted)
    assert (totals.accepted, totals.rejected) == (len(entries) - rejected, rejected)
    assert totals.accepted_amount + totals.rejected_amount == sum(
        c.total_charge for _, c, _k in entries
    )


def test_a_dropped_transaction_set_leaves_the_277ca_and_the_totals() -> None:
    entries = _entries(40)
    with _spool(entries) as spool:
        assert spool.set_keys() == {SET_A, SET_B}
        spool.drop_sets({SET_A})
        assert spool.set_keys() == {SET_B}
        assert spool.totals().accepted + spool.totals().rejected == 20
        spooled = _document(spool.providers())
    assert spooled == _document(_in_memory(entries, keep=lambda key: key == SET_B))
    assert "PAT00000" not in spooled and "PAT00020" in spooled


def test_the_spool_file_is_removed_and_nothing_is_written_for_no_claims() -> None:
    with AcknowledgmentSpool() as empty:
        assert empty.providers() == [] and empty._path == ""
    spool = _spool(_entries(5))
    spool.providers()
    path = spool._path
    assert os.path.exists(path)
    spool.close()
    assert not os.path.exists(path)
