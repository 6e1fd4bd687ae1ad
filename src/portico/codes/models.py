"""Reference tables for the code sets that claims, referrals and remittance advice carry.

These tables are reference data: ``portico load_codes`` fills and refreshes them from files under
``portico/codes/data/``; nothing in the portal writes to them otherwise. Rows are upserted and
never deleted by the loader, so that a claim from an earlier year keeps resolving its codes after
a new release retires them. Which rows are current is told by ``fiscal_year`` (ICD-10-CM) or
``stop_date`` (CARC/RARC), not by presence.

CPT descriptions are licensed by the AMA and are deliberately absent: procedure codes are checked
for format only (see ``validators.py``) and have no table.
"""

from __future__ import annotations

import datetime

from django.db import models


class AdjustmentGroup(models.TextChoices):
    """Claim adjustment group codes (X12 CAS01), which say who bears an adjustment.

    ``CR`` (correction and reversal) was retired in 5010 and is deliberately not offered.
    """

    CONTRACTUAL_OBLIGATION = "CO", "Contractual obligation"
    PATIENT_RESPONSIBILITY = "PR", "Patient responsibility"
    OTHER_ADJUSTMENT = "OA", "Other adjustment"
    PAYER_INITIATED_REDUCTION = "PI", "Payer initiated reduction"


class ProcedureCodeKind(models.TextChoices):
    """The families of procedure codes a professional or outpatient claim line may carry."""

    CPT_CATEGORY_I = "cpt1", "CPT Category I"
    CPT_CATEGORY_II = "cpt2", "CPT Category II"
    CPT_CATEGORY_III = "cpt3", "CPT Category III"
    HCPCS_LEVEL_II = "hcpcs2", "HCPCS Level II"


class Icd10CodeQuerySet(models.QuerySet["Icd10Code"]):
    """Adds the notion of the current release to ICD-10-CM queries."""

    def current(self) -> Icd10CodeQuerySet:
        """Codes in the newest loaded release; older rows are kept only for history."""
        newest = Icd10Code.objects.order_by("-fiscal_year").values("fiscal_year")[:1]
        return self.filter(fiscal_year=models.Subquery(newest))

    def billable(self) -> Icd10CodeQuerySet:
        """Codes valid on a claim (the leaves of the classification)."""
        return self.filter(billable=True)


class Icd10Code(models.Model):
    """One ICD-10-CM category, subcategory or billable code.

    ``code`` is stored without the dot and upper-case (``M5450``) because that is how X12
    carries it and how users often type it; ``display_code`` puts the dot back for people.
    Category and subcategory headers are kept, flagged non-billable, so that a user who types
    ``M54`` gets "choose a more specific code" instead of "no such code".
    """

    code = models.CharField(max_length=7, primary_key=True)
    description = models.CharField(max_length=255)
    billable = models.BooleanField(
        help_text="True for codes valid on a claim; False for category/subcategory headers."
    )
    fiscal_year = models.PositiveSmallIntegerField(
        db_index=True,
        help_text="Federal fiscal year of the newest ICD-10-CM release that contains the code.",
    )

    objects = Icd10CodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "ICD-10-CM code"
        verbose_name_plural = "ICD-10-CM codes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z][0-9A-Z]{2,6}$"),
                name="codes_icd10_code_normalised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} {self.description}"

    @property
    def display_code(self) -> str:
        """The code as printed in the tabular list: a dot after the third character."""
        return icd10_display(self.code)

    @property
    def is_category(self) -> bool:
        """A three-character category (``M54``), as opposed to a subcategory or leaf."""
        return len(self.code) == 3


def icd10_display(code: str) -> str:
    """Insert the dot after the category (``M5450`` -> ``M54.50``); short codes stay as they are."""
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


class PlaceOfService(models.Model):
    """A CMS place-of-service code (two digits), reported on professional claim lines."""

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = "place of service"
        verbose_name_plural = "places of service"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}$"),
                name="codes_pos_two_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class _DatedCode(models.Model):
    """Shared shape of X12-maintained code lists that carry start and stop dates.

    ``start_date`` is empty where the shipped list does not record it; a code with no stop
    date is in force. A stop date means the code may still appear on remittances for services
    before it, which is why retired codes stay in the table.
    """

    description = models.TextField()
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def is_active_on(self, day: datetime.date) -> bool:
        """Whether the code may be used on a remittance dated ``day``."""
        if self.start_date is not None and day < self.start_date:
            return False
        return self.stop_date is None or day <= self.stop_date


class AdjustmentReason(_DatedCode):
    """A claim adjustment reason code (CARC, X12 CAS02): why a line was paid differently."""

    code = models.CharField(max_length=3, primary_key=True)

    class Meta(_DatedCode.Meta):
        verbose_name = "claim adjustment reason code"
        verbose_name_plural = "claim adjustment reason codes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([0-9]{1,3}|[A-Z][0-9]{1,2})$"),
                name="codes_carc_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class RemarkCode(_DatedCode):
    """A remittance advice remark code (RARC, X12 LQ02/MIA/MOA): the detail behind a CARC."""

    code = models.CharField(max_length=6, primary_key=True)

    class Meta(_DatedCode.Meta):
        verbose_name = "remittance advice remark code"
        verbose_name_plural = "remittance advice remark codes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^(M|MA|N)[0-9]{1,4}$"),
                name="codes_rarc_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Taxonomy(models.Model):
    """A NUCC health care provider taxonomy code: what kind of provider an NPI is.

    Portico ships the subset its demo practices and facilities need; the format validator
    accepts any well-formed code so that real enrolments are not blocked by the subset.
    """

    code = models.CharField(max_length=10, primary_key=True)
    grouping = models.CharField(max_length=120)
    classification = models.CharField(max_length=120)
    specialization = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "provider taxonomy"
        verbose_name_plural = "provider taxonomies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9A-Z]{9}X$"),
                name="codes_taxonomy_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """Classification, then specialization when there is one, as NUCC prints them."""
        if self.specialization:
            return f"{self.classification}, {self.specialization}"
        return self.classification
