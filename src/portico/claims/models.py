"""Tables of the Claims Online Portal: claims, lines, adjudication, status history,
attachments, X12 submission files, appeals and fee schedules.

The payments/back-office engineer's ``remittance`` app points foreign keys at these tables;
``transitions.py`` holds the claim and appeal lifecycles and who may make each move.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from portico.core.models import TimeStampedModel
from portico.core.text import as_int
from portico.members.models import Coverage, HealthPlan, Member
from portico.organizations.models import Organization

ZERO = Decimal("0.00")


def _money(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------
class ClaimKind(models.TextChoices):
    PROFESSIONAL = "professional", "Professional (CMS-1500 / 837P)"
    INSTITUTIONAL = "institutional", "Institutional (UB-04 / 837I)"


class ClaimFrequency(models.TextChoices):
    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement (corrected claim)"
    VOID = "8", "Void / cancel of prior claim"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    IN_PROCESS = "in_process", "In process"
    PENDED = "pended", "Pended"
    FINALIZED_PAID = "finalized_paid", "Finalized – paid"
    FINALIZED_DENIED = "finalized_denied", "Finalized – denied"
    FINALIZED_PARTIAL = "finalized_partial", "Finalized – partially paid"
    ADJUSTED = "adjusted", "Adjusted"
    VOIDED = "voided", "Voided"


FINALIZED_STATUSES = (
    ClaimStatus.FINALIZED_PAID,
    ClaimStatus.FINALIZED_DENIED,
    ClaimStatus.FINALIZED_PARTIAL,
)


class ClaimSource(models.TextChoices):
    WEB = "web", "Web form"
    X12 = "x12", "X12 837 file"
    API = "api", "REST API"
    DEMO = "demo", "Demo data"


class LineStatus(models.TextChoices):
    PENDING = "pending", "Not yet adjudicated"
    PAID = "paid", "Paid"
    DENIED = "denied", "Denied"
    PARTIAL = "partial", "Partially paid"
    PENDED = "pended", "Pended"


class UnitType(models.TextChoices):
    UNITS = "UN", "Units"
    MINUTES = "MJ", "Minutes"
    DAYS = "DA", "Days"


class DiagnosisQualifier(models.TextChoices):
    PRINCIPAL = "principal", "Principal"
    ADMITTING = "admitting", "Admitting"
    REASON_FOR_VISIT = "reason", "Patient's reason for visit"
    OTHER = "other", "Other"


class AdjustmentGroup(models.TextChoices):
    CO = "CO", "Contractual obligation"
    PR = "PR", "Patient responsibility"
    OA = "OA", "Other adjustment"
    PI = "PI", "Payer-initiated reduction"
    CR = "CR", "Correction and reversal"


# ---------------------------------------------------------------------------
# Claim numbers
# ---------------------------------------------------------------------------
class ClaimNumberSequence(models.Model):
    """The last claim (or appeal) number used in a year; locked while the next is taken."""

    prefix = models.CharField(max_length=2)
    year = models.PositiveIntegerField()
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="claims_seq_prefix_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.year}: {self.last}"


# ---------------------------------------------------------------------------
# Submission files (837 uploads)
# ---------------------------------------------------------------------------
class SubmissionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    ACCEPTED = "accepted", "Accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors", "Accepted with errors"
    REJECTED = "rejected", "Rejected"
    DONE = "done", "Done"


class ClaimSubmissionFile(TimeStampedModel):
    """One uploaded 837 file and what the background processing made of it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="claim_files"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_key = models.CharField(max_length=255)
    filename = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(
        max_length=24, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED
    )
    kind = models.CharField(max_length=15, choices=ClaimKind.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transaction_count = models.PositiveIntegerField(default=0)
    claim_count = models.PositiveIntegerField(default=0)
    accepted_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    ack_999 = models.TextField("999", blank=True)
    # The 277CA lists every claim of the file, so it can be large: a file in storage, not a row.
    ack_277ca_key = models.CharField("277CA file", max_length=255, blank=True)
    error_summary = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------
class Claim(TimeStampedModel):
    # Not indexed: claims are searched and sorted by submitted_at, never by created_at.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Unique through Meta.constraints, not unique=True: on PostgreSQL a unique CharField also
    # gets a second, LIKE-pattern index, which no search uses (claim numbers are matched
    # exactly) and which every ingested claim paid for.
    number = models.CharField("claim number", max_length=20)
    # No index of its own: claim_org_tin_sub and claim_idempotency_per_org lead with it.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    billing_tin = models.CharField("billing Tax ID", max_length=9)
    kind = models.CharField(
        max_length=15, choices=ClaimKind.choices, default=ClaimKind.PROFESSIONAL
    )
    frequency = models.CharField(
        max_length=1, choices=ClaimFrequency.choices, default=ClaimFrequency.ORIGINAL
    )
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
        help_text="The claim a replacement (7) or void (8) refers to.",
    )
    original_claim_ref = models.CharField(
        max_length=50, blank=True, help_text="Original claim number as sent (REF*F8)."
    )
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Providers (NPIs and names as billed).
    billing_npi = models.CharField("billing provider NPI", max_length=10)
    billing_name = models.CharField("billing provider", max_length=200)
    billing_taxonomy = models.CharField(max_length=10, blank=True)
    billing_address = models.CharField(max_length=300, blank=True)
    rendering_npi = models.CharField("rendering provider NPI", max_length=10, blank=True)
    rendering_name = models.CharField("rendering provider", max_length=200, blank=True)
    referring_npi = models.CharField("referring provider NPI", max_length=10, blank=True)
    referring_name = models.CharField("referring provider", max_length=200, blank=True)
    attending_npi = models.CharField("attending provider NPI", max_length=10, blank=True)
    attending_name = models.CharField("attending provider", max_length=200, blank=True)
    facility_npi = models.CharField("service facility NPI", max_length=10, blank=True)
    facility_name = models.CharField("service facility", max_length=200, blank=True)
    # Member and coverage (snapshot as billed; FKs when matched).
    health_plan = models.ForeignKey(
        HealthPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    payer_id = models.CharField("payer ID", max_length=20, blank=True)
    member = models.ForeignKey(  # indexed by claim_member_dos, which leads with it
        Member,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        db_index=False,
    )
    coverage = models.ForeignKey(
        Coverage, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    member_number = models.CharField("member ID", max_length=30)
    patient_first_name = models.CharField(max_length=100, blank=True)
    patient_last_name = models.CharField(max_length=100)
    patient_dob = models.DateField("patient date of birth", null=True, blank=True)
    patient_sex = models.CharField(max_length=1, blank=True)
    relationship = models.CharField(max_length=2, default="18")
    patient_account_number = models.CharField(max_length=38)
    # Claim facts.
    place_of_service = models.CharField(max_length=2, blank=True)
    type_of_bill = models.CharField(max_length=4, blank=True)
    admission_date = models.DateField(null=True, blank=True)
    admission_type = models.CharField(max_length=1, blank=True)
    admission_source = models.CharField(max_length=1, blank=True)
    patient_status = models.CharField("patient discharge status", max_length=2, blank=True)
    discharge_date = models.DateField(null=True, blank=True)
    service_date_from = models.DateField("date of service from", null=True, blank=True)
    service_date_to = models.DateField("date of service to", null=True, blank=True)
    # Empty only on a draft saved before the charges were entered (claim_charged_unless_draft).
    total_charge = _money(null=True, blank=True, default=ZERO)
    prior_auth_number = models.CharField("prior authorization number", max_length=50, blank=True)
    referral_number = models.CharField(max_length=50, blank=True)
    medical_record_number = models.CharField(max_length=50, blank=True)
    note = models.CharField(max_length=80, blank=True)
    # Submission.
    source = models.CharField(max_length=5, choices=ClaimSource.choices, default=ClaimSource.WEB)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submission_file = models.ForeignKey(
        ClaimSubmissionFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    idempotency_key = models.CharField(
        max_length=150,
        null=True,
        blank=True,
        help_text="Web/API: a client key; X12: CLM01 + file hash + position. Unique per practice.",
    )
    x12_control = models.CharField(
        "X12 claim control", max_length=80, blank=True, help_text="ISA13/GS06/ST02 + CLM01."
    )
    # Adjudication summary (written by the back office / automatic adjudication).
    allowed_total = _money(null=True, blank=True)
    paid_total = _money(null=True, blank=True)
    patient_responsibility_total = _money(null=True, blank=True)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pend_reason = models.CharField(max_length=255, blank=True)
    deny_reason = models.CharField(max_length=255, blank=True)
    reject_reason = models.CharField(max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="claim_idempotency_per_org",
            ),
            models.CheckConstraint(
                condition=Q(service_date_to__isnull=True)
                | Q(service_date_from__isnull=True)
                | Q(service_date_to__gte=models.F("service_date_from")),
                name="claim_service_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(frequency="1")
                | Q(original_claim_ref__gt="")
                | Q(original__isnull=False),
                name="claim_replacement_names_original",
            ),
            models.UniqueConstraint(fields=["number"], name="claim_number_unique"),
            models.CheckConstraint(
                condition=Q(total_charge__isnull=False) | Q(status="draft"),
                name="claim_charged_unless_draft",
            ),
        ]
        indexes = [
            # Keyset pagination of the claim search.
            models.Index(
                fields=["organization", "billing_tin", "-submitted_at", "-id"],
                name="claim_org_tin_sub",
            ),
            models.Index(fields=["billing_tin", "-submitted_at", "-id"], name="claim_tin_sub"),
            # member_number and patient_account_number alone: claim_member_sub and claim_pan_sub
            # lead with them (an index of the column alone only cost every insert).
            # Patient-name search ignores case (core.lookups.same_ignoring_case).
            models.Index(
                Lower("patient_last_name"), Lower("patient_first_name"), name="claim_patient_ci"
            ),
            models.Index(fields=["status", "-submitted_at"], name="claim_status_sub"),
            # Status search within a practice's TINs, newest first: without it the planner
            # walks claim_tin_sub past every newer claim in another status.
            models.Index(
                fields=["billing_tin", "status", "-submitted_at", "-id"],
                name="claim_tin_status_sub",
            ),
            models.Index(fields=["service_date_from", "service_date_to"], name="claim_dos"),
            # Date-of-service search, newest service first (selectors.DOS_SEARCH_SORT).
            models.Index(fields=["billing_tin", "-service_date_from", "-id"], name="claim_tin_dos"),
            models.Index(fields=["billing_tin", "total_charge"], name="claim_tin_charge"),
            models.Index(fields=["member", "-service_date_from"], name="claim_member_dos"),
            # Equality search + newest-first order in one index (0002).
            models.Index(fields=["member_number", "-submitted_at", "-id"], name="claim_member_sub"),
            models.Index(
                fields=["patient_account_number", "-submitted_at", "-id"], name="claim_pan_sub"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"

    @property
    def patient_name(self) -> str:
        return f"{self.patient_first_name} {self.patient_last_name}".strip()

    @property
    def is_finalized(self) -> bool:
        return self.status in FINALIZED_STATUSES

    @property
    def line_charge_total(self) -> Decimal:
        return sum((ln.charge or ZERO for ln in self.lines.all()), ZERO)


class ClaimDiagnosis(models.Model):
    # Indexed by claim_dx_sequence_unique, which leads with it.
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="diagnoses", db_index=False
    )
    sequence = models.PositiveSmallIntegerField(help_text="1-based; lines point at it.")
    code = models.CharField("ICD-10-CM code", max_length=8)
    qualifier = models.CharField(
        max_length=10, choices=DiagnosisQualifier.choices, default=DiagnosisQualifier.OTHER
    )
    present_on_admission = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["claim", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "sequence"], name="claim_dx_sequence_unique")
        ]
        indexes = [models.Index(fields=["code"], name="claim_dx_code")]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.code}"


