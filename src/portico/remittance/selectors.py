"""Reads of payments and remittance, scoped like claims: a payment is visible to a user when
its practice is the practice of one of the user's Claims grants and its payee TIN is one of
that grant's TINs. Anything else answers 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from portico.claims.models import FINALIZED_STATUSES, Claim, ClaimStatus
from portico.claims.selectors import claim_get_by_number, claims_access
from portico.remittance.models import (
    Payment,
    PaymentClaim,
    PaymentClaimKind,
    PaymentRun,
    ProviderAdjustment,
    ProviderAdjustmentStatus,
)

ZERO = Decimal("0.00")
PAYABLE_STATUSES = (*FINALIZED_STATUSES, ClaimStatus.ADJUSTED)


def _scope(user: Any) -> Q | None:
    access = claims_access(user=user)
    if not access.has_access:
        return None
    q = Q(pk__in=[])
    for org_id, tins in access.view.items():
        q |= Q(organization_id=org_id, payee_tin__in=list(tins))
    return q


def payments_for_user(*, user: Any) -> QuerySet[Payment]:
    q = _scope(user)
    if q is None:
        return Payment.objects.none()
    return Payment.objects.filter(q).select_related("health_plan").order_by("-payment_date", "-id")


def payments_search(
    *,
    user: Any,
    trace_number: str = "",
    tin: str = "",
    date_from: Any = None,
    date_to: Any = None,
    method: str = "",
) -> QuerySet[Payment]:
    qs = payments_for_user(user=user)
    if trace_number:
        qs = qs.filter(trace_number__icontains=trace_number.strip())
    if tin:
        qs = qs.filter(payee_tin=tin)
    if date_from:
        qs = qs.filter(payment_date__gte=date_from)
    if date_to:
        qs = qs.filter(payment_date__lte=date_to)
    if method:
        qs = qs.filter(method=method)
    return qs


def recent_payments_for_user(*, user: Any, limit: int = 5) -> list[Payment]:
    return list(payments_for_user(user=user)[:limit])


def payment_get_for_user(*, user: Any, number: str) -> Payment:
    payment = payments_for_user(user=user).filter(number=number).select_related("run").first()
    if payment is None:
        raise Http404("No such payment.")
    return payment


def payment_claims(*, payment: Payment) -> list[PaymentClaim]:
    return list(payment.claims.order_by("claim_number", "kind", "id"))


def payments_for_claim(*, claim: Any) -> list[PaymentClaim]:
    """The payments that settled a claim (for the claim's detail page; caller checked
    access to the claim)."""
    return list(PaymentClaim.objects.filter(claim=claim).select_related("payment").order_by("-id"))


# ---------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------
@dataclass
class ReconRow:
    claim_number: str
    patient_account_number: str
    patient_name: str
    member_number: str
    service_date: Any
    status_code: str
    kind: str
    billed: Decimal
    allowed: Decimal
    adjustments: Decimal
    patient_responsibility: Decimal
    paid: Decimal
    flags: list[str] = field(default_factory=list)

    @property
    def balances(self) -> bool:
        return self.billed - self.adjustments - self.patient_responsibility == self.paid


@dataclass
class Reconciliation:
    payment: Payment
    rows: list[ReconRow]
    provider_adjustments: list[ProviderAdjustment]
    billed: Decimal = ZERO
    allowed: Decimal = ZERO
    adjustments: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    claims_paid: Decimal = ZERO
    plb_total: Decimal = ZERO
    unmatched: list[str] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.claims_paid - self.plb_total

    @property
    def matches_payment(self) -> bool:
        return self.net == self.payment.amount

    @property
    def claims_balance(self) -> bool:
        return self.billed - self.adjustments - self.patient_responsibility == self.claims_paid


STATUS_CODE_LABELS = {
    "1": "Processed as primary",
    "2": "Processed as secondary",
    "3": "Processed as tertiary",
    "4": "Denied",
    "22": "Reversal of previous payment",
}


def payment_reconciliation(*, payment: Payment) -> Reconciliation:
    """Each settled claim with billed, allowed, adjustments, patient responsibility and paid;
    totals; and the items that do not match a portal claim one to one (provider-level
    adjustments, reversals of earlier payments, claims not submitted through the portal)."""
    rows: list[ReconRow] = []
    for pc in payment_claims(payment=payment):
        flags = []
        if pc.kind == PaymentClaimKind.REVERSAL:
            flags.append("Reversal of an earlier payment (claim re-adjudicated)")
        if not pc.submitted_in_portal:
            flags.append("Paid but not submitted through the portal")
        rows.append(
            ReconRow(
                claim_number=pc.claim_number,
                patient_account_number=pc.patient_account_number,
                patient_name=pc.patient_name,
                member_number=pc.member_number,
                service_date=pc.service_date,
                status_code=pc.status_code,
                kind=pc.kind,
                billed=pc.billed,
                allowed=pc.allowed,
                adjustments=pc.adjustments_total,
                patient_responsibility=pc.patient_responsibility,
                paid=pc.paid,
                flags=flags,
            )
        )
    plbs = list(ProviderAdjustment.objects.filter(payment=payment).order_by("id"))
    rec = Reconciliation(payment=payment, rows=rows, provider_adjustments=plbs)
    rec.billed = sum((r.billed for r in rows), ZERO)
    rec.allowed = sum((r.allowed for r in rows), ZERO)
    rec.adjustments = sum((r.adjustments for r in rows), ZERO)
    rec.patient_responsibility = sum((r.patient_responsibility for r in rows), ZERO)
    rec.claims_paid = sum((r.paid for r in rows), ZERO)
    rec.plb_total = sum((p.amount for p in plbs), ZERO)
    for p in plbs:
        rec.unmatched.append(
            f"Provider-level adjustment {p.get_reason_code_display()} ({p.reason_code}"
            f"{' ' + p.reference if p.reference else ''}): {p.amount:,.2f} — not tied to a claim."
        )
    for r in rows:
        for flag in r.flags:
            rec.unmatched.append(f"Claim {r.claim_number}: {flag}.")
    return rec


# ---------------------------------------------------------------------------
# Back office (claims examiners; the views check the role, these reads are unscoped)
# ---------------------------------------------------------------------------
def claims_awaiting_payment() -> QuerySet[Claim]:
    """Finalized or adjusted claims whose current adjudication no payment has settled."""
    settled = PaymentClaim.objects.filter(
        claim=OuterRef("pk"),
        kind=PaymentClaimKind.PAYMENT,
        adjudicated_at=OuterRef("adjudicated_at"),
    )
    return (
        Claim.objects.filter(
            status__in=PAYABLE_STATUSES,
            health_plan__isnull=False,
            adjudicated_at__isnull=False,
            paid_total__isnull=False,
        )
        .exclude(Exists(settled))
        .order_by("organization_id", "billing_tin", "health_plan_id", "adjudicated_at", "id")
    )


@dataclass(frozen=True)
class RunPreview:
    """What "Run payments" would pay now: the claims awaiting payment and the net amount on
    them (an adjusted claim pays its new amount less what its earlier payment paid)."""

    claim_count: int
    amount: Decimal

    @property
    def has_claims(self) -> bool:
        return self.claim_count > 0


def payment_run_preview() -> RunPreview:
    awaiting = claims_awaiting_payment().order_by()
    totals = awaiting.aggregate(paid=Sum("paid_total"))
    count = awaiting.count()
    # Earlier payments of re-adjudicated claims that the run reverses (not reversed yet).
    reversed_rows = PaymentClaim.objects.filter(
        kind=PaymentClaimKind.REVERSAL, reverses=OuterRef("pk")
    )
    earlier = (
        PaymentClaim.objects.filter(kind=PaymentClaimKind.PAYMENT, claim__in=awaiting.values("pk"))
        .exclude(Exists(reversed_rows))
        .aggregate(paid=Sum("paid"))
    )
    amount = (totals["paid"] or ZERO) - (earlier["paid"] or ZERO)
    return RunPreview(claim_count=count, amount=amount)


def payment_runs_recent(*, limit: int = 20) -> list[PaymentRun]:
    return list(PaymentRun.objects.select_related("started_by")[:limit])


def payment_run_get(*, number: str) -> PaymentRun:
    run = PaymentRun.objects.filter(number=number).select_related("started_by").first()
    if run is None:
        raise Http404("No such payment run.")
    return run


def payments_of_run(*, run: PaymentRun) -> QuerySet[Payment]:
    return run.payments.select_related("health_plan", "organization").order_by(
        "payee_name", "payee_tin", "id"
    )


def payment_get_for_staff(*, number: str) -> Payment:
    payment = (
        Payment.objects.filter(number=number)
        .select_related("run", "health_plan", "organization")
        .first()
    )
    if payment is None:
        raise Http404("No such payment.")
    return payment


def payments_for_claim_number(*, number: str) -> list[PaymentClaim]:
    """Every payment row of a claim, newest first, with its payment and run (the staff claim
    page's "Payments" section); 404 for an unknown claim."""
    claim = claim_get_by_number(number=number)
    return list(
        PaymentClaim.objects.filter(claim=claim)
        .select_related("payment__run")
        .order_by("-payment__payment_date", "-id")
    )


def provider_adjustments_pending() -> QuerySet[ProviderAdjustment]:
    return ProviderAdjustment.objects.filter(status=ProviderAdjustmentStatus.QUEUED).select_related(
        "organization", "health_plan"
    )


def provider_adjustment_get(*, pk: int) -> ProviderAdjustment:
    item = ProviderAdjustment.objects.filter(pk=pk).select_related("organization").first()
    if item is None:
        raise Http404("No such provider-level adjustment.")
    return item
