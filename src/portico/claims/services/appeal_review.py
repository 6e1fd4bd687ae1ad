"""Appeals, examiner side: take an appeal into review and decide it.

* Upheld: the claim's decision stands.
* Overturned / Partially overturned: the claim is re-adjudicated with the examiner's line
  amounts (by default the plan's fee schedule, as if the claim had been clean) and becomes
  Adjusted; the next payment run pays the difference.

Every decision produces a decision letter (a real PDF) through the documents app with delivery
"mail": appeal letters are mailed, so it lands on the print-and-mail queue and the portal shows
when it was mailed. The letter is addressed, and mailed, to the practice (the billing
provider), never to the patient (``appeal_letter_recipient``). Withdrawal is the provider's
(``appeals.appeal_withdraw``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.claims.models import Appeal, AppealStatus, Claim, ClaimStatus
from portico.claims.services.adjudication import (
    LineDecision,
    claim_price_from_fee_schedule,
    claim_readjudicate,
    money,
)
from portico.claims.services.common import ClaimError, StaleObjectError, appeal_status_change
from portico.claims.transitions import Actor
from portico.core import pdf
from portico.core.audit import audit_record
from portico.documents.services import document_create

DECISIONS = (AppealStatus.UPHELD, AppealStatus.OVERTURNED, AppealStatus.PARTIALLY_OVERTURNED)
LETTER_KIND = "appeal_decision"


def _lock(appeal: Appeal, expected_version: int | None) -> Appeal:
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("claim", "line", "organization")
        .get(pk=appeal.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObjectError()
    return locked


def appeal_review_start(
    *, appeal: Appeal, user: Any, expected_version: int | None = None
) -> Appeal:
    """Received → In review."""
    with transaction.atomic():
        locked = _lock(appeal, expected_version)
        appeal_status_change(
            appeal=locked,
            to_status=AppealStatus.IN_REVIEW,
            actor_kind=Actor.EXAMINER,
            user=user,
            note="Taken into review.",
        )
        audit_record(
            action="portico.appeal.review_started",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.claim.member_number,
        )
    return locked


def appeal_default_decisions(*, appeal: Appeal) -> list[LineDecision]:
    """The line decisions an overturn starts from: the fee schedule's pricing."""
    pricing = claim_price_from_fee_schedule(claim=appeal.claim)
    return pricing.decisions