class ClaimLine(models.Model):
    # Indexed by claim_line_unique, which leads with it.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_number = models.PositiveSmallIntegerField()
    procedure_code = models.CharField("CPT/HCPCS", max_length=5, blank=True)
    modifier1 = models.CharField(max_length=2, blank=True)
    modifier2 = models.CharField(max_length=2, blank=True)
    modifier3 = models.CharField(max_length=2, blank=True)
    modifier4 = models.CharField(max_length=2, blank=True)
    revenue_code = models.CharField(max_length=4, blank=True)
    diagnosis_pointers = models.CharField(
        max_length=8, blank=True, help_text="Up to four 1-based pointers, e.g. '1,2'."
    )
    units = models.DecimalField(max_digits=9, decimal_places=3, default=Decimal("1"))
    unit_type = models.CharField(max_length=2, choices=UnitType.choices, default=UnitType.UNITS)
    # Empty only on a draft's line saved before its charge was entered.
    charge = _money(null=True, blank=True)
    service_date = models.DateField(null=True, blank=True)
    service_date_to = models.DateField(null=True, blank=True)
    place_of_service = models.CharField(max_length=2, blank=True)
    ndc = models.CharField("NDC", max_length=11, blank=True)
    rendering_npi = models.CharField(max_length=10, blank=True)
    description = models.CharField(max_length=80, blank=True)
    control_number = models.CharField("line item control number", max_length=50, blank=True)
    # Adjudication.
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    allowed = _money(null=True, blank=True)
    paid = _money(null=True, blank=True)
    patient_responsibility = _money(null=True, blank=True)
    deductible = _money(null=True, blank=True)
    coinsurance = _money(null=True, blank=True)
    copay = _money(null=True, blank=True)
    remark_codes = models.CharField(
        max_length=100, blank=True, help_text="RARC codes, space-separated (e.g. 'N130 M15')."
    )

    class Meta:
        ordering = ["claim", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "line_number"], name="claim_line_unique"),
            models.CheckConstraint(condition=Q(charge__gte=0), name="claim_line_charge_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.line_number} {self.procedure_code or self.revenue_code}"

    @property
    def modifiers(self) -> list[str]:
        return [m for m in (self.modifier1, self.modifier2, self.modifier3, self.modifier4) if m]

    @property
    def pointer_list(self) -> list[int]:
        numbers = (as_int(p, max_digits=2) for p in self.diagnosis_pointers.split(","))
        return [n for n in numbers if n is not None]


class LineAdjustment(models.Model):
    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="adjustments")
    group_code = models.CharField(max_length=2, choices=AdjustmentGroup.choices)
    reason_code = models.CharField("CARC", max_length=5)
    amount = _money()
    quantity = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.group_code}-{self.reason_code} {self.amount}"


