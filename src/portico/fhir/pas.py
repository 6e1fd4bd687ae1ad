"""Da Vinci Prior Authorization Support (PAS) mapping: pure Python, no Django.

``parse_pas_request(bundle)`` reads a PAS request Bundle (a ``collection`` whose first entry
is a ``Claim`` with ``use = preauthorization``, plus the Patient, Coverage, insurer and
provider resources it references) into plain dataclasses, collecting every problem as an
OperationOutcome issue (``PasInputError``). ``build_claim_response_bundle(...)`` builds the
PAS response Bundle: a ``ClaimResponse`` whose items carry the X12 306 review action code
(A1 certified, A2 partially, A3 not certified, A4 pended, NA no action required, …) in the
PAS ``reviewAction`` extension, followed by the resources it references.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from portico.fhir.common import outcome_issue

Json = dict[str, Any]

PAS = "http://hl7.org/fhir/us/davinci-pas"
PROFILE_CLAIM_RESPONSE = f"{PAS}/StructureDefinition/profile-claimresponse"
PROFILE_RESPONSE_BUNDLE = f"{PAS}/StructureDefinition/profile-pas-response-bundle"
EXT_REVIEW_ACTION = f"{PAS}/StructureDefinition/extension-reviewAction"
EXT_REVIEW_ACTION_CODE = f"{PAS}/StructureDefinition/extension-reviewActionCode"
X12_306 = "https://codesystem.x12.org/005010/306"
X12_REASON = "https://codesystem.x12.org/005010/886"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
PROCEDURE_SYSTEMS = (CPT, HCPCS, "http://terminology.hl7.org/CodeSystem/HCPCS")

REVIEW_ACTIONS = {
    "A1": "Certified in total",
    "A2": "Certified - partial",
    "A3": "Not certified",
    "A4": "Pended",
    "A6": "Modified",
    "C": "Cancelled",
    "CT": "Contact payer",
    "NA": "No action required",
}


class PasInputError(ValueError):
    """A bundle that cannot be processed; ``issues`` are OperationOutcome issues."""

    def __init__(self, issues: list[Json]) -> None:
        super().__init__("; ".join(i.get("diagnostics", "") for i in issues))
        self.issues = issues


@dataclass
class PasItem:
    sequence: int
    code: str
    system: str
    quantity: int | None
    start: dt.date | None
    end: dt.date | None


@dataclass
class PasRequest:
    claim_id: str
    identifier: str
    payer_id: str
    member_id: str
    patient_birth_date: dt.date | None
    patient_family: str
    patient_given: str
    provider_npi: str
    servicing_npi: str
    priority: str  # "normal" | "urgent" | "stat"
    diagnoses: list[str] = field(default_factory=list)
    items: list[PasItem] = field(default_factory=list)
    resources: dict[str, Json] = field(default_factory=dict)  # "Type/id" → resource
    claim: Json = field(default_factory=dict)

    @property
    def expedited(self) -> bool:
        return self.priority in ("urgent", "stat")


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _obj(value: Any) -> Json:
    """``value`` if it is a JSON object, else ``{}``: a client's wrong type reads as absent."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else ``[]``."""
    return value if isinstance(value, list) else []


def _identifier(resource: Json, system: str = "") -> str:
    for ident in _list(resource.get("identifier")):
        if isinstance(ident, dict) and (not system or ident.get("system") == system):
            return str(ident.get("value") or "")
    return ""


def _ref(reference: Any) -> str:
    if isinstance(reference, dict):
        return str(reference.get("reference") or "")
    return ""


