"""Prior-authorization requests, their lines and history, plan settings and legacy cases.

Statuses are exactly the FAQ's seven (plus Draft, before submission). Administrative
withdrawal and pend are recorded as events with their letters, not as statuses (decision
0021). ``version`` is the optimistic lock: every change increments it and reviewers' forms
carry the version they were rendered with.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from portico.core.models import TimeStampedModel
from portico.members.models import HealthPlan, Member, PlanProgram
from portico.organizations.models import Organization, Provider


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    RECEIVED = "received", "Received"
    IN_REVIEW = "in_review", "In Review"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    PARTIALLY_APPROVED = "partially_approved", "Partially Approved"
    NOT_REQUIRED = "not_required", "Submission not required"
    SEND_BACK = "send_back", "Send back"


STATUS_MEANINGS: dict[str, str] = {
    Status.DRAFT: "Saved but not submitted. The plan has not received it.",
    Status.RECEIVED: (
        "The request was received and is waiting for review by the clinical department. "
        "Allow the appropriate time for processing."
    ),
    Status.IN_REVIEW: "A utilization-management reviewer is reviewing the request.",
    Status.APPROVED: "Every requested service was approved. The determination letter is posted.",
    Status.DENIED: (
        "The requested services were not approved. The determination letter explains why and "
        "how to appeal."
    ),
    Status.PARTIALLY_APPROVED: (
        "Some services (or fewer units or dates) were approved and others were not. "
        "The determination letter lists each line."
    ),
    Status.NOT_REQUIRED: (
        "The plan does not require prior authorization for these services. No review is "
        "needed; benefits and eligibility still apply."
    ),
    Status.SEND_BACK: (
        "The reviewer needs more information. Answer the questions, attach what is asked "
        "for and resubmit; the request then returns to review."
    ),
}

FINAL_STATUSES = frozenset(
    {Status.APPROVED, Status.DENIED, Status.PARTIALLY_APPROVED, Status.NOT_REQUIRED}
)

# Administrative withdrawal is an event, not a status (decision 0021): ``withdrawn_at`` is set
# and ``status`` keeps the step the request had reached. It closes the request, so everyone
# sees its state as Withdrawn, never as the step it was withdrawn at (``PriorAuthRequest.state``)
# and ``transitions.py`` allows nothing from it.
WITHDRAWN = "withdrawn"
WITHDRAWN_LABEL = "Withdrawn"
WITHDRAWN_MEANING = (
    "Closed without a clinical decision: the plan administratively withdrew the request. "
    "The Administrative Withdrawal letter gives the reason. It will not be reviewed; to go "
    "ahead with the service, submit a new request."
)


def state_label(state: str) -> str:
    """The label of a lifecycle state: a status, or Withdrawn."""
    return WITHDRAWN_LABEL if state == WITHDRAWN else str(Status(state).label)


def state_choices() -> list[tuple[str, str]]:
    """The states to filter lists by: the statuses, then Withdrawn."""
    return [*Status.choices, (WITHDRAWN, WITHDRAWN_LABEL)]


YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_LABELS = dict(YES_NO)


class Urgency(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited/Urgent"


class Source(models.TextChoices):
    PORTAL = "portal", "Portal"
    FAX = "fax", "Fax"
    FHIR = "fhir", "FHIR (Da Vinci PAS)"
    X12 = "x12", "X12 278"
    API = "api", "REST API"


CUTOVER_UPCOMING = "upcoming"
CUTOVER_RECENT = "recent"


class PlanPriorAuthSettings(TimeStampedModel):
    """How one health plan's prior authorization works in Portico (configuration).

    Phone numbers, hours, fax and P.O. Box come from the plan (``members.HealthPlan``) and
    its program (cut-over date, legacy portal); these fields add what prior authorization
    needs beyond them. Blank fields fall back to the plan's.
    """

    plan = models.OneToOneField(
        HealthPlan, on_delete=models.CASCADE, related_name="priorauth_settings"
    )
    program = models.ForeignKey(
        PlanProgram, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    um_organization_name = models.CharField(
        "name on letters", max_length=120, help_text="The utilization-management organisation."
    )
    return_address = models.TextField(blank=True, help_text="P.O. Box return address on letters.")
    fax = models.CharField("fax number for requests", max_length=20, blank=True)
    portal_help_phone = models.CharField(max_length=20, blank=True)
    portal_help_hours = models.CharField(max_length=100, blank=True)
    provider_services_phone = models.CharField(max_length=20, blank=True)
    provider_services_hours = models.CharField(max_length=100, blank=True)
    expedited_hours = models.PositiveIntegerField(default=72)
    standard_days = models.PositiveIntegerField(default=14)
    duplicate_window_days = models.PositiveIntegerField(
        default=30,
        help_text="Open requests with the same member, provider, codes and dates "
        "within this many days are reported as possible duplicates.",
    )
    cutover_notice_days = models.PositiveIntegerField(
        "days the change notice stays after the cut-over",
        default=180,
        help_text="After the program's cut-over date the portal keeps a notice of the move "
        "for this many days (0: none after the date). The prior-authorization home page "
        "always states the change.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "plan prior-authorization settings"
        verbose_name_plural = "plan prior-authorization settings"

    def __str__(self) -> str:
        return f"Prior authorization settings for {self.plan}"

    # Configuration with the plan's values as fallback -----------------------------------
    @property
    def letter_return_address(self) -> str:
        return self.return_address or self.plan.correspondence_address

    @property
    def request_fax(self) -> str:
        return self.fax or (self.program.fax if self.program else "") or self.plan.fax

    @property
    def help_phone(self) -> str:
        return self.portal_help_phone or self.plan.portal_help_phone

    @property
    def help_hours(self) -> str:
        return self.portal_help_hours or self.plan.portal_help_hours

    @property
    def services_phone(self) -> str:
        return self.provider_services_phone or self.plan.provider_services_phone

    @property
    def services_hours(self) -> str:
        return self.provider_services_hours or self.plan.provider_services_hours

    @property
    def cutover_date(self) -> dt.date | None:
        return self.program.cutover_date if self.program else None

    @property
    def legacy_portal_name(self) -> str:
        return self.program.legacy_portal_name if self.program else ""

    @property
    def cutover_notice_ends(self) -> dt.date | None:
        """The first day without the notice after the cut-over (None without a date)."""
        if self.cutover_date is None:
            return None
        return self.cutover_date + dt.timedelta(days=self.cutover_notice_days)

    def cutover_notice(self, on: dt.date) -> str:
        """Which cut-over notice to show on ``on``: ``"upcoming"`` before the date,
        ``"recent"`` within ``cutover_notice_days`` after it, ``""`` otherwise."""
        ends = self.cutover_notice_ends
        if self.cutover_date is None or ends is None:
            return ""
        if on < self.cutover_date:
            return CUTOVER_UPCOMING
        if on < ends:
            return CUTOVER_RECENT
        return ""

    def turnaround(self, urgency: str) -> dt.timedelta:
        if urgency == Urgency.EXPEDITED:
            return dt.timedelta(hours=self.expedited_hours)
        return dt.timedelta(days=self.standard_days)


class NotRequiredCode(models.Model):
    """A procedure code the plan does not require prior authorization for."""

    plan = models.ForeignKey(HealthPlan, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=5)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="pa_not_required_code_unique")
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} (no prior authorization: {self.plan})"


class ServiceCategory(models.Model):
    """Spine surgery, interventional pain management, joint surgery, … with its questions.

    ``questions`` is a list of ``{"key": str, "text": str, "kind": "yesno"|"text"|"number",
    "required": bool}`` shown on the request form for this category.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    questions = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.name


