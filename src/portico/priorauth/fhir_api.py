"""FHIR R4 interactions of prior authorization (discovered by ``portico.api``):
Da Vinci PAS ``Claim/$submit`` and ``Claim/$inquire``."""

from __future__ import annotations

from typing import Any

from portico.fhir.common import FhirError, FhirRegistry, FhirRequest
from portico.fhir.pas import PAS, PasInputError
from portico.priorauth.services.common import PriorAuthError
from portico.priorauth.services.interop import priorauth_inquire_pas, priorauth_submit_pas

SUBMIT_DEFINITION = f"{PAS}/OperationDefinition/Claim-submit"
INQUIRE_DEFINITION = f"{PAS}/OperationDefinition/Claim-inquiry"
CLAIM_PROFILE = f"{PAS}/StructureDefinition/profile-claim"


# A refused write answers an OperationOutcome with the matching status and issue code.
_REFUSED = {"forbidden": (403, "forbidden"), "not_found": (404, "not-found")}


def _refused(exc: PriorAuthError) -> FhirError:
    status, code = _REFUSED.get(exc.code, (422, "business-rule"))
    return FhirError(status, exc.message, code=code)


def pas_submit(principal: Any, request: FhirRequest) -> dict[str, Any]:
    try:
        return priorauth_submit_pas(user=principal.user, bundle=request.body or {})
    except PasInputError as exc:
        raise FhirError(400, issues=exc.issues) from None
    except PriorAuthError as exc:
        raise _refused(exc) from None


def pas_inquire(principal: Any, request: FhirRequest) -> dict[str, Any]:
    try:
        return priorauth_inquire_pas(user=principal.user, bundle=request.body or {})
    except PasInputError as exc:
        raise FhirError(400, issues=exc.issues) from None
    except PriorAuthError as exc:
        raise _refused(exc) from None


def register(registry: FhirRegistry) -> None:
    registry.operation(
        "Claim",
        "$submit",
        pas_submit,
        scope="priorauth",
        accepts=["Bundle"],
        definition=SUBMIT_DEFINITION,
        profiles=[CLAIM_PROFILE],
        documentation="Da Vinci PAS: submit a prior authorization request Bundle; the answer "
        "is a ClaimResponse Bundle with X12 306 review action codes.",
    )
    registry.operation(
        "Claim",
        "$inquire",
        pas_inquire,
        scope="priorauth",
        accepts=["Bundle"],
        definition=INQUIRE_DEFINITION,
        documentation="Da Vinci PAS: the current status of a submitted request.",
    )
