"""Writes of payments and remittance: payment runs (payments + 835 files), provider-level
adjustments, and the audit of remittance views and downloads."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from portico.claims.models import (
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimSource,
    ClaimStatus,
)
from portico.core.audit import audit_record
from portico.core.idempotency import idempotent
from portico.core.text import tin_display
from portico.members.models import HealthPlan
from portico.remittance.models import (
    Counter,
    PayeeEnrollment,
    PayerProfile,
    Payment,
    PaymentClaim,
    PaymentClaimKind,
    PaymentMethod,
    PaymentRun,
    ProviderAdjustment,
    ProviderAdjustmentStatus,
)
from portico.remittance.selectors import claims_awaiting_payment
from portico.remittance.transitions import (
    Actor,
    TransitionNotAllowed,
    check_provider_adjustment_transition,
)
from portico.x12.errors import X12WriteError
from portico.x12.models837 import Address
from portico.x12.remit835 import (
    Adjustment,
    ClaimPayment,
    Remittance,
    ServicePayment,
    build_835,
    check_balance,
)
from portico.x12.remit835 import (
    ProviderAdjustment as X12ProviderAdjustment,
)
from portico.x12.writer import Envelope

ZERO = Decimal("0.00")
PORTAL_SOURCES = (ClaimSource.WEB, ClaimSource.X12, ClaimSource.API)

AUDIT_ACTIONS = {
    "portico.payment_run.executed": "ran a payment run",
    "portico.payment.viewed": "viewed a payment's EOB",
    "portico.payment.eob_downloaded": "downloaded an EOB PDF",
    "portico.payment.835_downloaded": "downloaded an 835 remittance file",
    "portico.payment.reconciliation_viewed": "viewed a payment reconciliation",
    "portico.payment.reconciliation_exported": "exported a payment reconciliation (CSV)",
    "portico.payment.listed": "listed payments",
    "portico.provider_adjustment.created": "recorded a provider-level adjustment",
    "portico.provider_adjustment.cancelled": "cancelled a queued provider-level adjustment",
    "portico.payment_run.viewed": "viewed a payment run's payments (back office)",
    "portico.payment.viewed_by_staff": "viewed a payment's EOB (back office)",
    "portico.payment.eob_downloaded_by_staff": "downloaded an EOB PDF (back office)",
    "portico.payment.835_downloaded_by_staff": "downloaded an 835 remittance file (back office)",
    "portico.eob.fhir_read": "read ExplanationOfBenefit resources (FHIR)",
}


class RemittanceError(Exception):
    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NothingToPay(RemittanceError):
    """A payment run was asked for while no finalized or adjusted claim awaits payment."""

    def __init__(self) -> None:
        super().__init__(
            "No finalized or adjusted claims await payment, so no payment run was created."
        )


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------
def counter_next(*, name: str, count: int = 1, start: int = 0) -> int:
    """Reserve ``count`` numbers of sequence ``name``; returns the first."""
    with transaction.atomic():
        Counter.objects.get_or_create(name=name, defaults={"last": start})
        row = Counter.objects.select_for_update().get(name=name)
        first = row.last + 1
        row.last += count
        row.save(update_fields=["last"])
    return first


def payer_profile_for(*, plan: HealthPlan) -> PayerProfile:
    profile = PayerProfile.objects.filter(health_plan=plan).first()
    if profile is None:
        profile = PayerProfile.objects.create(
            health_plan=plan,
            tax_id=f"99{plan.pk % 10_000_000:07d}",
            routing_number="011000015",
            account_number=f"9000{plan.pk:06d}",
            edi_phone="".join(ch for ch in (plan.provider_services_phone or "") if ch.isdigit())[
                -10:
            ]
            or "8005550100",
        )
    return profile


# ---------------------------------------------------------------------------
# What a claim pays: the snapshot written into a payment
# ---------------------------------------------------------------------------
def _d(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _line_snapshot(line: ClaimLine) -> dict[str, Any]:
    return {
        "line_number": line.line_number,
        "procedure_code": line.procedure_code,
        "modifiers": line.modifiers,
        "revenue_code": line.revenue_code,
        "units": str(line.units),
        "service_date": line.service_date.isoformat() if line.service_date else "",
        "service_date_to": line.service_date_to.isoformat() if line.service_date_to else "",
        "charge": str(_d(line.charge)),
        "allowed": str(_d(line.allowed)),
        "paid": str(_d(line.paid)),
        "patient_responsibility": str(_d(line.patient_responsibility)),
        "status": line.status,
        "control_number": line.control_number,
        "remark_codes": line.remark_codes.split(),
        "adjustments": [
            {"group": a.group_code, "reason": a.reason_code, "amount": str(_d(a.amount))}
            for a in line.adjustments.all()
        ],
    }


def claim_snapshot(claim: Claim) -> dict[str, Any]:
    return {
        "kind": claim.kind,
        "frequency": claim.frequency,
        "place_of_service": claim.place_of_service,
        "type_of_bill": claim.type_of_bill,
        "patient_first_name": claim.patient_first_name,
        "patient_last_name": claim.patient_last_name,
        "rendering_npi": claim.rendering_npi,
        "service_date_from": claim.service_date_from.isoformat() if claim.service_date_from else "",
        "service_date_to": claim.service_date_to.isoformat() if claim.service_date_to else "",
        "received": claim.submitted_at.date().isoformat() if claim.submitted_at else "",
        "lines": [_line_snapshot(ln) for ln in claim.lines.all()],
    }


def _status_code(claim: Claim) -> str:
    return "4" if claim.status == ClaimStatus.FINALIZED_DENIED or not claim.paid_total else "1"


def _payment_claim(claim: Claim) -> PaymentClaim:
    detail = claim_snapshot(claim)
    billed = _d(claim.total_charge)
    paid = _d(claim.paid_total)
    patient = _d(claim.patient_responsibility_total)
    return PaymentClaim(
        claim=claim,
        kind=PaymentClaimKind.PAYMENT,
        status_code=_status_code(claim),
        claim_status=claim.status,
        adjudicated_at=claim.adjudicated_at,
        claim_number=claim.number,
        patient_account_number=claim.patient_account_number,
        patient_name=claim.patient_name,
        member_number=claim.member_number,
        service_date=claim.service_date_from,
        billed=billed,
        allowed=_d(claim.allowed_total),
        paid=paid,
        patient_responsibility=patient,
        adjustments_total=billed - paid - patient,
        submitted_in_portal=claim.source in PORTAL_SOURCES,
        detail=detail,
    )


def _reversal_of(prior: PaymentClaim) -> PaymentClaim:
    return PaymentClaim(
        claim_id=prior.claim_id,
        kind=PaymentClaimKind.REVERSAL,
        reverses=prior,
        status_code="22",
        claim_status=prior.claim_status,
        adjudicated_at=prior.adjudicated_at,
        claim_number=prior.claim_number,
        patient_account_number=prior.patient_account_number,
        patient_name=prior.patient_name,
        member_number=prior.member_number,
        service_date=prior.service_date,
        billed=-prior.billed,
        allowed=-prior.allowed,
        paid=-prior.paid,
        patient_responsibility=-prior.patient_responsibility,
        adjustments_total=-prior.adjustments_total,
        submitted_in_portal=prior.submitted_in_portal,
        detail=prior.detail,
    )


# ---------------------------------------------------------------------------
# 835 from a payment's rows
# ---------------------------------------------------------------------------
def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def x12_claim_payment(row: PaymentClaim) -> ClaimPayment:
    """The 835 CLP loop of one settled claim (a reversal negates every amount)."""
    sign = Decimal(-1) if row.kind == PaymentClaimKind.REVERSAL else Decimal(1)
    detail = row.detail or {}
    services = []
    for ln in detail.get("lines", []):
        code = ln.get("procedure_code") or ""
        revenue = ln.get("revenue_code") or ""
        services.append(
            ServicePayment(
                procedure_code=code or revenue,
                procedure_qualifier="HC" if code else "NU",
                charge=sign * Decimal(ln["charge"]),
                paid=sign * Decimal(ln["paid"]),
                modifiers=tuple(ln.get("modifiers") or ()),
                revenue_code=revenue if code else "",
                units_paid=Decimal(ln["units"]) if ln.get("units") else None,
                service_date=_date(ln.get("service_date", "")),
                service_date_end=_date(ln.get("service_date_to", "")),
                adjustments=[
                    Adjustment(a["group"], a["reason"], sign * Decimal(a["amount"]))
                    for a in ln.get("adjustments", [])
                ],
                remark_codes=tuple(ln.get("remark_codes") or ()),
                line_item_control_number=ln.get("control_number") or "",
                allowed_amount=sign * Decimal(ln["allowed"])
                if ln.get("status") != "denied"
                else None,
            )
        )
    institutional = detail.get("kind") == ClaimKind.INSTITUTIONAL
    tob = detail.get("type_of_bill") or ""
    return ClaimPayment(
        patient_account_number=row.patient_account_number,
        status_code=row.status_code,
        charge=row.billed,
        paid=row.paid,
        payer_claim_control_number=row.claim_number,
        patient_last_name=detail.get("patient_last_name") or row.patient_name or "UNKNOWN",
        patient_first_name=detail.get("patient_first_name") or "",
        patient_member_id=row.member_number,
        patient_responsibility=row.patient_responsibility,
        filing_indicator="12",
        facility_code=(tob[-3:-1] if institutional and len(tob) >= 3 else "")
        or detail.get("place_of_service", ""),
        frequency_code=(detail.get("frequency") or "1"),
        rendering_provider_npi=detail.get("rendering_npi") or "",
        services=services,
        statement_from=_date(detail.get("service_date_from", "")),
        statement_to=_date(detail.get("service_date_to", "")),
        received=_date(detail.get("received", "")),
    )


def _address(plan: HealthPlan) -> Address:
    return Address(
        line1=plan.address_line1 or "PO Box 5600",
        city=plan.city or "Kingston",
        state=plan.state or "NY",
        postal_code=(plan.zip_code or "12402").replace("-", ""),
    )


def remittance_for(
    payment: Payment,
    rows: Iterable[PaymentClaim],
    plbs: Sequence[ProviderAdjustment],
    *,
    payee_account: PayeeEnrollment | None = None,
) -> Remittance:
    plan = payment.health_plan
    profile = payer_profile_for(plan=plan)
    org = payment.organization
    payee_address = None
    if org.address_line1 and org.city:
        payee_address = Address(
            line1=org.address_line1,
            city=org.city,
            state=org.state,
            postal_code=org.zip_code.replace("-", ""),
        )
    return Remittance(
        payer_name=payment.payer_name,
        payer_tax_id=profile.tax_id,
        payer_address=_address(plan),
        payer_technical_phone=profile.edi_phone,
        payer_technical_contact=profile.edi_contact,
        payer_website=profile.website,
        payer_id=plan.payer_id,
        payee_name=payment.payee_name,
        payee_npi=payment.payee_npi,
        payee_tax_id=payment.payee_tin,
        payee_address=payee_address,
        payment_method=payment.method,
        trace_number=payment.trace_number,
        payment_date=payment.payment_date,
        production_date=payment.payment_date,
        claims=[x12_claim_payment(r) for r in rows],
        provider_adjustments=[
            X12ProviderAdjustment(p.reason_code, p.amount, p.reference) for p in plbs
        ],
        payer_routing_number=profile.routing_number,
        payer_account_number=profile.account_number,
        payee_routing_number=payee_account.routing_number if payee_account else "",
        payee_account_number=payee_account.account_number if payee_account else "",
    )


def _envelope(payment: Payment, control: int) -> Envelope:
    return Envelope(
        sender_id=(payment.health_plan.payer_id or "PORTICO")[:15],
        receiver_id=payment.payee_tin,
        interchange_control_number=control,
        group_control_number=control,
        created=timezone.localtime(),
        usage_indicator="P",
    )


# ---------------------------------------------------------------------------
# Payment runs
# ---------------------------------------------------------------------------
@dataclass
class RunResult:
    run: PaymentRun
    payments: list[Payment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _prior_payment(claim: Claim) -> PaymentClaim | None:
    """The payment row of the claim's previous adjudication, when not yet reversed."""
    prior = (
        PaymentClaim.objects.filter(claim=claim, kind=PaymentClaimKind.PAYMENT)
        .exclude(adjudicated_at=claim.adjudicated_at)
        .order_by("-id")
        .first()
    )
    if prior is None:
        return None
    reversed_already = PaymentClaim.objects.filter(
        kind=PaymentClaimKind.REVERSAL, reverses=prior
    ).exists()
    return None if reversed_already else prior