def appeal_decide(
    *,
    appeal: Appeal,
    user: Any,
    decision: str,
    notes: str,
    decisions: Sequence[LineDecision] | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """Decide an open appeal; re-adjudicate the claim when (partially) overturned; write the
    decision letter (mailed). Raises ``ClaimError`` / ``AdjudicationInvalid`` /
    ``StaleObjectError`` / ``TransitionNotAllowed`` with nothing saved."""
    if decision not in DECISIONS:
        raise ClaimError("Choose Upheld, Overturned or Partially overturned.", field="decision")
    notes = notes.strip()
    if not notes:
        raise ClaimError("Explain the decision; it is printed in the letter.", field="notes")
    with transaction.atomic():
        locked = _lock(appeal, expected_version)
        claim = locked.claim
        if decision != AppealStatus.UPHELD:
            if claim.status not in (*_READJUDICABLE,):
                raise ClaimError(
                    f"The claim is {claim.get_status_display()}; it can't be re-adjudicated "
                    "(a rejected claim must be corrected and sent again).",
                    code="not_adjudicable",
                )
            chosen = list(decisions) if decisions else appeal_default_decisions(appeal=locked)
            if not chosen:
                raise ClaimError(
                    "The claim can't be priced from the fee schedule; enter the line amounts.",
                    code="not_priced",
                )
            claim = claim_readjudicate(
                claim=claim,
                user=user,
                decisions=chosen,
                note=f"Appeal {locked.number}: {AppealStatus(decision).label}.",
            )
        appeal_status_change(
            appeal=locked,
            to_status=decision,
            actor_kind=Actor.EXAMINER,
            user=user,
            note=notes[:500],
        )
        now = timezone.now()
        locked.decided_by = user
        locked.decided_at = now
        locked.decision_notes = notes
        letter = document_create(
            organization=locked.organization,
            member=claim.member,
            kind=LETTER_KIND,
            title=f"Appeal {locked.number} decision: {AppealStatus(decision).label}",
            pdf=appeal_letter_pdf(appeal=locked, claim=claim, decision=decision, notes=notes),
            subject_app="claims",
            subject_type="appeal",
            subject_id=str(locked.pk),
            delivery="mail",
            # Mailed to the practice the letter is addressed to, never to the patient.
            mail_to="\n".join(appeal_letter_recipient(appeal=locked, claim=claim)),
            created_by=user,
            file_name=f"appeal-{locked.number}-decision.pdf",
        )
        locked.letter_document_id = letter.pk
        locked.save(
            update_fields=[
                "decided_by", "decided_at", "decision_notes", "letter_document_id", "updated_at",
            ]
        )  # fmt: skip
        audit_record(
            action="portico.appeal.decided",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=claim.member_number,
            changes={
                "decision": decision,
                "claim_status": claim.status,
                "claim_paid": str(claim.paid_total),
                "letter": letter.pk,
            },
        )
    return locked


_READJUDICABLE = (
    ClaimStatus.FINALIZED_PAID,
    ClaimStatus.FINALIZED_DENIED,
    ClaimStatus.FINALIZED_PARTIAL,
    ClaimStatus.ADJUSTED,
)


def appeal_letter_recipient(*, appeal: Appeal, claim: Claim) -> list[str]:
    """The address block of the decision letter, which is also where it is mailed: the
    practice that filed the appeal (the billing provider's practice), at its address on file;
    when the practice has no street address, the billing provider's address as billed."""
    org = appeal.organization
    if org.address_line1:
        city = ", ".join(
            p for p in (org.city, " ".join(p for p in (org.state, org.zip_code) if p)) if p
        )
        lines = [org.name, org.address_line1, org.address_line2, city]
    else:
        lines = [org.name or claim.billing_name, claim.billing_address]
    if claim.billing_name and claim.billing_name != lines[0]:
        lines.insert(1, f"Attn: {claim.billing_name}")
    return [line for line in lines if line]


def appeal_letter_pdf(*, appeal: Appeal, claim: Claim, decision: str, notes: str) -> bytes:
    """The decision letter mailed to the practice (plain text in, PDF out)."""
    plan = claim.health_plan
    payer = plan.name if plan else (claim.payer_id or "The health plan")
    address = (plan.correspondence_address if plan else "") or ""
    if plan and not address:
        address = ", ".join(p for p in (plan.address_line1, plan.city, plan.state) if p)
    to_lines = appeal_letter_recipient(appeal=appeal, claim=claim)
    label = AppealStatus(decision).label
    content: list[Any] = [
        pdf.paragraph(payer, bold=True),
        pdf.paragraph(address),
        pdf.spacer(),
        pdf.paragraph(timezone.localdate().strftime("%B %d, %Y").replace(" 0", " ")),
        pdf.spacer(),
        pdf.paragraph("\n".join(to_lines)),
        pdf.spacer(),
        pdf.heading(f"Appeal decision: {label}"),
        pdf.key_value_table(
            [
                ("Appeal number", appeal.number),
                ("Claim number", claim.number),
                ("Patient", claim.patient_name),
                ("Member ID", claim.member_number),
                ("Patient account number", claim.patient_account_number),
                (
                    "Date(s) of service",
                    f"{claim.service_date_from:%m/%d/%Y}" if claim.service_date_from else "",
                ),
                ("Billed amount", f"${claim.total_charge:,.2f}"),
                ("Reason for appeal", appeal.get_reason_display()),
                ("Filed", f"{appeal.filed_at:%m/%d/%Y}"),
            ]
        ),
        pdf.spacer(),
        pdf.paragraph(_decision_sentence(decision, claim)),
        pdf.heading("Explanation", 2),
        pdf.paragraph(notes),
    ]
    if decision != AppealStatus.UPHELD:
        rows = [
            [
                str(ln.line_number),
                ln.procedure_code or ln.revenue_code,
                f"{money(ln.charge):,.2f}",
                f"{money(ln.allowed):,.2f}",
                f"{money(ln.patient_responsibility):,.2f}",
                f"{money(ln.paid):,.2f}",
            ]
            for ln in claim.lines.all().order_by("line_number")
        ]
        content += [
            pdf.heading("The claim as re-adjudicated", 2),
            pdf.table(["Line", "Code", "Billed", "Allowed", "Patient resp.", "Paid"], rows),
            pdf.paragraph(
                "The difference will be paid in the next payment run and reported on your "
                "remittance advice (835) and Explanation of Benefits."
            ),
        ]
    content += [
        pdf.heading("Your rights", 2),
        pdf.paragraph(
            "If you disagree with this decision you may request a second-level review within "
            "60 days of the date of this letter. Send your request with any new information to "
            "the address above, or file it in the Claims Online Portal."
        ),
    ]
    return pdf.render_pdf(
        title=f"Appeal {appeal.number} decision",
        header=payer,
        footer="Claims Online Portal — appeal decision letter (mailed)",
        content=content,
        subject="Appeal decision",
    )


def _decision_sentence(decision: str, claim: Claim) -> str:
    if decision == AppealStatus.UPHELD:
        return (
            "We reviewed your appeal and the information you sent. The original decision on "
            "this claim is upheld."
        )
    part = "partially " if decision == AppealStatus.PARTIALLY_OVERTURNED else ""
    return (
        f"We reviewed your appeal and the information you sent. The original decision is "
        f"{part}overturned: the claim was re-adjudicated and now pays "
        f"${money(claim.paid_total):,.2f}."
    )