class PriorAuthRequest(TimeStampedModel):
    reference = models.CharField(max_length=20, unique=True)
    plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member_id_entered = models.CharField(max_length=24, blank=True)
    member_birth_date_entered = models.DateField(null=True, blank=True)
    requesting_provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    servicing_provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facility_name = models.CharField(max_length=200, blank=True)
    facility_npi = models.CharField(max_length=10, blank=True)
    place_of_service = models.CharField(max_length=2, blank=True)
    service_category = models.ForeignKey(
        ServiceCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_date = models.DateField(null=True, blank=True)
    diagnoses = models.JSONField(default=list, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.STANDARD)
    expedited_attestation = models.BooleanField(default=False)
    expedited_reason = models.TextField(blank=True)
    clinical_answers = models.JSONField(default=dict, blank=True)
    clinical_notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    pended_at = models.DateTimeField(null=True, blank=True)
    pend_reason = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    send_back_message = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(
        max_length=80,
        blank=True,
        db_index=True,
        help_text="Identifier the submitter gave (PAS/278).",
    )
    draft_data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def state(self) -> str:
        """Where the request is in its lifecycle: its status, or ``withdrawn``."""
        return WITHDRAWN if self.withdrawn_at is not None else self.status

    @property
    def status_label(self) -> str:
        """The status as shown to people (Withdrawn for a withdrawn request)."""
        return state_label(self.state)

    @property
    def meaning(self) -> str:
        if self.withdrawn_at is not None:
            return WITHDRAWN_MEANING
        return STATUS_MEANINGS.get(self.status, "")

    def clinical_answer_rows(self) -> list[tuple[str, str]]:
        """The category's questions with the answers as the form offered them ("Yes"/"No"
        for yes/no questions), in the category's order."""
        rows = []
        answers = self.clinical_answers or {}
        for question in self.service_category.questions if self.service_category else []:
            answer = str(answers.get(question["key"], "")).strip()
            if question.get("kind") == "yesno":
                answer = YES_NO_LABELS.get(answer.lower(), answer)
            rows.append((question["text"], answer))
        return rows

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES or self.withdrawn_at is not None

    @property
    def is_open(self) -> bool:
        return self.status != Status.DRAFT and not self.is_final

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return bool(self.is_open and self.due_at and (now or timezone.now()) > self.due_at)

    def time_left(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        if not self.due_at or not self.is_open:
            return None
        return self.due_at - (now or timezone.now())


class LineDecision(models.TextChoices):
    PENDING = "", "Not decided"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    NOT_REQUIRED = "not_required", "Not required"


class RequestLine(models.Model):
    request = models.ForeignKey(PriorAuthRequest, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=5)
    modifier = models.CharField(max_length=2, blank=True)
    units = models.PositiveIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    decision = models.CharField(
        max_length=15, choices=LineDecision.choices, default=LineDecision.PENDING, blank=True
    )
    approved_units = models.PositiveIntegerField(null=True, blank=True)
    approved_start = models.DateField(null=True, blank=True)
    approved_end = models.DateField(null=True, blank=True)
    auth_number = models.CharField(max_length=30, blank=True)
    deny_reason = models.TextField(blank=True)
    criteria = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["request", "line_no"], name="pa_line_unique"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="pa_line_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} line {self.line_no} {self.code} × {self.units}"

    @property
    def is_partial(self) -> bool:
        """Approved, but for fewer units or a shorter date range than requested."""
        if self.decision != LineDecision.APPROVED:
            return False
        fewer = self.approved_units is not None and self.approved_units < self.units
        shorter = (self.approved_start and self.approved_start > self.start_date) or (
            self.approved_end and self.approved_end < self.end_date
        )
        return bool(fewer or shorter)


class RequestAttachment(models.Model):
    request = models.ForeignKey(
        PriorAuthRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    storage_key = models.CharField(max_length=300)
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.file_name


class RequestEvent(models.Model):
    """One entry of a request's history, as the office and the reviewer see it."""

    class Kind(models.TextChoices):
        CREATED = "created", "Draft saved"
        SUBMITTED = "submitted", "Submitted"
        STATUS = "status", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        SENT_BACK = "sent_back", "Sent back for information"
        RESPONDED = "responded", "Office answered and resubmitted"
        PENDED = "pended", "Pended"
        DECIDED = "decided", "Determination made"
        WITHDRAWN = "withdrawn", "Administratively withdrawn"
        LETTER = "letter", "Letter posted"
        NOTE = "note", "Internal note"

    request = models.ForeignKey(PriorAuthRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def to_status_label(self) -> str:
        return Status(self.to_status).label if self.to_status in Status.values else ""


class LegacyCase(TimeStampedModel):
    """A case submitted in the plan's legacy portal before cut-over: read-only status."""

    plan = models.ForeignKey(HealthPlan, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legacy_reference = models.CharField(max_length=40)
    legacy_portal = models.CharField(max_length=120, blank=True)
    member_id = models.CharField(max_length=24)
    member_name = models.CharField(max_length=200)
    member_birth_date = models.DateField(null=True, blank=True)
    provider_npi = models.CharField(max_length=10, blank=True)
    provider_name = models.CharField(max_length=200, blank=True)
    codes = models.CharField(max_length=200, blank=True)
    service_description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    submitted_on = models.DateField()
    decided_on = models.DateField(null=True, blank=True)
    auth_number = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "legacy_reference"], name="pa_legacy_case_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legacy_reference} (legacy)"

    @property
    def meaning(self) -> str:
        return STATUS_MEANINGS.get(self.status, "")
