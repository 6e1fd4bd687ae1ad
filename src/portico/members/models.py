"""Health plans, their members and coverage, and each plan's provider file."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from portico.core.models import TimeStampedModel
from portico.members.validators import validate_member_id
from portico.organizations.models import Provider


class HealthPlan(TimeStampedModel):
    """A payer. Names, numbers and addresses are configuration (demo data is fictitious)."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=50, blank=True)
    payer_id = models.CharField("payer ID", max_length=20, unique=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    correspondence_address = models.TextField(
        blank=True, help_text="Return address printed on letters (e.g. a P.O. Box)."
    )
    provider_services_phone = models.CharField(max_length=20, blank=True)
    provider_services_hours = models.CharField(max_length=100, blank=True)
    portal_help_phone = models.CharField(max_length=20, blank=True)
    portal_help_hours = models.CharField(max_length=100, blank=True)
    fax = models.CharField(max_length=20, blank=True)
    provider_file_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanProgram(TimeStampedModel):
    """A plan's program run through Portico, with its cut-over from a legacy portal."""

    plan = models.ForeignKey(HealthPlan, on_delete=models.CASCADE, related_name="programs")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=120)
    cutover_date = models.DateField(null=True, blank=True)
    legacy_portal_name = models.CharField(max_length=120, blank=True)
    fax = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="plan_program_unique")]

    def __str__(self) -> str:
        return f"{self.plan.short_name or self.plan.name} — {self.name}"

    def is_cut_over(self, on: dt.date) -> bool:
        return self.cutover_date is not None and on >= self.cutover_date


class Member(TimeStampedModel):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        UNKNOWN = "U", "Unknown"

    class Relationship(models.TextChoices):
        SELF = "18", "Self (subscriber)"
        SPOUSE = "01", "Spouse"
        CHILD = "19", "Child"
        OTHER = "G8", "Other"

    plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="members")
    member_id = models.CharField("member ID", max_length=24, validators=[validate_member_id])
    subscriber = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependents"
    )
    relationship = models.CharField(
        max_length=2, choices=Relationship.choices, default=Relationship.SELF
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    pcp = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="pcp_members"
    )
    region = models.CharField(max_length=50, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "member_id"], name="member_plan_id_unique")
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "date_of_birth"]),
            models.Index(fields=["member_id"]),
            # Physician Info look-up by last name (any case) and date of birth.
            models.Index(Upper("last_name"), "date_of_birth", name="member_upper_last_dob"),
        ]
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.member_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Coverage(TimeStampedModel):
    """An eligibility span: the member is covered by the plan's product between the dates."""

    class Product(models.TextChoices):
        HMO = "HM", "HMO"
        PPO = "PR", "PPO"
        EPO = "EP", "EPO"
        MEDICAID = "MC", "Medicaid managed care"
        MEDICARE_ADVANTAGE = "16", "Medicare Advantage"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="coverages")
    plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="coverages")
    product = models.CharField(max_length=2, choices=Product.choices, default=Product.HMO)
    group_number = models.CharField(max_length=30, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="coverage_dates_in_order",
            )
        ]
        ordering = ["-start_date"]

    def __str__(self) -> str:
        span = f"{self.start_date}–{self.end_date or ''}"
        return f"{self.member.member_id} {self.get_product_display()} {span}"

    def covers(self, on: dt.date) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)


class PlanProvider(TimeStampedModel):
    """One row of a plan's provider file: the plan's Provider ID for an NPI, and network status.

    ``access_secret`` is the hashed "provider password" a plan issues so an office can prove
    it bills for the provider when connecting it (the FAQ's "Provider ID and Password").
    """

    class Network(models.TextChoices):
        IN = "in", "In network"
        OUT = "out", "Out of network"

    plan = models.ForeignKey(HealthPlan, on_delete=models.CASCADE, related_name="provider_file")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="plan_ids")
    plan_provider_id = models.CharField("Provider ID", max_length=30, db_index=True)
    network = models.CharField(max_length=3, choices=Network.choices, default=Network.IN)
    access_secret = models.CharField(max_length=200, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    termination_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "plan_provider_id"], name="plan_provider_id_unique"
            ),
            models.UniqueConstraint(fields=["plan", "provider"], name="plan_provider_unique"),
        ]

    def __str__(self) -> str:
        plan = self.plan.short_name or self.plan.name
        return f"{plan} {self.plan_provider_id} → {self.provider.npi}"