class ClaimStatusEvent(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=20, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ClaimStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    category_code = models.CharField(
        max_length=3, blank=True, help_text="277 claim status category (A1, A2, A3, F1, P1…)."
    )
    status_code = models.CharField(max_length=4, blank=True, help_text="277 claim status code.")
    entity_code = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["claim", "at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status or '—'} → {self.to_status}"


class ClaimAttachment(TimeStampedModel):
    """A PWK attachment. Unsolicited ones arrive before their claim and are matched later."""

    class ReportType(models.TextChoices):
        R03 = "03", "Report justifying treatment beyond utilization guidelines"
        R04 = "04", "Drugs administered"
        R05 = "05", "Treatment diagnosis"
        R06 = "06", "Initial assessment"
        R07 = "07", "Functional goals"
        R08 = "08", "Plan of treatment"
        R09 = "09", "Progress report"
        R10 = "10", "Continued treatment"
        R11 = "11", "Chemical analysis"
        R13 = "13", "Certified test report"
        R15 = "15", "Justification for admission"
        R21 = "21", "Recovery plan"
        A3 = "A3", "Allergies/sensitivities document"
        A4 = "A4", "Autopsy report"
        AM = "AM", "Ambulance certification"
        AS = "AS", "Admission summary"
        B2 = "B2", "Prescription"
        B3 = "B3", "Physician order"
        B4 = "B4", "Referral form"
        BR = "BR", "Benchmark testing results"
        BS = "BS", "Baseline"
        BT = "BT", "Blanket test results"
        CB = "CB", "Chiropractic justification"
        CK = "CK", "Consent form(s)"
        CT = "CT", "Certification"
        D2 = "D2", "Drug profile document"
        DA = "DA", "Dental models"
        DB = "DB", "Durable medical equipment prescription"
        DG = "DG", "Diagnostic report"
        DJ = "DJ", "Discharge monitoring report"
        DS = "DS", "Discharge summary"
        EB = "EB", "Explanation of benefits (coordination of benefits)"
        HC = "HC", "Health certificate"
        HR = "HR", "Health clinic records"
        I5 = "I5", "Immunization record"
        IR = "IR", "State school immunization records"
        LA = "LA", "Laboratory results"
        M1 = "M1", "Medical record attachment"
        MT = "MT", "Models"
        NN = "NN", "Nursing notes"
        OB = "OB", "Operative note"
        OC = "OC", "Oxygen content averaging report"
        OD = "OD", "Orders and treatments document"
        OE = "OE", "Objective physical examination"
        OX = "OX", "Oxygen therapy certification"
        OZ = "OZ", "Support data for claim"
        P4 = "P4", "Pathology report"
        P5 = "P5", "Patient medical history document"
        PE = "PE", "Parenteral or enteral certification"
        PN = "PN", "Physical therapy notes"
        PO = "PO", "Prosthetics or orthotic certification"
        PQ = "PQ", "Paramedical results"
        PY = "PY", "Physician's report"
        PZ = "PZ", "Physical therapy certification"
        RB = "RB", "Radiology films"
        RR = "RR", "Radiology reports"
        RT = "RT", "Report of tests and analysis report"
        RX = "RX", "Renewable oxygen content averaging report"
        SG = "SG", "Symptoms document"
        V5 = "V5", "Death notification"
        XP = "XP", "Photographs"

    class Transmission(models.TextChoices):
        EL = "EL", "Electronically only (uploaded)"
        FX = "FX", "By fax"
        BM = "BM", "By mail"
        EM = "EM", "By email"
        FT = "FT", "File transfer"
        AA = "AA", "Available on request at provider site"

    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="claim_attachments"
    )
    report_type = models.CharField(max_length=2, choices=ReportType.choices)
    transmission_code = models.CharField(
        max_length=2, choices=Transmission.choices, default=Transmission.EL
    )
    control_number = models.CharField("attachment control number", max_length=50, blank=True)
    file_key = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "control_number"], name="claim_att_control"),
        ]

    def __str__(self) -> str:
        return f"{self.report_type} {self.control_number or self.filename}"

    @property
    def is_unsolicited(self) -> bool:
        return self.claim_id is None