def _balances(row: PaymentClaim) -> str:
    probe = Remittance(
        payer_name="x", payer_tax_id="000000000", payer_address=Address("x", "x"),
        payer_technical_phone="0", payee_name="x", payee_npi="x", payee_tax_id="x",
        payment_method="NON", trace_number="x", payment_date=dt.date.today(),
        claims=[x12_claim_payment(row)],
    )  # fmt: skip
    try:
        check_balance(probe)
    except X12WriteError as exc:
        return str(exc)
    return ""


def _make_payment(
    *,
    run: PaymentRun,
    org_id: int,
    tin: str,
    plan: HealthPlan,
    claims: list[Claim],
    result: RunResult,
) -> Payment | None:
    # A second "Run payments" (a double click) may have paid these since they were read: lock
    # them, then keep those a fresh look still finds awaiting payment. The lock makes the two
    # runs take turns per payment; the one that comes second finds them paid.
    ids = [c.pk for c in claims]
    list(Claim.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    awaiting = set(claims_awaiting_payment().filter(pk__in=ids).values_list("pk", flat=True))
    claims = [c for c in claims if c.pk in awaiting]
    rows: list[PaymentClaim] = []
    for claim in claims:
        row = _payment_claim(claim)
        problem = _balances(row)
        if problem:
            result.skipped.append(f"Claim {claim.number} not paid: {problem}")
            continue
        prior = _prior_payment(claim)
        if prior is not None:
            rows.append(_reversal_of(prior))
        rows.append(row)
    if not rows:
        return None
    claims_paid = sum((r.paid for r in rows), ZERO)
    plbs = list(
        ProviderAdjustment.objects.select_for_update()
        .filter(
            organization_id=org_id,
            tin=tin,
            health_plan=plan,
            status=ProviderAdjustmentStatus.QUEUED,
        )
        .order_by("id")
    )
    plb_total = sum((p.amount for p in plbs), ZERO)
    if claims_paid - plb_total < 0:
        result.skipped.append(
            f"TIN {tin_display(tin)}: provider-level adjustments of ${plb_total:,.2f} exceed "
            f"this payment (${claims_paid:,.2f}); carried to a later payment."
        )
        plbs, plb_total = [], ZERO
    if claims_paid < 0:
        result.skipped.append(
            f"TIN {tin_display(tin)}: reversals exceed payments ({claims_paid}); carried to "
            "the next run."
        )
        return None
    amount = claims_paid - plb_total
    enrollment = PayeeEnrollment.objects.filter(
        organization_id=org_id, tin=tin, is_active=True
    ).first()
    if amount == 0:
        method = PaymentMethod.NONE
    else:
        method = PaymentMethod.EFT if enrollment else PaymentMethod.CHECK
    if method == PaymentMethod.CHECK:
        trace = f"{counter_next(name='check', start=100000):08d}"
    else:
        trace = f"{counter_next(name='eft', start=0):015d}"
    first = claims[0]
    payment = Payment.objects.create(
        number=f"P{run.payment_date:%Y}{counter_next(name=f'payment-{run.payment_date:%Y}'):07d}",
        run=run,
        organization_id=org_id,
        payee_tin=tin,
        payee_name=(first.billing_name or first.organization.name)[:200],
        payee_npi=first.billing_npi,
        health_plan=plan,
        payer_name=plan.name,
        method=method,
        trace_number=trace,
        payment_date=run.payment_date,
        amount=amount,
        claim_count=len({r.claim_id for r in rows}),
        billed_total=sum((r.billed for r in rows), ZERO),
        allowed_total=sum((r.allowed for r in rows), ZERO),
        claims_paid_total=claims_paid,
        patient_responsibility_total=sum((r.patient_responsibility for r in rows), ZERO),
        provider_adjustment_total=plb_total,
        interchange_control_number=counter_next(name="isa835") % 999_999_999 or 1,
    )
    for r in rows:
        r.payment = payment
    # Reversals point at rows that already exist; new payment rows are created in one go.
    PaymentClaim.objects.bulk_create(rows)
    for p in plbs:
        check_provider_adjustment_transition(
            p.status, ProviderAdjustmentStatus.APPLIED, Actor.SYSTEM
        )
        p.payment = payment
        p.status = ProviderAdjustmentStatus.APPLIED
        p.save(update_fields=["payment", "status", "updated_at"])
    text = build_835(
        [
            remittance_for(
                payment, rows, plbs, payee_account=enrollment if method == "ACH" else None
            )
        ],
        _envelope(payment, payment.interchange_control_number),
    )
    data = text.encode("ascii", "replace")
    key = default_storage.save(
        f"remittance/835/{run.payment_date:%Y/%m}/{payment.number}.835", ContentFile(data)
    )
    payment.file_key = key
    payment.file_name = f"{payment.number}.835"
    payment.file_size = len(data)
    payment.sha256 = hashlib.sha256(data).hexdigest()
    payment.save(update_fields=["file_key", "file_name", "file_size", "sha256", "updated_at"])
    return payment


def payment_run_execute(
    *,
    user: Any = None,
    payment_date: dt.date | None = None,
    max_claims: int | None = None,
) -> RunResult:
    """Pay every claim awaiting payment: one payment (check or EFT) and one 835 per payer and
    payee TIN. Each payment is written in its own transaction; a claim that does not balance
    is left out (and named in the run's notes) instead of failing the run.

    Raises ``NothingToPay`` (nothing saved, no run number used) when no claim awaits payment:
    an empty run would be a record of nothing."""
    payment_date = payment_date or timezone.localdate()
    qs = claims_awaiting_payment().select_related("organization", "health_plan")
    qs = qs.prefetch_related(
        Prefetch("lines", queryset=ClaimLine.objects.prefetch_related("adjustments"))
    )
    ids = list(
        qs.values_list("pk", flat=True)[:max_claims]
        if max_claims
        else qs.values_list("pk", flat=True)
    )
    if not ids:
        raise NothingToPay()
    year_seq = counter_next(name=f"run-{payment_date:%Y}")
    run = PaymentRun.objects.create(
        number=f"R{payment_date:%Y}{year_seq:05d}",
        payment_date=payment_date,
        started_by=user if getattr(user, "is_authenticated", False) else None,
    )
    result = RunResult(run=run)
    groups: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for org_id, tin, plan_id, pk in Claim.objects.filter(pk__in=ids).values_list(
        "organization_id", "billing_tin", "health_plan_id", "pk"
    ):
        groups[(org_id, tin, plan_id)].append(pk)
    plans = {p.pk: p for p in HealthPlan.objects.filter(pk__in={k[2] for k in groups})}
    for (org_id, tin, plan_id), pks in sorted(groups.items()):
        for start in range(0, len(pks), 20_000):
            chunk = list(qs.filter(pk__in=pks[start : start + 20_000]))
            try:
                with transaction.atomic():
                    payment = _make_payment(
                        run=run, org_id=org_id, tin=tin, plan=plans[plan_id], claims=chunk,
                        result=result,
                    )  # fmt: skip
            except X12WriteError as exc:
                result.skipped.append(f"TIN {tin}: the 835 could not be written: {exc}")
                continue
            if payment is not None:
                result.payments.append(payment)
    if not result.payments and not result.skipped:
        # Everything was paid by a run that finished first (a double click): no empty run.
        run.delete()
        raise NothingToPay()
    run.payment_count = len(result.payments)
    run.claim_count = sum(p.claim_count for p in result.payments)
    run.total_amount = sum((p.amount for p in result.payments), ZERO)
    run.notes = "\n".join(result.skipped)[:5000]
    run.save(update_fields=["payment_count", "claim_count", "total_amount", "notes", "updated_at"])
    audit_record(
        action="portico.payment_run.executed",
        actor=user,
        obj=run,
        changes={
            "payments": run.payment_count,
            "claims": run.claim_count,
            "total": str(run.total_amount),
            "skipped": len(result.skipped),
        },
    )
    return result


# ---------------------------------------------------------------------------
# Provider-level adjustments
# ---------------------------------------------------------------------------
@transaction.atomic
@idempotent("remittance.provider_adjustment")
def provider_adjustment_create(
    *,
    user: Any,
    organization_id: int,
    tin: str,
    health_plan: HealthPlan,
    reason_code: str,
    amount: Decimal,
    reference: str = "",
    note: str = "",
    idempotency_key: str = "",
) -> ProviderAdjustment:
    """Queue a provider-level adjustment for the payee's next payment. The same form sent
    twice (``idempotency_key``) queues it once."""
    if amount == 0:
        raise RemittanceError("The amount can't be zero.", field="amount")
    item = ProviderAdjustment.objects.create(
        organization_id=organization_id,
        tin=tin,
        health_plan=health_plan,
        reason_code=reason_code,
        amount=amount,
        reference=reference,
        note=note,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(
        action="portico.provider_adjustment.created",
        actor=user,
        obj=item,
        organization_id=organization_id,
        changes={"tin": tin, "reason": reason_code, "amount": str(amount)},
    )
    return item


def provider_adjustment_cancel(
    *, user: Any, adjustment: ProviderAdjustment, reason: str = ""
) -> ProviderAdjustment:
    """Cancel a queued provider-level adjustment (examiner). Refused once a payment run has
    applied it (it is in that payment's 835) or when it is already cancelled."""
    with transaction.atomic():
        item = ProviderAdjustment.objects.select_for_update().get(pk=adjustment.pk)
        if item.status == ProviderAdjustmentStatus.CANCELLED:
            raise RemittanceError("This provider-level adjustment is already cancelled.")
        try:
            check_provider_adjustment_transition(
                item.status, ProviderAdjustmentStatus.CANCELLED, Actor.EXAMINER
            )
        except TransitionNotAllowed as exc:
            raise RemittanceError(
                "This provider-level adjustment was already applied in a payment and can't be "
                "cancelled; record an opposite adjustment instead."
                if item.status == ProviderAdjustmentStatus.APPLIED
                else exc.message
            ) from exc
        item.status = ProviderAdjustmentStatus.CANCELLED
        item.cancelled_at = timezone.now()
        item.cancelled_by = user if getattr(user, "is_authenticated", False) else None
        item.cancel_reason = reason.strip()[:200]
        item.save(
            update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"]
        )
        audit_record(
            action="portico.provider_adjustment.cancelled",
            actor=user,
            obj=item,
            organization_id=item.organization_id,
            changes={
                "tin": item.tin,
                "reason": item.reason_code,
                "amount": str(item.amount),
                "cancel_reason": item.cancel_reason,
            },
        )
    return item


# ---------------------------------------------------------------------------
# Audit of views and downloads
# ---------------------------------------------------------------------------
def payment_run_view_record(*, run: PaymentRun, user: Any) -> None:
    """The back office opened a run's payments (payees, amounts, the claims each settles)."""
    audit_record(
        action="portico.payment_run.viewed",
        actor=user,
        obj=run,
        changes={"payments": run.payment_count, "claims": run.claim_count},
    )


def payment_access_record(*, payment: Payment, user: Any, action: str) -> None:
    """``action``: viewed, eob_downloaded, 835_downloaded, reconciliation_viewed,
    reconciliation_exported; the back office's ``*_by_staff`` variants (viewed_by_staff,
    eob_downloaded_by_staff, 835_downloaded_by_staff)."""
    audit_record(
        action=f"portico.payment.{action}",
        actor=user,
        obj=payment,
        organization_id=payment.organization_id,
        changes={"tin": payment.payee_tin, "trace": payment.trace_number},
    )


def payment_835_text(*, payment: Payment) -> bytes:
    if not payment.file_key:
        raise RemittanceError("This payment has no 835 file.")
    with default_storage.open(payment.file_key, "rb") as handle:
        return bytes(handle.read())
