"""Demo data of payments and remittance, run after the claims demo (``claims.demo.generate``):

1. automatic adjudication of the demo claims waiting for it (fee schedules from claims demo);
2. an EFT enrolment for the first practice's first TIN (its payments go by ACH, the others by
   check) and a provider-level adjustment (overpayment recovery) for it;
3. a payment run (dated today) → payments with 835 files and EOBs;
4. one appeal (with office notes, a PDF) overturned by the demo claims examiner (the claim
   becomes Adjusted), then a second payment run that reverses and repays it; and one appeal
   left Received for the examiners' queue.

Idempotent: a second call finds the runs made and does nothing.

    from portico.remittance import demo as remittance_demo
    remittance_demo.generate(scale="small")
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portico.claims.models import Appeal, AppealStatus, Claim, ClaimStatus
from portico.claims.services import appeal_file
from portico.claims.services.adjudication import claims_auto_adjudicate_pending
from portico.claims.services.appeal_review import appeal_decide, appeal_review_start
from portico.core import pdf
from portico.identity.roles import StaffRole
from portico.members.models import HealthPlan
from portico.organizations.models import Application, ApplicationGrant
from portico.remittance.models import PayeeEnrollment, PaymentRun, ProviderAdjustment
from portico.remittance.services import NothingToPay, RunResult, payment_run_execute

DEMO_MARK = "Demo data"


def _examiner() -> Any:
    User = get_user_model()
    return (
        User.objects.filter(groups__name=StaffRole.CLAIMS_EXAMINER, is_active=True).first()
        or User.objects.filter(is_superuser=True).first()
    )


def _office_notes(claim: Claim) -> Any:
    """A real PDF of office notes, as an office would attach to an appeal."""
    data = pdf.render_pdf(
        title="Office notes",
        header="Office notes (demo)",
        footer=f"Patient account {claim.patient_account_number}",
        content=[
            pdf.heading("Office visit notes"),
            pdf.key_value_table(
                [
                    ("Patient", f"{claim.patient_first_name} {claim.patient_last_name}"),
                    (
                        "Date of service",
                        claim.service_date_from.strftime("%m/%d/%Y")
                        if claim.service_date_from
                        else "",
                    ),
                    ("Rendering provider", claim.rendering_name or claim.billing_name),
                ]
            ),
            pdf.paragraph(
                "Chief complaint: worsening symptoms over three weeks despite home care. "
                "Examination and history documented; the visit was needed to assess and "
                "change the treatment plan."
            ),
        ],
    )
    return SimpleUploadedFile("office-notes.pdf", data, content_type="application/pdf")


def _filer(claim: Claim) -> Any:
    grant = (
        ApplicationGrant.objects.filter(
            application=Application.CLAIMS,
            organization_id=claim.organization_id,
            is_active=True,
            scope__submit_claims=True,
        )
        .select_related("user")
        .first()
    )
    return grant.user if grant is not None else None


def _denied_claims_without_appeal() -> Any:
    return (
        Claim.objects.filter(status=ClaimStatus.FINALIZED_DENIED, health_plan__isnull=False)
        .exclude(appeals__isnull=False)
        .order_by("id")
    )


def _overturn_one(examiner: Any) -> bool:
    claim = _denied_claims_without_appeal().first()
    user = _filer(claim) if claim is not None else None
    if claim is None or user is None:
        return False
    appeal = appeal_file(
        user=user,
        claim=claim,
        reason="medical_necessity",
        explanation="Office notes attached show the visit was medically necessary.",
        files=[_office_notes(claim)],
    )
    _file_open_appeal()
    appeal_review_start(appeal=appeal, user=examiner)
    appeal_decide(
        appeal=Appeal.objects.get(pk=appeal.pk),
        user=examiner,
        decision=AppealStatus.OVERTURNED,
        notes="The office notes support medical necessity; the claim is paid at the fee schedule.",
    )
    return True


def _file_open_appeal() -> None:
    """A second appeal, left Received: the examiners' appeal queue has work in it."""
    for claim in _denied_claims_without_appeal()[:5]:
        user = _filer(claim)
        if user is not None:
            appeal_file(
                user=user,
                claim=claim,
                reason="medical_necessity",
                explanation="The attached office notes document why the visit was needed.",
                files=[_office_notes(claim)],
            )
            return


def generate(*, scale: str = "small", today: dt.date | None = None) -> dict[str, int]:
    if PaymentRun.objects.exists():
        return {"payments": 0}
    today = today or timezone.localdate()
    counts = claims_auto_adjudicate_pending(limit=2000 if scale == "large" else None)
    grant = (
        ApplicationGrant.objects.filter(application=Application.CLAIMS, is_active=True)
        .exclude(organization__isnull=True)
        .order_by("id")
        .first()
    )
    if grant is not None and grant.organization_id and (grant.scope or {}).get("tins"):
        tin = str(grant.scope["tins"][0])
        PayeeEnrollment.objects.get_or_create(
            organization_id=grant.organization_id,
            tin=tin,
            defaults={"routing_number": "021000021", "account_number": "4000123456"},
        )
        plan = HealthPlan.objects.order_by("id").first()
        if plan is not None:
            ProviderAdjustment.objects.get_or_create(
                organization_id=grant.organization_id,
                tin=tin,
                health_plan=plan,
                reason_code="WO",
                reference="OVP-2025-001",
                defaults={"amount": Decimal("25.00"), "note": "Recovery of a duplicate payment"},
            )
    # Dated today: the claims it pays were adjudicated up to today (a run dated earlier would
    # pay claims before their service or submission).
    first = _run(payment_date=today, max_claims=20_000 if scale == "large" else None)
    examiner = _examiner()
    overturned = _overturn_one(examiner) if examiner is not None else False
    second = _run(payment_date=today)
    results = [r for r in (first, second) if r is not None]
    for result in results:
        result.run.notes = f"{DEMO_MARK}. {result.run.notes}".strip()
        result.run.save(update_fields=["notes"])
    return {
        "auto_finalized": counts["finalized"],
        "auto_pended": counts["pended"],
        "payments": sum(len(r.payments) for r in results),
        "appeals_overturned": int(overturned),
    }


def _run(*, payment_date: dt.date, max_claims: int | None = None) -> RunResult | None:
    try:
        return payment_run_execute(payment_date=payment_date, max_claims=max_claims)
    except NothingToPay:  # nothing awaited payment: no (empty) run
        return None
