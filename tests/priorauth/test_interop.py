"""Da Vinci PAS ($submit/$inquire) and X12 278 through the prior-authorization services."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from portico.fhir.pas import PasInputError, parse_pas_request
from portico.priorauth.models import LineDecision, PriorAuthRequest, Status
from portico.priorauth.services import LineDecisionInput, priorauth_decide
from portico.priorauth.services.interop import (
    priorauth_inquire_pas,
    priorauth_submit_278,
    priorauth_submit_pas,
)
from portico.x12 import auth278
from portico.x12.models837 import Diagnosis
from portico.x12.writer import Envelope

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "pas_request_bundle.json"


def _bundle(pa) -> dict:
    return json.loads(FIXTURE.read_text().replace("__NPI__", pa.provider_a.npi))


def _actions(response: dict) -> list[str]:
    claim_response = response["entry"][0]["resource"]
    codes = []
    for item in claim_response["item"]:
        ext = item["adjudication"][0]["extension"][0]["extension"]
        codes.append(
            next(
                e["valueCodeableConcept"]["coding"][0]["code"]
                for e in ext
                if e["url"] == "reviewActionCode"
            )
        )
    return codes


def test_pas_submit_answers_claim_response_bundle(world, pa):
    response = priorauth_submit_pas(user=world.users["physician"], bundle=_bundle(pa))
    Bundle.model_validate(response)  # R4B structure
    claim_response = response["entry"][0]["resource"]
    assert claim_response["resourceType"] == "ClaimResponse"
    assert claim_response["outcome"] == "queued"
    assert _actions(response) == ["A4", "A4"]
    row = PriorAuthRequest.objects.get(reference=claim_response["preAuthRef"])
    assert row.status == Status.RECEIVED and row.source == "fhir" and row.lines.count() == 2


def test_pas_decision_maps_to_review_actions_on_inquire(world, pa):
    response = priorauth_submit_pas(user=world.users["physician"], bundle=_bundle(pa))
    row = PriorAuthRequest.objects.get(reference=response["entry"][0]["resource"]["preAuthRef"])
    priorauth_decide(
        request=row,
        actor=world.users["um_reviewer"],
        version=row.version,
        decisions=[
            LineDecisionInput(1, LineDecision.APPROVED),
            LineDecisionInput(2, LineDecision.DENIED, deny_reason="Not necessary", criteria="C-1"),
        ],
    )
    inquiry = _bundle(pa)
    inquiry["entry"][0]["resource"]["identifier"].append(
        {"system": "urn:portico:priorauth", "value": row.reference}
    )
    answer = priorauth_inquire_pas(user=world.users["physician"], bundle=inquiry)
    Bundle.model_validate(answer)
    assert answer["entry"][0]["resource"]["outcome"] == "complete"
    assert _actions(answer) == ["A1", "A3"]


def test_pas_not_required_code_is_na(world, pa):
    bundle = _bundle(pa)
    claim = bundle["entry"][0]["resource"]
    claim["item"] = [claim["item"][0]]
    claim["item"][0]["productOrService"]["coding"][0]["code"] = "97110"
    response = priorauth_submit_pas(user=world.users["physician"], bundle=bundle)
    assert _actions(response) == ["NA"]
    assert response["entry"][0]["resource"]["outcome"] == "complete"


@pytest.mark.parametrize(
    ("mutate", "expression"),
    [
        (lambda b: b.update(entry=[]), "Bundle.entry"),
        (lambda b: b["entry"][0]["resource"].update(use="claim"), "Claim.use"),
        (lambda b: b["entry"][0]["resource"]["item"][0].pop("quantity"), "Claim.item[0].quantity"),
        (lambda b: b["entry"][4]["resource"].update(subscriberId="HF999"), "Coverage.subscriberId"),
        (
            lambda b: b["entry"][1]["resource"]["identifier"][0].update(value="1000070023"),
            "Claim.provider",
        ),
    ],
)
def test_bad_bundles_get_operation_outcome_issues_and_save_nothing(world, pa, mutate, expression):
    bundle = copy.deepcopy(_bundle(pa))
    mutate(bundle)
    with pytest.raises(PasInputError) as exc:
        priorauth_submit_pas(user=world.users["physician"], bundle=bundle)
    assert any(expression in issue.get("expression", [""])[0] for issue in exc.value.issues), (
        exc.value.issues
    )
    assert not PriorAuthRequest.objects.exists()


def test_parse_rejects_non_bundle():
    with pytest.raises(PasInputError):
        parse_pas_request({"resourceType": "Claim"})


def test_x12_278_request_and_response(world, pa):
    envelope = Envelope(
        sender_id="SUBMITTER",
        receiver_id="HFX01",
        interchange_control_number=7,
        group_control_number=7,
        created=dt.datetime(2026, 11, 20, 9, 30),
    )
    request = auth278.ServiceReview(
        umo_name="HARBORVIEW",
        umo_id="HFX01",
        requester=auth278.AuthParty("1P", "HARTWELL", npi=pa.provider_a.npi, first_name="ROBIN"),
        member_id=pa.member.member_id,
        subscriber_last_name="WHITFIELD",
        subscriber_first_name="DANA",
        subscriber_birth_date=pa.member.date_of_birth,
        trace_number="TRACE1",
        diagnoses=[Diagnosis("ABK", "M5450")],
        services=[
            auth278.ReviewedService("97110", quantity=Decimal(1), service_date=pa.service_date)
        ],
    )
    text = auth278.build_278(request, envelope)
    answer = priorauth_submit_278(user=world.users["physician"], content=text, envelope=envelope)
    parsed = auth278.read_278(answer)
    assert parsed.is_response
    assert parsed.services[0].decision.action == auth278.ReviewAction.NO_ACTION_REQUIRED
    assert parsed.decision.action == auth278.ReviewAction.NO_ACTION_REQUIRED