def parse_pas_request(bundle: Any) -> PasRequest:
    issues: list[Json] = []

    def bad(message: str, expression: str, code: str = "invalid") -> None:
        issues.append(outcome_issue(code, message, expression=[expression]))

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise PasInputError(
            [
                outcome_issue(
                    "structure", "The body must be a PAS request Bundle.", expression=["Bundle"]
                )
            ]
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise PasInputError(
            [outcome_issue("required", "Bundle.entry is required.", expression=["Bundle.entry"])]
        )
    resources: dict[str, Json] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not resource.get("resourceType"):
            bad("Each entry needs a resource.", f"Bundle.entry[{index}].resource", "structure")
            continue
        key = f"{resource['resourceType']}/{resource.get('id', '')}"
        resources[key] = resource
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url:
            resources[full_url] = resource
    claim = entries[0].get("resource") if isinstance(entries[0], dict) else None
    if not isinstance(claim, dict) or claim.get("resourceType") != "Claim":
        first = outcome_issue(
            "structure",
            "The first entry of a PAS request Bundle must be the Claim.",
            expression=["Bundle.entry[0].resource"],
        )
        raise PasInputError([*issues, first])
    if claim.get("use") != "preauthorization":
        bad("Claim.use must be 'preauthorization'.", "Claim.use")

    def resolve(reference: str, path: str, required: bool = True) -> Json:
        found = resources.get(reference)
        if found is None and required:
            bad(f"{path} refers to {reference or 'nothing'}, which is not in the Bundle.", path)
        return found or {}

    patient = resolve(_ref(claim.get("patient")), "Claim.patient")
    insurer = resolve(_ref(claim.get("insurer")), "Claim.insurer")
    provider = resolve(_ref(claim.get("provider")), "Claim.provider")
    if provider.get("resourceType") == "PractitionerRole":
        provider = resources.get(_ref(provider.get("practitioner")), provider)
    member_id = ""
    for index, insurance in enumerate(_list(claim.get("insurance"))):
        coverage = resolve(
            _ref(insurance.get("coverage") if isinstance(insurance, dict) else None),
            f"Claim.insurance[{index}].coverage",
        )
        member_id = member_id or str(coverage.get("subscriberId") or "") or _identifier(coverage)
    member_id = member_id or _identifier(patient)
    if not member_id:
        bad(
            "The member ID is missing (Coverage.subscriberId or Patient.identifier).",
            "Coverage.subscriberId",
            "required",
        )
    payer_id = _identifier(insurer)
    if not payer_id:
        bad(
            "The insurer's payer identifier is missing (Organization.identifier).",
            "Claim.insurer",
            "required",
        )
    npi = _identifier(provider, NPI_SYSTEM) or _identifier(provider)
    if not npi:
        bad("The requesting provider's NPI is missing.", "Claim.provider", "required")
    names = patient.get("name") or [{}]
    name = names[0] if isinstance(names, list) and names and isinstance(names[0], dict) else {}
    priority = ""
    for coding in _list(_obj(claim.get("priority")).get("coding")):
        priority = str(_obj(coding).get("code") or "")
    diagnoses = []
    for index, dx in enumerate(_list(claim.get("diagnosis"))):
        codings = _list(_obj(_obj(dx).get("diagnosisCodeableConcept")).get("coding"))
        code = next((c.get("code") for c in codings if _obj(c).get("code")), "")
        if not code:
            bad(
                "Each diagnosis needs an ICD-10-CM code.",
                f"Claim.diagnosis[{index}].diagnosisCodeableConcept",
                "required",
            )
        else:
            diagnoses.append(str(code))
    items = []
    raw_items = _list(claim.get("item"))
    if not raw_items:
        bad("Claim.item is required: at least one requested service.", "Claim.item", "required")
    servicing_npi = ""
    for index, item in enumerate(raw_items):
        if not isinstance(item, dict):
            bad("An item must be an object.", f"Claim.item[{index}]", "structure")
            continue
        codings = _list(_obj(item.get("productOrService")).get("coding"))
        coding = next((c for c in codings if isinstance(c, dict) and c.get("code")), {})
        if not coding:
            bad(
                "Each item needs a procedure code.",
                f"Claim.item[{index}].productOrService",
                "required",
            )
        quantity = _obj(item.get("quantity")).get("value")
        if quantity is None:
            bad(
                "Each item needs its quantity (units).", f"Claim.item[{index}].quantity", "required"
            )
        elif (
            not isinstance(quantity, int | float)
            or isinstance(quantity, bool)
            or not math.isfinite(quantity)
            or quantity < 1
            or int(quantity) != quantity
        ):
            bad(
                "The quantity must be a whole number of units, 1 or more.",
                f"Claim.item[{index}].quantity",
            )
            quantity = None
        period = _obj(item.get("servicedPeriod"))
        start = _date(item.get("servicedDate")) or _date(period.get("start"))
        end = _date(period.get("end")) or start
        if start is None:
            bad(
                "Each item needs servicedDate or servicedPeriod.",
                f"Claim.item[{index}].serviced",
                "required",
            )
        try:
            sequence = int(item.get("sequence") or index + 1)
        except (TypeError, ValueError, OverflowError):
            bad("The item sequence must be a whole number.", f"Claim.item[{index}].sequence")
            sequence = index + 1
        items.append(
            PasItem(
                sequence,
                str(coding.get("code", "")),
                str(coding.get("system", "")),
                int(quantity) if quantity is not None else None,
                start,
                end,
            )
        )
    for member in _list(claim.get("careTeam")):
        who = resources.get(_ref(_obj(member).get("provider")), {})
        servicing_npi = servicing_npi or _identifier(who, NPI_SYSTEM)
    if issues:
        raise PasInputError(issues)
    return PasRequest(
        claim_id=str(claim.get("id") or ""),
        identifier=_identifier(claim),
        payer_id=payer_id,
        member_id=member_id,
        patient_birth_date=_date(patient.get("birthDate")),
        patient_family=str(name.get("family") or ""),
        patient_given=" ".join(str(given) for given in _list(name.get("given"))),
        provider_npi=npi,
        servicing_npi=servicing_npi,
        priority=priority or "normal",
        diagnoses=diagnoses,
        items=items,
        resources=resources,
        claim=claim,
    )


@dataclass
class PasItemResult:
    sequence: int
    action: str  # X12 306 code
    auth_number: str = ""
    reason: str = ""
    quantity: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class PasResult:
    reference: str  # the payer's tracking number (preAuthRef)
    outcome: str  # "complete" | "queued" | "partial"
    disposition: str
    items: list[PasItemResult]
    created: dt.datetime
    status_label: str = ""


def _review_action(result: PasItemResult) -> Json:
    extension: list[Json] = [
        {
            "url": "reviewActionCode",
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": X12_306,
                        "code": result.action,
                        "display": REVIEW_ACTIONS.get(result.action, result.action),
                    }
                ]
            },
        },
    ]
    if result.auth_number:
        extension.append({"url": "number", "valueString": result.auth_number})
    if result.reason:
        extension.append({"url": "reasonCode", "valueCodeableConcept": {"text": result.reason}})
    return {"url": EXT_REVIEW_ACTION, "extension": extension}


