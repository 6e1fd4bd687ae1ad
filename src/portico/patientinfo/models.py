"""Tables of the Physician Info Portal: PCP attribution with capitation, encounters with their
diagnoses, and pharmacy claims (filled prescriptions).

Who may see a member is decided from these (see ``selectors.visible_members``): the member's
region must be one of the user's PIP grant's regions, and the member must be attributed to one
of the practice's PCPs (``PcpAssignment``), treated by one of its providers (``Encounter``) or
referred to one of them (an approved referral).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from portico.core.models import TimeStampedModel
from portico.members.models import HealthPlan, Member
from portico.organizations.models import Organization, Provider


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


class PcpAssignment(TimeStampedModel):
    """A member attributed to a practice's PCP for whole months, with the capitation rate.

    ``start_month`` and ``end_month`` are first days of months; ``end_month`` is the last month
    included (None: open). The plan pays ``monthly_capitation`` for every month included.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pcp_assignments")
    plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="pcp_assignments")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pcp_assignments"
    )
    region = models.CharField(max_length=50, db_index=True)
    start_month = models.DateField()
    end_month = models.DateField(null=True, blank=True)
    monthly_capitation = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["-start_month"]
        indexes = [
            models.Index(fields=["member", "organization"]),
            models.Index(fields=["organization", "region", "start_month"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=models.F("start_month")),
                name="pcp_assignment_months_in_order",
            ),
            models.CheckConstraint(
                condition=Q(monthly_capitation__gte=0), name="pcp_assignment_capitation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.provider_id} from {self.start_month:%Y-%m}"

    def covers(self, month: dt.date) -> bool:
        month = first_of_month(month)
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)


class Encounter(TimeStampedModel):
    """A visit reported by a provider (an encounter record or a claim's service), with its
    diagnoses."""

    class Source(models.TextChoices):
        ENCOUNTER = "encounter", "Encounter record"
        CLAIM = "claim", "Claim"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="encounters")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="encounters")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="encounters"
    )
    service_date = models.DateField()
    place_of_service = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENCOUNTER)
    reference = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-service_date", "-id"]
        indexes = [
            models.Index(fields=["member", "-service_date"]),
            models.Index(fields=["provider", "member"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.service_date} ({self.provider_id})"


class EncounterDiagnosis(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=7, help_text="ICD-10-CM without the dot.")
    service_date = models.DateField()
    sequence = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["member", "code"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.service_date})"


class PharmacyClaim(TimeStampedModel):
    """A filled prescription, as the pharmacy benefit manager reported it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pharmacy_claims")
    claim_number = models.CharField(max_length=30, unique=True)
    fill_date = models.DateField()
    drug_name = models.CharField(max_length=200)
    ndc = models.CharField("NDC", max_length=11, help_text="11 digits, 5-4-2 without hyphens.")
    strength = models.CharField(max_length=60, blank=True)
    dosage_form = models.CharField(max_length=60, blank=True)
    quantity = models.DecimalField(max_digits=9, decimal_places=3)
    days_supply = models.PositiveSmallIntegerField()
    refill_number = models.PositiveSmallIntegerField(default=0)
    prescriber_npi = models.CharField(max_length=10, blank=True)
    prescriber_name = models.CharField(max_length=200, blank=True)
    pharmacy_name = models.CharField(max_length=200)
    pharmacy_npi = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-fill_date", "-id"]
        indexes = [models.Index(fields=["member", "-fill_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(ndc__regex=r"^[0-9]{11}$"), name="rx_ndc_11_digits")
        ]

    def __str__(self) -> str:
        return f"{self.drug_name} {self.fill_date}"

    @property
    def ndc_display(self) -> str:
        n = self.ndc
        return f"{n[:5]}-{n[5:9]}-{n[9:]}" if len(n) == 11 else n
