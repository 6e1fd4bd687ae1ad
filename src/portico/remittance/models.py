"""Tables of payments and remittance: payment runs, payments (one per payer × payee TIN per
run, each with its 835 file), the claims each payment settles (a snapshot of the adjudication
it paid, so an EOB never changes after the fact), provider-level adjustments (835 PLB), EFT
enrolments of payees and the payer's remittance profile."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from portico.claims.models import Claim
from portico.core.models import TimeStampedModel
from portico.members.models import HealthPlan
from portico.organizations.models import Organization

ZERO = Decimal("0.00")


def _money(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class PaymentMethod(models.TextChoices):
    CHECK = "CHK", "Check"
    EFT = "ACH", "EFT (ACH)"
    NONE = "NON", "No payment (remittance only)"


class Counter(models.Model):
    """Sequences for payment numbers, check numbers, EFT traces and X12 control numbers."""

    name = models.CharField(max_length=30, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"


class PayerProfile(TimeStampedModel):
    """What the 835 says about the payer (a health plan): its EIN and its bank for EFT."""

    health_plan = models.OneToOneField(
        HealthPlan, on_delete=models.CASCADE, related_name="remittance_profile"
    )
    tax_id = models.CharField("payer EIN", max_length=9)
    routing_number = models.CharField("bank routing number (ABA)", max_length=9)
    account_number = models.CharField("bank account number", max_length=17)
    edi_contact = models.CharField(max_length=60, default="EDI Support")
    edi_phone = models.CharField(max_length=10, default="8005550100")
    website = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_id__regex=r"^[0-9]{9}$"), name="payer_profile_ein_9_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.health_plan} ({self.tax_id})"


class PayeeEnrollment(TimeStampedModel):
    """An EFT enrolment of one payee TIN: its payments are sent by ACH instead of check."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="eft_enrollments"
    )
    tin = models.CharField("Tax ID", max_length=9)
    routing_number = models.CharField("bank routing number (ABA)", max_length=9)
    account_number = models.CharField("bank account number", max_length=17)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "tin"], name="eft_org_tin_unique")
        ]

    def __str__(self) -> str:
        return f"EFT {self.tin} ****{self.account_number[-4:]}"


class PaymentRun(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    payment_date = models.DateField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_count = models.PositiveIntegerField(default=0)
    claim_count = models.PositiveIntegerField(default=0)
    total_amount = _money(default=ZERO)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Payment(TimeStampedModel):
    """One payment (check or EFT) from a payer to a payee TIN, with its 835."""

    number = models.CharField("payment number", max_length=20, unique=True)
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="payments")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="payments"
    )
    payee_tin = models.CharField("payee Tax ID", max_length=9)
    payee_name = models.CharField(max_length=200)
    payee_npi = models.CharField(max_length=10)
    health_plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="payments")
    payer_name = models.CharField(max_length=200)
    method = models.CharField(max_length=3, choices=PaymentMethod.choices)
    trace_number = models.CharField("check or EFT trace number", max_length=30, db_index=True)
    payment_date = models.DateField()
    amount = _money()
    claim_count = models.PositiveIntegerField(default=0)
    billed_total = _money(default=ZERO)
    allowed_total = _money(default=ZERO)
    claims_paid_total = _money(default=ZERO)
    patient_responsibility_total = _money(default=ZERO)
    provider_adjustment_total = _money(default=ZERO)
    file_key = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=80, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    interchange_control_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-payment_date", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "payee_tin", "-payment_date", "-id"], name="payment_org_tin"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_method_display()} {self.trace_number}"


class PaymentClaimKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REVERSAL = "reversal", "Reversal of an earlier payment"


class PaymentClaim(models.Model):
    """A claim settled by a payment: the adjudication it paid, frozen (lines in ``detail``).

    A re-adjudicated (Adjusted) claim appears twice in its next payment: a reversal of what
    was paid before (CLP02 22, negative amounts) and the corrected payment.
    """

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="claims")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payment_claims")
    kind = models.CharField(
        max_length=8, choices=PaymentClaimKind.choices, default=PaymentClaimKind.PAYMENT
    )
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_code = models.CharField("CLP02 claim status", max_length=2)
    claim_status = models.CharField(max_length=20)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    claim_number = models.CharField(max_length=20)
    patient_account_number = models.CharField(max_length=38)
    patient_name = models.CharField(max_length=200)
    member_number = models.CharField(max_length=30)
    service_date = models.DateField(null=True, blank=True)
    billed = _money()
    allowed = _money()
    paid = _money()
    patient_responsibility = _money()
    adjustments_total = _money(default=ZERO)
    submitted_in_portal = models.BooleanField(default=True)
    detail = models.JSONField(default=dict, help_text="Lines and adjustments as paid.")

    class Meta:
        ordering = ["payment", "id"]
        indexes = [models.Index(fields=["claim", "kind", "adjudicated_at"], name="paycl_claim")]

    def __str__(self) -> str:
        return f"{self.claim_number} {self.kind} {self.paid}"


class ProviderAdjustmentReason(models.TextChoices):
    WO = "WO", "Overpayment recovery"
    L6 = "L6", "Interest owed"
    FB = "FB", "Forwarding balance"
    _72 = "72", "Authorized return"
    CS = "CS", "Adjustment"


class ProviderAdjustmentStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the next run"
    APPLIED = "applied", "Applied in a payment"
    CANCELLED = "cancelled", "Cancelled"


class ProviderAdjustment(TimeStampedModel):
    """A provider-level adjustment (835 PLB) waiting for, or applied in, a payment.

    Positive amounts reduce the payment (recoveries); negative amounts increase it (interest).
    Lifecycle in ``transitions.py``: queued → applied (a payment run) or cancelled (an
    examiner, while still queued). An applied adjustment is in an 835 and stays.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="provider_adjustments"
    )
    tin = models.CharField("payee Tax ID", max_length=9)
    health_plan = models.ForeignKey(
        HealthPlan, on_delete=models.PROTECT, related_name="provider_adjustments"
    )
    reason_code = models.CharField(max_length=2, choices=ProviderAdjustmentReason.choices)
    amount = _money()
    reference = models.CharField(max_length=50, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_adjustments",
    )
    status = models.CharField(
        max_length=10,
        choices=ProviderAdjustmentStatus.choices,
        default=ProviderAdjustmentStatus.QUEUED,
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Applied exactly when it sits in a payment.
            models.CheckConstraint(
                condition=(Q(status="applied") & Q(payment__isnull=False))
                | (~Q(status="applied") & Q(payment__isnull=True)),
                name="plb_applied_iff_payment",
            )
        ]

    def __str__(self) -> str:
        return f"PLB {self.reason_code} {self.amount}"