def build_claim_response_bundle(request: PasRequest, result: PasResult) -> Json:
    """The PAS response Bundle: ClaimResponse first, then the resources it references."""
    claim = request.claim
    response_id = f"cr-{result.reference}".lower()
    items = []
    for item in result.items:
        adjudication: Json = {
            "category": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/adjudication",
                        "code": "submitted",
                    }
                ]
            },
            "extension": [_review_action(item)],
        }
        if item.quantity is not None:
            adjudication["value"] = item.quantity
        entry: Json = {"itemSequence": item.sequence, "adjudication": [adjudication]}
        items.append(entry)
    claim_response: Json = {
        "resourceType": "ClaimResponse",
        "id": response_id,
        "meta": {"profile": [PROFILE_CLAIM_RESPONSE]},
        "identifier": [{"system": "urn:portico:priorauth", "value": result.reference}],
        "status": "active",
        "type": claim.get("type")
        or {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                    "code": "professional",
                }
            ]
        },
        "use": "preauthorization",
        "patient": claim.get("patient"),
        "created": result.created.isoformat(),
        "insurer": claim.get("insurer"),
        "requestor": claim.get("provider"),
        "outcome": result.outcome,
        "disposition": result.disposition,
        "preAuthRef": result.reference,
        "item": items,
    }
    if request.identifier:
        claim_response["request"] = {"identifier": {"value": request.identifier}}
    entries = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, response_id)}",
            "resource": claim_response,
        }
    ]
    seen = set()
    for reference in (
        _ref(claim.get("patient")),
        _ref(claim.get("insurer")),
        _ref(claim.get("provider")),
    ):
        resource = request.resources.get(reference)
        if resource is None or id(resource) in seen:
            continue
        seen.add(id(resource))
        entries.append(
            {
                "fullUrl": reference if ":" in reference else f"urn:uuid:{uuid.uuid4()}",
                "resource": resource,
            }
        )
    return {
        "resourceType": "Bundle",
        "id": f"pas-response-{result.reference}".lower(),
        "meta": {"profile": [PROFILE_RESPONSE_BUNDLE]},
        "identifier": {"system": "urn:portico:priorauth", "value": result.reference},
        "type": "collection",
        "timestamp": result.created.isoformat(),
        "entry": entries,
    }


def parse_inquiry(bundle: Any) -> tuple[str, str]:
    """An inquiry Bundle's Claim: (payer tracking number, submitter identifier)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise PasInputError(
            [
                outcome_issue(
                    "structure", "The body must be a PAS inquiry Bundle.", expression=["Bundle"]
                )
            ]
        )
    for entry in _list(bundle.get("entry")):
        resource = _obj(_obj(entry).get("resource"))
        if resource.get("resourceType") == "Claim":
            tracking = ""
            for ident in _list(resource.get("identifier")):
                if _obj(ident).get("system") == "urn:portico:priorauth":
                    tracking = str(ident.get("value") or "")
            for rel in _list(resource.get("related")):
                tracking = tracking or str(_obj(_obj(rel).get("reference")).get("value") or "")
            return tracking, _identifier(resource)
    raise PasInputError(
        [
            outcome_issue(
                "required", "The inquiry Bundle needs a Claim.", expression=["Bundle.entry"]
            )
        ]
    )
