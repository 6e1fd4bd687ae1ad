"""Support cases of direct customers (the SPARCS portal): customer users, cases, timeline.

A direct customer is an ``Organization`` of kind DIRECT_CUSTOMER whose PFI is its Tax ID
(``OrganizationTIN``). Its people have customer User IDs (``ZCS`` + 5 digits); each may be
linked to one Portico ID, which the customer log-in checks every time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portico.core.models import TimeStampedModel
from portico.organizations.models import Organization
from portico.support import conf
from portico.support.validators import validate_user_id


class CustomerUser(TimeStampedModel):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="customer_users",
        limit_choices_to={"kind": Organization.Kind.DIRECT_CUSTOMER},
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    user_id = models.CharField("User ID", max_length=8, unique=True, validators=[validate_user_id])
    portico_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_customer",
        help_text="The Portico ID linked at the first customer log-in.",
    )
    linked_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user_id__regex=r"^ZCS[0-9]{5}$"), name="support_customer_user_id_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.user_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    WORKING = "working", "Working"
    WAITING = "waiting", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.WORKING, CaseStatus.WAITING)


class CaseNumberSequence(models.Model):
    """The last case number used in a year (a row locked while the next one is taken)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="support_cases"
    )
    customer = models.ForeignKey(CustomerUser, on_delete=models.PROTECT, related_name="cases")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_type = models.CharField(max_length=30, default=conf.CLAIM_CASE_TYPE, db_index=True)
    status = models.CharField(
        max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=255)
    description = models.TextField()
    # Claim fields (case type "claim" only; the constraint below requires them there).
    payer_id = models.CharField("Payer ID", max_length=15, blank=True)
    patient_name = models.CharField(max_length=120, blank=True)
    member_id = models.CharField("Member ID", max_length=30, blank=True)
    service_date = models.DateField("date of service", null=True, blank=True)
    statement_from = models.DateField(null=True, blank=True)
    statement_to = models.DateField(null=True, blank=True)
    billed_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    date_submitted = models.DateField(null=True, blank=True)
    patient_account_number = models.CharField(max_length=38, blank=True)
    # Working the case.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_support_cases",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(case_type="claim")
                | (
                    ~Q(payer_id="")
                    & ~Q(patient_name="")
                    & ~Q(member_id="")
                    & Q(billed_amount__gt=0)
                    & Q(date_submitted__isnull=False)
                    & (
                        Q(service_date__isnull=False)
                        | Q(statement_from__isnull=False, statement_to__isnull=False)
                    )
                ),
                name="support_claim_case_has_claim_fields",
            ),
            models.CheckConstraint(
                condition=~Q(subject="") & ~Q(description=""),
                name="support_case_has_subject_and_description",
            ),
            models.CheckConstraint(
                condition=Q(statement_from__isnull=True)
                | Q(statement_to__isnull=True)
                | Q(statement_from__lte=models.F("statement_to")),
                name="support_case_statement_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-last_activity_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def case_type_name(self) -> str:
        return conf.case_type_name(self.case_type)

    @property
    def is_claim(self) -> bool:
        return self.case_type == conf.CLAIM_CASE_TYPE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Actor(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Customer Support"
    SYSTEM = "system", "System"


class CaseComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_kind = models.CharField(max_length=10, choices=Actor.choices)
    author_name = models.CharField(max_length=150)
    body = models.TextField()
    is_internal = models.BooleanField(
        default=False, help_text="An agents' note: never shown to the customer."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_internal=False) | Q(author_kind="agent"),
                name="support_internal_notes_are_agents",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} comment {self.pk}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_kind = models.CharField(max_length=10, choices=Actor.choices)
    author_name = models.CharField(max_length=150)
    storage_key = models.CharField(max_length=255, unique=True)
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.file_name


class CaseEvent(models.Model):
    """Status changes, assignments and merges: the rest of the case's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", "Case opened"
        STATUS = "status", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        MERGED = "merged", "Merged"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    from_status = models.CharField(max_length=10, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=CaseStatus.choices, blank=True)
    related_case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"
