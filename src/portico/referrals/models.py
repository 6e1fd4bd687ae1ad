"""Referrals: a PCP's request that a member see a specialist or facility for some visits.

A referral is numbered (``RF`` + two-digit year + seven digits, e.g. ``RF260000042``); claims
carry that number (837 ``REF*9F``) and claim adjudication checks it with
``services.referral_check_for_claim`` and counts visits with ``services.referral_record_use``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from portico.codes.models import icd10_display
from portico.core.models import TimeStampedModel
from portico.members.models import HealthPlan, Member
from portico.organizations.models import Organization, Provider


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    PENDING_REVIEW = "pending_review", "Pending review"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    EXPIRED = "expired", "Expired"
    USED = "used", "Used"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ReferralStatus.SUBMITTED, ReferralStatus.PENDING_REVIEW)
FINAL_STATUSES = (
    ReferralStatus.DENIED,
    ReferralStatus.EXPIRED,
    ReferralStatus.USED,
    ReferralStatus.CANCELLED,
)


class Actor(models.TextChoices):
    PROVIDER = "provider", "Provider office"
    REVIEWER = "reviewer", "Plan reviewer"
    SYSTEM = "system", "Automatic"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENT = "emergent", "Emergent"


class ReferredToKind(models.TextChoices):
    SPECIALIST = "specialist", "Specialist"
    FACILITY = "facility", "Facility"


class Source(models.TextChoices):
    PORTAL = "portal", "Referrals Portal"
    API = "api", "REST API"
    X12 = "x12", "X12 278"
    DEMO = "demo", "Demo data"


class ReferralNumberSequence(models.Model):
    """The last referral number used in a year (the row is locked while the next is taken)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Referral(TimeStampedModel):
    number = models.CharField("referral number", max_length=20, unique=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referrals")
    plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="referrals")
    referring_provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="referrals_made"
    )
    referred_to_npi = models.CharField("referred-to NPI", max_length=10, db_index=True)
    referred_to_provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_received",
    )
    referred_to_name = models.CharField(max_length=200, blank=True)
    referred_to_kind = models.CharField(
        max_length=10, choices=ReferredToKind.choices, default=ReferredToKind.SPECIALIST
    )
    reason = models.CharField(max_length=500)
    diagnosis_codes = models.JSONField(
        default=list, help_text="ICD-10-CM codes without the dot, first is primary."
    )
    visits_requested = models.PositiveSmallIntegerField()
    visits_approved = models.PositiveSmallIntegerField(default=0)
    visits_used = models.PositiveSmallIntegerField(default=0)
    start_date = models.DateField()
    end_date = models.DateField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.SUBMITTED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    auto_approved = models.BooleanField(default=False)
    review_reasons = models.JSONField(
        default=list, blank=True, help_text="Why the plan rules sent it to staff review."
    )
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)
    trace_number = models.CharField(
        max_length=50, blank=True, help_text="The submitter's 278 trace (TRN02), echoed back."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-created_at"]),
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "end_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="referral_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(visits_requested__gte=1), name="referral_visits_requested_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.number}"

    @property
    def status_css(self) -> str:
        """The ``portico-status--…`` modifier (see the UI style guide)."""
        return {"pending_review": "in-review", "used": "completed"}.get(self.status, self.status)

    @property
    def shows_auto_approval(self) -> bool:
        """Whether the status reads "(approved automatically by the plan rules)": while the
        approval stands (Approved, then Used or Expired), not once the referral is Cancelled;
        the history keeps the automatic approval either way."""
        return self.auto_approved and self.status in (
            ReferralStatus.APPROVED,
            ReferralStatus.USED,
            ReferralStatus.EXPIRED,
        )

    @property
    def visits_remaining(self) -> int:
        return max(0, self.visits_approved - self.visits_used)

    def in_range(self, on: dt.date) -> bool:
        return self.start_date <= on <= self.end_date

    @property
    def diagnosis_display(self) -> list[str]:
        return [icd10_display(code) for code in self.diagnosis_codes]


class ReferralEvent(models.Model):
    """One line of a referral's history: a status change or a note, by whom and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral.number} {self.from_status}→{self.to_status}"


class ReferralAttachment(TimeStampedModel):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    storage_key = models.CharField(max_length=255)
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.file_name


class ReferralUse(models.Model):
    """Visits a claim counted against the referral (one row per claim, so re-runs are safe)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="uses")
    claim_reference = models.CharField(max_length=50)
    service_date = models.DateField()
    visits = models.PositiveSmallIntegerField(default=1)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["service_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "claim_reference"], name="referral_use_once_per_claim"
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral.number} ← {self.claim_reference}"
