"""Web and API claim entry: save a draft, submit (claim number, status Received), and the
effect of a replacement (7) or void (8) on its original claim."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portico.claims.models import (
    Claim,
    ClaimDiagnosis,
    ClaimFrequency,
    ClaimKind,
    ClaimLine,
    ClaimSource,
    ClaimStatus,
    ClaimStatusEvent,
    DiagnosisQualifier,
)
from portico.claims.selectors import claims_access
from portico.claims.services.common import (
    CLAIM_PREFIX,
    ClaimError,
    StaleObjectError,
    claim_status_change,
    numbers_allocate,
)
from portico.claims.services.validation import (
    ClaimData,
    DiagnosisData,
    Errors,
    LineData,
    Resolved,
    normalized_line_codes,
    unfit_amounts,
    validate_claim,
)
from portico.claims.transitions import (
    EDITABLE_CLAIM_STATUSES,
    REPLACEABLE_CLAIM_STATUSES,
    Actor,
)
from portico.codes.validators import normalize_icd10_code
from portico.core.audit import audit_record
from portico.core.idempotency import run_once


class ClaimInvalid(ClaimError):
    """The claim failed its front-end edits; ``errors`` maps field paths to messages."""

    def __init__(self, errors: Errors) -> None:
        super().__init__("The claim has errors.", code="invalid")
        self.errors = errors


def _original_for(
    *, user: Any, data: ClaimData, errors: Errors, org_id: int | None
) -> Claim | None:
    if data.frequency == ClaimFrequency.ORIGINAL or not data.original_claim_number:
        return None
    ref = data.original_claim_number.strip().upper()
    access = claims_access(user=user)
    original = Claim.objects.filter(access.q(), number=ref).first()
    if original is None:
        errors.setdefault("original_claim_number", []).append(
            "No claim of yours has this claim number."
        )
        return None
    if original.status not in REPLACEABLE_CLAIM_STATUSES:
        errors.setdefault("original_claim_number", []).append(
            f"Claim {ref} is {original.get_status_display()} and can't be replaced or voided."
        )
    elif org_id is not None and original.organization_id != org_id:
        errors.setdefault("original_claim_number", []).append(
            "The original claim belongs to another practice."
        )
    return original


def _fill(claim: Claim, data: ClaimData, res: Resolved) -> None:
    member = res.member
    claim.kind = data.kind
    claim.frequency = data.frequency
    claim.original_claim_ref = data.original_claim_number.strip().upper()
    claim.billing_tin = data.billing_tin.replace("-", "").strip()
    for name in ("billing", "rendering", "referring", "attending", "facility"):
        setattr(claim, f"{name}_npi", getattr(data, f"{name}_npi").strip())
        setattr(claim, f"{name}_name", getattr(data, f"{name}_name").strip()[:200])
    claim.payer_id = data.payer_id.strip()
    claim.health_plan = res.plan
    claim.member = member
    claim.coverage = res.coverage
    claim.member_number = data.member_id.strip().upper()
    claim.patient_first_name = (member.first_name if member else data.patient_first_name)[:100]
    claim.patient_last_name = (member.last_name if member else data.patient_last_name)[:100]
    claim.patient_dob = member.date_of_birth if member else data.patient_dob
    claim.patient_sex = member.sex if member else ""
    claim.relationship = member.relationship if member else "18"
    claim.patient_account_number = data.patient_account_number.strip()
    institutional = data.kind == ClaimKind.INSTITUTIONAL
    claim.place_of_service = "" if institutional else data.place_of_service.strip()
    tob = data.type_of_bill.strip()
    claim.type_of_bill = (
        (tob if len(tob) == 4 else f"0{tob}" if tob else "") if institutional else ""
    )
    claim.admission_date = data.admission_date if institutional else None
    claim.admission_type = data.admission_type if institutional else ""
    claim.admission_source = data.admission_source if institutional else ""
    claim.patient_status = data.patient_status if institutional else ""
    claim.discharge_date = data.discharge_date if institutional else None
    claim.service_date_from = data.service_date_from
    claim.service_date_to = data.service_date_to or data.service_date_from
    if (
        claim.service_date_to
        and claim.service_date_from
        and claim.service_date_to < claim.service_date_from
    ):
        claim.service_date_to = claim.service_date_from
    claim.total_charge = data.total_charge  # type: ignore[assignment]
    claim.prior_auth_number = data.prior_auth_number.strip()
    claim.referral_number = data.referral_number.strip()
    claim.note = data.note.strip()[:80]


def _write_children(claim: Claim, data: ClaimData) -> None:
    claim.diagnoses.all().delete()
    claim.lines.all().delete()
    dx = [d for d in data.diagnoses if d.code.strip()]
    institutional = claim.kind == ClaimKind.INSTITUTIONAL
    ClaimDiagnosis.objects.bulk_create(
        ClaimDiagnosis(
            claim=claim,
            sequence=i,
            code=normalize_icd10_code(d.code)[:8],
            qualifier=(
                DiagnosisQualifier.PRINCIPAL
                if i == 1
                else d.qualifier
                if d.qualifier in DiagnosisQualifier.values and d.qualifier != "principal"
                else DiagnosisQualifier.OTHER
            ),
        )
        for i, d in enumerate(dx, start=1)
    )
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            line_number=i,
            **normalized_line_codes(ln),
            revenue_code=ln.revenue_code.strip() if institutional else "",
            diagnosis_pointers=",".join(str(p) for p in ln.diagnosis_pointers[:4]),
            units=ln.units,
            unit_type=ln.unit_type or "UN",
            charge=ln.charge,
            service_date=ln.service_date or claim.service_date_from,
            service_date_to=ln.service_date_to or ln.service_date or claim.service_date_to,
            place_of_service=ln.place_of_service.strip(),
            ndc=ln.ndc.replace("-", "")[:11],
            rendering_npi=ln.rendering_npi.strip(),
            description=ln.description[:80],
        )
        for i, ln in enumerate(data.lines, start=1)
    )


def _org_for(user: Any, data: ClaimData, errors: Errors) -> int | None:
    tin = data.billing_tin.replace("-", "").strip()
    access = claims_access(user=user)
    org_id = access.org_for_tin(tin, submit=True) if tin else None
    if org_id is None and len(access.submit) == 1:
        org_id = next(iter(access.submit))
    if org_id is None and "billing_tin" not in errors:
        errors["billing_tin"] = ["Choose one of your Tax IDs."]
    return org_id


def claim_validate(*, user: Any, data: ClaimData, for_submit: bool = True) -> Errors:
    """Run the front-end edits without saving (the form's as-you-type checks)."""
    access = claims_access(user=user)
    errors, _ = validate_claim(data, submit_tins=access.submit_tins, for_submit=for_submit)
    if for_submit:
        _original_for(user=user, data=data, errors=errors, org_id=None)
    return errors


def claim_save_draft(
    *,
    user: Any,
    data: ClaimData,
    claim: Claim | None = None,
    expected_version: int | None = None,
    idempotency_key: str = "",
) -> Claim:
    """Create or update a draft. Only what was filled in is checked; the claim gets its number
    now so the user can find the draft again.

    A new draft sent again with the same ``idempotency_key`` (a double click, Back and save
    again) is the first one: still a draft, it takes what was sent now; already submitted, it
    is returned as it is (the caller shows it)."""
    access = claims_access(user=user)
    if not access.can_submit:
        raise ClaimError("You are not allowed to submit claims online.", code="forbidden")
    errors, res = validate_claim(data, submit_tins=access.submit_tins, for_submit=False)
    org_id = _org_for(user, data, errors)
    # A draft may be saved with incomplete data, but never with data that is wrong.
    wrong = {"billing_tin", "kind", "frequency", *unfit_amounts(data)}
    blocking = {k: v for k, v in errors.items() if k in wrong}
    if blocking or org_id is None:
        raise ClaimInvalid(blocking or errors)
    if claim is None:
        with transaction.atomic():
            made = run_once(
                user=user,
                scope="claims.claim_draft",
                key=idempotency_key,
                create=lambda: _draft_write(user=user, data=data, res=res, org_id=org_id),
            )
        if not made.replayed or made.obj.status not in EDITABLE_CLAIM_STATUSES:
            return made.obj
        claim = made.obj
    return _draft_write(
        user=user, data=data, res=res, org_id=org_id, claim=claim, expected_version=expected_version
    )


def _draft_write(
    *,
    user: Any,
    data: ClaimData,
    res: Resolved,
    org_id: int,
    claim: Claim | None = None,
    expected_version: int | None = None,
) -> Claim:
    with transaction.atomic():
        if claim is None:
            claim = Claim(
                number=numbers_allocate(prefix=CLAIM_PREFIX)[0],
                organization_id=org_id,
                status=ClaimStatus.DRAFT,
                source=ClaimSource.WEB,
                submitted_by=user,
            )
            action = "portico.claim.draft_saved"
        else:
            locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
            if locked.status not in EDITABLE_CLAIM_STATUSES:
                raise ClaimError("Only drafts can be edited.", code="not_editable")
            if expected_version is not None and locked.version != expected_version:
                raise StaleObjectError()
            claim = locked
            claim.organization_id = org_id
            claim.version += 1
            action = "portico.claim.draft_updated"
        _fill(claim, data, res)
        claim.save()
        _write_children(claim, data)
        audit_record(
            action=action,
            actor=user,
            obj=claim,
            organization_id=claim.organization_id,
            member_ref=claim.member_number,
        )
    return claim


def apply_frequency(*, claim: Claim, original: Claim | None, user: Any = None) -> None:
    """A replacement moves its original to Adjusted (Voided if never finalized); a void
    moves the original to Voided and is itself recorded as Voided."""
    if original is None or claim.frequency == ClaimFrequency.ORIGINAL:
        return
    if claim.frequency == ClaimFrequency.REPLACEMENT:
        target = ClaimStatus.ADJUSTED if original.is_finalized else ClaimStatus.VOIDED
        if original.status == ClaimStatus.ADJUSTED:
            target = ClaimStatus.VOIDED
        note = f"Replaced by corrected claim {claim.number}."
    else:
        target = ClaimStatus.VOIDED
        note = f"Voided by claim {claim.number}."
    claim_status_change(
        claim=original, to_status=target, actor_kind=Actor.SYSTEM, user=user, note=note
    )
    if claim.frequency == ClaimFrequency.VOID and claim.status in (
        ClaimStatus.RECEIVED,
        ClaimStatus.ACCEPTED,
    ):
        claim_status_change(
            claim=claim,
            to_status=ClaimStatus.VOIDED,
            actor_kind=Actor.SYSTEM,
            user=user,
            note=f"Void of claim {original.number}.",
        )


def claim_submit(*, user: Any, claim: Claim, expected_version: int | None = None) -> Claim:
    """Submit a draft: every front-end edit must pass; the status becomes Received."""
    access = claims_access(user=user)
    if not access.can_submit:
        raise ClaimError("You are not allowed to submit claims online.", code="forbidden")
    data = claim_to_data(claim)
    errors, res = validate_claim(data, submit_tins=access.submit_tins, for_submit=True)
    org_id = _org_for(user, data, errors)
    original = _original_for(user=user, data=data, errors=errors, org_id=org_id)
    if errors:
        raise ClaimInvalid(errors)
    with transaction.atomic():
        locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleObjectError()
        if locked.status != ClaimStatus.DRAFT:
            raise ClaimError("This claim was already submitted.", code="already_submitted")
        locked.original = original
        locked.member, locked.coverage, locked.health_plan = res.member, res.coverage, res.plan
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        locked.save(
            update_fields=[
                "original",
                "member",
                "coverage",
                "health_plan",
                "submitted_at",
                "submitted_by",
                "updated_at",
            ]
        )
        claim_status_change(
            claim=locked,
            to_status=ClaimStatus.RECEIVED,
            actor_kind=Actor.PROVIDER,
            user=user,
            note="Submitted online.",
            category_code="A1",
            status_code="19",
            audit=False,
        )
        audit_record(
            action="portico.claim.submitted",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.member_number,
            changes={"total_charge": str(locked.total_charge), "source": locked.source},
        )
        apply_frequency(claim=locked, original=original, user=user)
    locked.refresh_from_db()
    return locked


def _replayed(existing: Claim, data: ClaimData) -> Claim:
    """The claim an idempotency key already made, if ``data`` is that claim sent again; a key
    reused for another claim is refused rather than answered with a claim not asked for."""
    sent = (
        data.patient_account_number.strip(),
        data.member_id.strip().upper(),
        data.service_date_from,
        data.total_charge,
        len(data.lines),
    )
    made = (
        existing.patient_account_number,
        existing.member_number,
        existing.service_date_from,
        existing.total_charge,
        existing.lines.count(),
    )
    if sent != made:
        raise ClaimError(
            f"This idempotency key was used for claim {existing.number}, which differs from "
            "this one. Send a new key for a new claim.",
            code="idempotency_conflict",
        )
    return existing


def claim_create(
    *, user: Any, data: ClaimData, source: str = ClaimSource.API, idempotency_key: str = ""
) -> tuple[Claim, bool]:
    """Validate, save and submit in one step (REST API). Returns ``(claim, created)``; the
    same ``idempotency_key`` twice returns the first claim."""
    access = claims_access(user=user)
    if not access.can_submit:
        raise ClaimError("You are not allowed to submit claims online.", code="forbidden")
    errors, res = validate_claim(data, submit_tins=access.submit_tins, for_submit=True)
    org_id = _org_for(user, data, errors)
    original = _original_for(user=user, data=data, errors=errors, org_id=org_id)
    key = idempotency_key.strip()[:150] or None
    if key and org_id is not None:
        existing = Claim.objects.filter(
            organization_id=org_id, idempotency_key__isnull=False, idempotency_key=key
        ).first()
        if existing is not None:
            return _replayed(existing, data), False
    if errors or org_id is None:
        raise ClaimInvalid(errors)
    try:
        with transaction.atomic():
            now = timezone.now()
            claim = Claim(
                number=numbers_allocate(prefix=CLAIM_PREFIX)[0],
                organization_id=org_id,
                status=ClaimStatus.RECEIVED,
                status_changed_at=now,
                source=source,
                submitted_by=user,
                submitted_at=now,
                idempotency_key=key,
                original=original,
            )
            _fill(claim, data, res)
            claim.save()
            _write_children(claim, data)
            ClaimStatusEvent.objects.create(
                claim=claim,
                from_status=ClaimStatus.DRAFT,
                to_status=ClaimStatus.RECEIVED,
                at=now,
                by=user,
                note=f"Submitted through the {source.upper()}.",
                category_code="A1",
                status_code="19",
            )
            audit_record(
                action="portico.claim.submitted",
                actor=user,
                obj=claim,
                organization_id=org_id,
                member_ref=claim.member_number,
                changes={"total_charge": str(claim.total_charge), "source": source},
            )
            apply_frequency(claim=claim, original=original, user=user)
    except IntegrityError:
        existing = Claim.objects.filter(
            organization_id=org_id, idempotency_key__isnull=False, idempotency_key=key
        ).first()
        if key and existing is not None:
            return _replayed(existing, data), False
        raise
    claim.refresh_from_db()
    return claim, True


def claim_draft_delete(*, user: Any, claim: Claim) -> None:
    with transaction.atomic():
        locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
        if locked.status != ClaimStatus.DRAFT:
            raise ClaimError("Only drafts can be deleted.", code="not_editable")
        audit_record(
            action="portico.claim.draft_deleted",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.member_number,
        )
        locked.diagnoses.all().delete()
        locked.lines.all().delete()
        locked.status_events.all().delete()
        locked.delete()


def claim_to_data(claim: Claim) -> ClaimData:
    """A saved claim back as input (edit a draft, re-check before submit)."""
    return ClaimData(
        kind=claim.kind,
        frequency=claim.frequency,
        original_claim_number=claim.original_claim_ref,
        billing_tin=claim.billing_tin,
        billing_npi=claim.billing_npi,
        billing_name=claim.billing_name,
        rendering_npi=claim.rendering_npi,
        rendering_name=claim.rendering_name,
        referring_npi=claim.referring_npi,
        referring_name=claim.referring_name,
        attending_npi=claim.attending_npi,
        attending_name=claim.attending_name,
        facility_npi=claim.facility_npi,
        facility_name=claim.facility_name,
        payer_id=claim.payer_id,
        member_id=claim.member_number,
        patient_first_name=claim.patient_first_name,
        patient_last_name=claim.patient_last_name,
        patient_dob=claim.patient_dob,
        patient_account_number=claim.patient_account_number,
        place_of_service=claim.place_of_service,
        type_of_bill=claim.type_of_bill,
        admission_date=claim.admission_date,
        admission_type=claim.admission_type,
        admission_source=claim.admission_source,
        patient_status=claim.patient_status,
        discharge_date=claim.discharge_date,
        service_date_from=claim.service_date_from,
        service_date_to=claim.service_date_to,
        total_charge=claim.total_charge,
        prior_auth_number=claim.prior_auth_number,
        referral_number=claim.referral_number,
        note=claim.note,
        diagnoses=[DiagnosisData(d.code, d.qualifier) for d in claim.diagnoses.all()],
        lines=[
            LineData(
                procedure_code=ln.procedure_code,
                modifiers=ln.modifiers,
                revenue_code=ln.revenue_code,
                diagnosis_pointers=ln.pointer_list,
                units=ln.units,
                unit_type=ln.unit_type,
                charge=ln.charge,
                service_date=ln.service_date,
                service_date_to=ln.service_date_to,
                place_of_service=ln.place_of_service,
                ndc=ln.ndc,
                rendering_npi=ln.rendering_npi,
                description=ln.description,
            )
            for ln in claim.lines.all()
        ],
    )