# ---------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------
class AppealReason(models.TextChoices):
    MEDICAL_NECESSITY = "medical_necessity", "Medical necessity"
    UNDERPAYMENT = "underpayment", "Payment amount / underpaid"
    CODING = "coding", "Coding or bundling dispute"
    TIMELY_FILING = "timely_filing", "Timely filing"
    AUTHORIZATION = "authorization", "Authorization / referral on file"
    ELIGIBILITY = "eligibility", "Member eligibility"
    DUPLICATE = "duplicate", "Denied as duplicate in error"
    COORDINATION = "coordination", "Coordination of benefits"
    OTHER = "other", "Other"


class AppealStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_REVIEW = "in_review", "In review"
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"
    PARTIALLY_OVERTURNED = "partially_overturned", "Partially overturned"
    WITHDRAWN = "withdrawn", "Withdrawn"


APPEAL_OPEN_STATUSES = (AppealStatus.RECEIVED, AppealStatus.IN_REVIEW)


class Appeal(TimeStampedModel):
    number = models.CharField("appeal number", max_length=20, unique=True)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="appeals")
    line = models.ForeignKey(
        ClaimLine, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="appeals")
    reason = models.CharField(max_length=20, choices=AppealReason.choices)
    explanation = models.TextField()
    amount_disputed = _money(null=True, blank=True)
    status = models.CharField(
        max_length=24, choices=AppealStatus.choices, default=AppealStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_notes = models.TextField(blank=True)
    letter_document_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="documents.Document id of the decision letter."
    )
    letter_mailed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="appeal_idempotency_per_org",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "-filed_at", "-id"], name="appeal_org_filed"),
            models.Index(fields=["status", "-filed_at"], name="appeal_status_filed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in APPEAL_OPEN_STATUSES


class AppealAttachment(TimeStampedModel):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file_key = models.CharField(max_length=255)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class AppealStatusEvent(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=24, choices=AppealStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=AppealStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["appeal", "at", "id"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.from_status or '—'} → {self.to_status}"


# ---------------------------------------------------------------------------
# Fee schedules (automatic adjudication)
# ---------------------------------------------------------------------------
class FeeSchedule(TimeStampedModel):
    health_plan = models.ForeignKey(
        HealthPlan, on_delete=models.CASCADE, related_name="fee_schedules"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=15, choices=ClaimKind.choices, default=ClaimKind.PROFESSIONAL
    )
    effective_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    default_percent_of_charge = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Allowed = this % of the charge when no rate matches (blank: line pends).",
    )
    copay = _money(default=ZERO)
    coinsurance_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["health_plan", "kind", "-effective_date"]
        indexes = [models.Index(fields=["health_plan", "kind", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.health_plan} {self.name}"


class FeeScheduleRate(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rates")
    procedure_code = models.CharField(max_length=5, blank=True)
    modifier = models.CharField(max_length=2, blank=True)
    revenue_code = models.CharField(max_length=4, blank=True)
    allowed_amount = _money()
    per_unit = models.BooleanField(default=True)
    effective_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure_code__gt="") | Q(revenue_code__gt=""),
                name="fee_rate_has_code",
            )
        ]
        indexes = [
            models.Index(fields=["schedule", "procedure_code", "modifier"], name="fee_rate_proc"),
            models.Index(fields=["schedule", "revenue_code"], name="fee_rate_rev"),
        ]

    def __str__(self) -> str:
        code = self.procedure_code or self.revenue_code
        return f"{code}{('-' + self.modifier) if self.modifier else ''}: {self.allowed_amount}"
