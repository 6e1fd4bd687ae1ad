"""Amounts too large or too precise to store are refused on every way in, and nothing is saved.

Before: a REST claim with a charge of 1e400 (or 10^20, or 176.001) was saved and answered 500;
SQLite held a float Django could not read back, so every claims list of the practice answered
500 from then on. The same went for an appeal's disputed amount."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest

from portico.claims import services
from portico.claims.api import router
from portico.claims.models import Appeal, Claim, ClaimStatus
from portico.claims.services import LineData
from portico.x12 import Claim837Reader
from tests.claims.conftest import API_CLAIM, claim_data
from tests.conftest import router_client
from tests.factories.claims import make_claim
from tests.x12.x12_helpers import fixture_text

api = router_client(router)

PAYLOAD = {**API_CLAIM, "patient_account_number": "BIG-1"}


@pytest.mark.parametrize(
    "change",
    [
        {"total_charge": "1e400", "charge": "1e400"},
        {"total_charge": "99999999999999999999.99", "charge": "99999999999999999999.99"},
        {"total_charge": "176.001", "charge": "176.001"},
        {"units": "1e300"},
    ],
)
def test_the_api_refuses_amounts_it_cannot_store(cw: Any, change: dict[str, str]) -> None:
    user = cw.world.users["billing_clerk"]
    line = {**PAYLOAD["lines"][0], **{k: v for k, v in change.items() if k != "total_charge"}}  # type: ignore[dict-item]
    body = {**PAYLOAD, "total_charge": change.get("total_charge", "100.00"), "lines": [line]}
    response = api.post("/claims", json=body, user=user)
    assert 400 <= response.status_code < 500, response.content
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert fields & {"total_charge", "lines.0.charge", "lines.0.units"}, fields
    assert not Claim.objects.filter(patient_account_number="BIG-1").exists()
    assert api.get("/claims", user=user).status_code == 200


def test_services_refuse_them_too_even_in_a_draft(cw: Any) -> None:
    """The service checks as well, for callers that do not go through a schema."""
    user = cw.world.users["billing_clerk"]
    huge = Decimal("1E+20")
    data = claim_data(total_charge=huge)
    with pytest.raises(services.ClaimInvalid) as refused:
        services.claim_create(user=user, data=data)
    assert refused.value.errors["total_charge"] == [
        "The total charge must be less than 10,000,000,000."
    ]
    lines = [LineData(procedure_code="99213", diagnosis_pointers=[1], charge=Decimal("1.005"))]
    with pytest.raises(services.ClaimInvalid) as refused:
        services.claim_save_draft(user=user, data=claim_data(total_charge=None, lines=lines))
    assert refused.value.errors["lines.0.charge"] == [
        "The charge can have at most 2 decimal places."
    ]
    assert not Claim.objects.exists()


def test_the_web_form_keeps_the_message_beside_the_field(cw: Any, persona_client: Any) -> None:
    client = persona_client("billing_clerk")
    page = client.post(
        "/claims/new/?kind=professional",
        {
            "kind": "professional",
            "frequency": "1",
            "billing_tin": "111111111",
            "total_charge": "99999999999999",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "lines-0-procedure_code": "99213",
            "lines-0-charge": "100.00",
            "action": "draft",
        },
    )
    assert page.status_code == 200
    assert "Ensure that there are no more than 12 digits in total." in page.content.decode()
    assert not Claim.objects.exists()


@pytest.mark.parametrize("amount", ["1e400", "99999999999999999999", "12.345"])
def test_an_appeal_with_an_amount_it_cannot_store_is_refused(cw: Any, amount: str) -> None:
    user = cw.world.users["billing_clerk"]
    claim = make_claim(
        organization=cw.world.practice_a,
        tin="111111111",
        number="C2025PAID009",
        status=ClaimStatus.FINALIZED_DENIED,
    )
    body = {"reason": "medical_necessity", "explanation": "x", "amount_disputed": amount}
    response = api.post(f"/claims/{claim.number}/appeals", json=body, user=user)
    assert 400 <= response.status_code < 500, response.content
    assert not Appeal.objects.exists()
    with pytest.raises(services.ClaimError) as refused:
        services.appeal_file(
            user=user, claim=claim, reason="other", explanation="x", amount_disputed=Decimal(amount)
        )
    assert refused.value.field == "amount_disputed"
    assert api.get(f"/claims/{claim.number}", user=user).status_code == 200


def test_an_837_with_an_amount_too_large_is_rejected_for_that_claim() -> None:
    text = fixture_text("837p_commercial.txt")
    text = text.replace("CLM*26463774*100*", "CLM*26463774*99999999999999999*", 1)
    text = text.replace("SV1*HC:99213*40*UN*1*", "SV1*HC:99213*40*UN*9999999*", 1)
    reader = Claim837Reader(io.StringIO(text))
    bad, *_others = list(reader)
    messages = [i.message for i in bad.issues]
    assert any("CLM02" in m and "up to 9999999999.99" in m for m in messages), messages
    assert any("units '9999999'" in m and "up to 999999.999" in m for m in messages), messages


def test_an_appeal_cannot_dispute_more_than_was_billed(cw: Any, persona_client: Any) -> None:
    """Before: an appeal of a $200.00 claim was filed for $250,000.00 in dispute (web form
    and API alike)."""
    user = cw.world.users["billing_clerk"]
    claim = make_claim(
        organization=cw.world.practice_a,
        tin="111111111",
        number="C2025PAID010",
        status=ClaimStatus.FINALIZED_DENIED,
        lines=2,
    )
    client = persona_client("billing_clerk")
    url = f"/claims/c/{claim.number}/appeal/"
    form = {"reason": "underpayment", "explanation": "Underpaid.", "amount_disputed": "250000"}
    page = client.post(url, form)
    assert page.status_code == 200
    assert (
        "The amount in dispute can&#x27;t be more than the $200.00 billed on the claim."
        in page.content.decode()
    )
    line = claim.lines.get(line_number=2)
    page = client.post(url, {**form, "line": line.pk, "amount_disputed": f"{line.charge + 1}"})
    assert f"more than the ${line.charge:,.2f} billed on line 2." in page.content.decode()
    body = {"reason": "underpayment", "explanation": "x", "amount_disputed": "200.01"}
    response = api.post(f"/claims/{claim.number}/appeals", json=body, user=user)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][0]["field"] == "amount_disputed"
    assert not Appeal.objects.exists()
    # The whole billed amount may be disputed.
    ok = client.post(url, {**form, "amount_disputed": "200.00"})
    assert ok.status_code == 302
    assert Appeal.objects.get().amount_disputed == Decimal("200.00")
