"""The office's side: drafts, validation shared by every channel, submit, send-back answers.

``RequestInput`` is what every channel (HTML form, REST, FHIR PAS, X12 278, fax intake)
builds; ``validate_request`` applies the same rules and raises ``RequestInvalid`` with one
message per field, keyed by the form's field names (``member_id``, ``lines-0-units``, …).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portico.codes.validators import (
    ICD10_FORMAT_MESSAGE,
    ICD10_PATTERN,
    normalize_icd10_code,
    normalize_procedure_code,
    validate_icd10_code,
    validate_procedure_code,
    validate_procedure_modifier,
)
from portico.core.idempotency import idempotent
from portico.core.uploads import delete_stored, removes_uploads_on_failure, store_upload
from portico.members.models import HealthPlan, Member
from portico.members.selectors import coverage_on, member_find
from portico.organizations.models import (
    Application,
    Organization,
    OrganizationProvider,
    Provider,
)
from portico.organizations.selectors import grants_for_user, organization_ids_for_user
from portico.organizations.validators import validate_npi
from portico.priorauth import transitions
from portico.priorauth.models import (
    YES_NO,
    LineDecision,
    NotRequiredCode,
    PriorAuthRequest,
    RequestAttachment,
    RequestEvent,
    RequestLine,
    ServiceCategory,
    Source,
    Status,
    Urgency,
)
from portico.priorauth.services.common import (
    PriorAuthError,
    add_event,
    audit,
    change_status,
    lock,
    new_reference,
    plan_settings,
    save,
)

MAX_LINES = 20
_WHOLE_NUMBER = re.compile(r"[0-9]+")
MAX_DIAGNOSES = 12
# The longest free text each field takes: the portal's form's bounds (and the facility name's
# column), applied to every channel (REST sent a 1 MB note or a 10,000-character facility).
TEXT_LIMITS = {"facility_name": 200, "expedited_reason": 2000, "clinical_notes": 5000}
# The longest answer to a clinical question, by the question's kind (the form's bounds).
ANSWER_LIMITS = {"number": 6, "text": 2000}


@dataclass
class LineInput:
    code: str = ""
    units: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    modifier: str = ""


@dataclass
class RequestInput:
    plan: HealthPlan | None = None
    member_id: str = ""
    member_birth_date: dt.date | None = None
    requesting_provider_npi: str = ""
    servicing_provider_npi: str = ""
    facility_name: str = ""
    facility_npi: str = ""
    place_of_service: str = ""
    service_category: ServiceCategory | None = None
    service_date: dt.date | None = None
    diagnoses: list[str] = field(default_factory=list)
    urgency: str = Urgency.STANDARD
    expedited_attestation: bool = False
    expedited_reason: str = ""
    clinical_answers: dict[str, str] = field(default_factory=dict)
    clinical_notes: str = ""
    lines: list[LineInput] = field(default_factory=list)
    external_id: str = ""


class RequestInvalid(PriorAuthError):
    """Field errors: ``errors`` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("The request has errors; correct them and submit again.")
        self.errors = errors


class PossibleDuplicate(PriorAuthError):
    def __init__(self, duplicates: list[PriorAuthRequest]) -> None:
        refs = ", ".join(d.reference for d in duplicates)
        super().__init__(
            f"A request for the same member, provider, codes and dates is already open ({refs}). "
            "Check it before sending a second request, or confirm that this one is different.",
            code="duplicate",
        )
        self.duplicates = duplicates


@dataclass
class CheckedRequest:
    plan: HealthPlan
    organization: Organization | None
    member: Member
    requesting: Provider
    servicing: Provider | None
    data: RequestInput


# ---------------------------------------------------------------------------
# Scope helpers
# ---------------------------------------------------------------------------
def priorauth_organization_ids(*, user: Any) -> list[int]:
    member_orgs = set(organization_ids_for_user(user=user))
    granted = grants_for_user(user=user, application=Application.PRIOR_AUTH).values_list(
        "organization_id", flat=True
    )
    return sorted(org for org in granted if org in member_orgs)


def connected_providers(*, organization_ids: Iterable[int]) -> QuerySet[Provider]:
    """Providers connected ("Manage Providers") to these practices."""
    return Provider.objects.filter(
        practice_links__organization_id__in=list(organization_ids),
        practice_links__status=OrganizationProvider.Status.ACTIVE,
    ).distinct()


def not_required_codes(*, plan: HealthPlan, codes: Iterable[str]) -> set[str]:
    wanted = {normalize_procedure_code(c) for c in codes}
    return set(
        NotRequiredCode.objects.filter(plan=plan, code__in=wanted).values_list("code", flat=True)
    )


@dataclass(frozen=True)
class RequiredAnswer:
    plan: HealthPlan
    code: str
    required: bool
    description: str

    @property
    def message(self) -> str:
        if self.required:
            return (
                f"{self.plan.name} requires prior authorization for {self.code}. "
                "Submit a request before the service."
            )
        return (
            f"{self.plan.name} does not require prior authorization for {self.code}"
            f"{' (' + self.description + ')' if self.description else ''}. "
            "Submission not required; member benefits and eligibility still apply."
        )


def priorauth_required_check(*, plan: HealthPlan, code: str) -> RequiredAnswer:
    """ "Is prior authorization required?": the plan's list of codes that need none."""
    normalized = normalize_procedure_code(code)
    try:
        validate_procedure_code(normalized)
    except ValidationError as exc:
        raise RequestInvalid({"code": list(exc.messages)}) from None
    row = NotRequiredCode.objects.filter(plan=plan, code=normalized).first()
    return RequiredAnswer(plan, normalized, row is None, row.description if row else "")


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _check_icd10(code: str) -> str:
    normalized = normalize_icd10_code(code)
    try:
        validate_icd10_code(normalized)
    except ImproperlyConfigured:  # no code set loaded: the format is all we can check
        if not ICD10_PATTERN.fullmatch(normalized):
            raise ValidationError(ICD10_FORMAT_MESSAGE) from None
    return normalized


def _one_year_after(day: dt.date, years: int = 1) -> dt.date:
    """The same day ``years`` later (28 February for 29 February); past the calendar's
    ends (a date typed as 9999-12-31), the last or first day Python can hold."""
    year = day.year + years
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def _within_a_year_of_today(day: dt.date) -> bool:
    today = timezone.localdate()
    return _one_year_after(today, years=-1) <= day <= _one_year_after(today)


def validate_request(data: RequestInput, *, organization_ids: list[int] | None) -> CheckedRequest:
    """Apply every rule; ``organization_ids=None`` means staff (any known provider)."""
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    plan = data.plan
    if plan is None:
        err("plan", "Choose the member's health plan.")
    if data.service_category is None:
        err("service_category", "Choose the service category.")
    if data.service_date is None:
        err("service_date", "Enter the date of service (the first planned date).")
    elif not _within_a_year_of_today(data.service_date):
        err("service_date", "Enter a date of service within a year of today.")

    # Member and eligibility on the service date
    member = None
    if not data.member_id.strip():
        err("member_id", "Enter the member ID from the member's card.")
    elif plan is not None:
        member = member_find(plan=plan, member_id=data.member_id)
        if member is None or (
            data.member_birth_date is not None and member.date_of_birth != data.member_birth_date
        ):
            member = None
            err(
                "member_id",
                f"No {plan.name} member was found with this member ID and date of birth. "
                "Check the member's card.",
            )
    if data.member_birth_date is None:
        err("member_birth_date", "Enter the member's date of birth.")
    coverage = None
    if member is not None and data.service_date is not None:
        coverage = coverage_on(member=member, on=data.service_date)
        if coverage is None:
            err(
                "service_date",
                f"The member is not eligible on {data.service_date:%m/%d/%Y}: no "
                f"{plan.name if plan else ''} coverage on that date.",
            )

    # Providers: connected to the account
    def provider(npi: str, name: str, label: str, required: bool) -> Provider | None:
        npi = npi.strip()
        if not npi:
            if required:
                err(name, f"Choose the {label}.")
            return None
        try:
            validate_npi(npi)
        except ValidationError as exc:
            err(name, " ".join(exc.messages))
            return None
        if organization_ids is None:
            found = Provider.objects.filter(npi=npi).first()
            if found is None:
                err(name, f"No provider with NPI {npi} is known to Portico.")
            return found
        found = connected_providers(organization_ids=organization_ids).filter(npi=npi).first()
        if found is None:
            err(
                name,
                f"The provider with NPI {npi} is not connected to your account. Connect it in "
                "Manage Providers (by NPI or Provider ID) first.",
            )
        return found

    requesting = provider(
        data.requesting_provider_npi, "requesting_provider", "requesting provider", True
    )
    servicing = provider(
        data.servicing_provider_npi, "servicing_provider", "servicing provider", False
    )
    if data.facility_npi.strip():
        try:
            validate_npi(data.facility_npi.strip())
        except ValidationError as exc:
            err("facility_npi", " ".join(exc.messages))

    # Diagnoses
    if not data.diagnoses:
        err("diagnoses", "Enter at least one ICD-10-CM diagnosis code.")
    elif len(data.diagnoses) > MAX_DIAGNOSES:
        err("diagnoses", f"Enter at most {MAX_DIAGNOSES} diagnosis codes.")
    cleaned_dx: list[str] = []
    for code in data.diagnoses:
        try:
            cleaned_dx.append(_check_icd10(code))
        except ValidationError as exc:
            err("diagnoses", f"{code}: {' '.join(exc.messages)}")
    data.diagnoses = cleaned_dx

    # Urgency
    if data.urgency not in Urgency.values:
        err("urgency", "Choose standard or expedited/urgent.")
    elif data.urgency == Urgency.EXPEDITED:
        if not data.expedited_attestation:
            err(
                "expedited_attestation",
                "An expedited request needs the clinical attestation that the standard time "
                "frame could seriously jeopardise the member's life, health or ability to "
                "regain maximum function.",
            )
        if not data.expedited_reason.strip():
            err("expedited_reason", "Say why the request is expedited/urgent.")

    for name, limit in TEXT_LIMITS.items():
        if len(str(getattr(data, name)).strip()) > limit:
            err(name, f"Enter at most {limit} characters.")

    # Clinical questions of the category
    if data.service_category is not None:
        questions = data.service_category.questions
        unknown = sorted(set(data.clinical_answers) - {q["key"] for q in questions})
        if unknown:
            err(
                "clinical_answers",
                f"{data.service_category.name} has no question {', '.join(unknown)[:200]}. "
                f"Its questions: {', '.join(q['key'] for q in questions)}.",
            )
        for question in questions:
            key = f"q_{question['key']}"
            answer = str(data.clinical_answers.get(question["key"], "")).strip()
            kind = question.get("kind", "text")
            if question.get("required") and not answer:
                err(key, f"Answer: {question['text']}")
            elif not answer:
                continue
            elif kind == "yesno":
                if answer.lower() not in {value for value, _label in YES_NO}:
                    err(key, "Answer yes or no.")
                else:  # "Yes" from an integrator is stored as the form's "yes"
                    data.clinical_answers[question["key"]] = answer.lower()
            elif kind == "number" and not _WHOLE_NUMBER.fullmatch(answer):
                # str.isdigit() takes "²" and other Unicode digits, which are not numbers.
                err(key, "Enter a whole number (digits 0-9).")
            elif len(answer) > ANSWER_LIMITS.get(kind, ANSWER_LIMITS["text"]):
                err(
                    key,
                    f"Enter at most {ANSWER_LIMITS.get(kind, ANSWER_LIMITS['text'])} characters.",
                )

    # Lines
    if not data.lines:
        err("lines", "Enter at least one procedure code (CPT or HCPCS) with its units and dates.")
    if len(data.lines) > MAX_LINES:
        err("lines", f"Enter at most {MAX_LINES} procedure lines.")
    for index, line in enumerate(data.lines):
        prefix = f"lines-{index}-"
        line.code = normalize_procedure_code(line.code)
        try:
            validate_procedure_code(line.code)
        except ValidationError as exc:
            err(prefix + "code", " ".join(exc.messages))
        if line.modifier:
            line.modifier = normalize_procedure_code(line.modifier)
            try:
                validate_procedure_modifier(line.modifier)
            except ValidationError as exc:
                err(prefix + "modifier", " ".join(exc.messages))
        if line.units is None or line.units < 1:
            err(
                prefix + "units",
                f"Enter the number of units for {line.code or 'this code'} (1 or more).",
            )
        elif line.units > 999:
            err(prefix + "units", "Enter at most 999 units.")
        if line.start_date is None:
            line.start_date = data.service_date
        if line.end_date is None:
            line.end_date = line.start_date
        if line.start_date and line.end_date:
            if line.end_date < line.start_date:
                err(prefix + "end_date", "The end date must be on or after the start date.")
            elif coverage is not None and not (
                coverage.covers(line.start_date) and coverage.covers(line.end_date)
            ):
                end = f"{coverage.end_date:%m/%d/%Y}" if coverage.end_date else "open-ended"
                err(
                    prefix + "end_date",
                    f"The dates are outside the member's coverage period "
                    f"({coverage.start_date:%m/%d/%Y} – {end}).",
                )
            elif "service_date" not in errors and not _within_a_year_of_today(line.start_date):
                err(prefix + "start_date", "Enter a start date within a year of today.")
            elif line.end_date > _one_year_after(line.start_date):
                err(
                    prefix + "end_date",
                    "A request covers at most one year: end it by "
                    f"{_one_year_after(line.start_date):%m/%d/%Y}.",
                )
        elif line.start_date is None:
            err(prefix + "start_date", "Enter the start date.")

    if errors:
        raise RequestInvalid(errors)
    assert plan is not None and member is not None and requesting is not None
    organization = None
    if organization_ids is not None:
        link = (
            OrganizationProvider.objects.filter(
                organization_id__in=organization_ids,
                provider=requesting,
                status=OrganizationProvider.Status.ACTIVE,
            )
            .order_by("organization_id")
            .first()
        )
        organization = link.organization if link else None
    else:
        link = (
            OrganizationProvider.objects.filter(
                provider=requesting, status=OrganizationProvider.Status.ACTIVE
            )
            .order_by("organization_id")
            .first()
        )
        organization = link.organization if link else None
    return CheckedRequest(plan, organization, member, requesting, servicing, data)


def find_duplicates(
    checked: CheckedRequest, *, exclude_pk: int | None = None
) -> list[PriorAuthRequest]:
    """Open requests for the same member, provider, codes and dates within the window."""
    settings_row = plan_settings(checked.plan)
    since = timezone.now() - dt.timedelta(days=settings_row.duplicate_window_days)
    wanted = sorted((ln.code, ln.start_date, ln.end_date) for ln in checked.data.lines)
    candidates = (
        PriorAuthRequest.objects.filter(
            member=checked.member,
            requesting_provider=checked.requesting,
            submitted_at__gte=since,
            status__in=[
                Status.RECEIVED,
                Status.IN_REVIEW,
                Status.SEND_BACK,
                Status.APPROVED,
                Status.PARTIALLY_APPROVED,
            ],
            withdrawn_at__isnull=True,
        )
        .exclude(pk=exclude_pk or 0)
        .prefetch_related("lines")
    )
    found = []
    for candidate in candidates:
        have = sorted((ln.code, ln.start_date, ln.end_date) for ln in candidate.lines.all())
        if have == wanted:
            found.append(candidate)
    return found


# ---------------------------------------------------------------------------
# Drafts, attachments and submission
# ---------------------------------------------------------------------------
@transaction.atomic
def priorauth_draft_save(
    *,
    user: Any,
    plan: HealthPlan,
    draft_data: dict[str, Any],
    request: PriorAuthRequest | None = None,
) -> PriorAuthRequest:
    """Save what the office typed so far (no validation beyond the plan)."""
    org_ids = priorauth_organization_ids(user=user)
    if not org_ids:
        raise PriorAuthError("Your account has no Prior Authorization access.")
    if request is None:
        request = PriorAuthRequest.objects.create(
            reference=new_reference(),
            plan=plan,
            organization_id=org_ids[0],
            created_by=user,
            status=Status.DRAFT,
            draft_data=draft_data,
        )
        add_event(request, kind=RequestEvent.Kind.CREATED, actor=user, by_staff=False)
        audit(request, "draft_saved", user)
        return request
    row = lock(request)
    if row.status != Status.DRAFT:
        raise PriorAuthError("Only drafts can be edited.")
    row.plan = plan
    row.draft_data = draft_data
    save(row, "plan", "draft_data")
    audit(row, "draft_saved", user)
    return row


def _store_attachments(
    row: PriorAuthRequest, files: Iterable[Any], *, user: Any, by_staff: bool, description: str = ""
) -> list[RequestAttachment]:
    """Store and record each file. Callers are ``removes_uploads_on_failure`` services: a
    failure anywhere in their transaction deletes the files stored here."""
    created = []
    for file in files:
        stored = store_upload(file=file, prefix="priorauth")
        created.append(
            RequestAttachment.objects.create(
                request=row,
                storage_key=stored.key,
                file_name=stored.file_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                description=description[:200],
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
                by_staff=by_staff,
            )
        )
    return created


@removes_uploads_on_failure
@transaction.atomic
def priorauth_attach(
    *, request: PriorAuthRequest, user: Any, files: list[Any], by_staff: bool = False
) -> list[RequestAttachment]:
    row = lock(request)
    if row.is_final:
        raise PriorAuthError("Files can't be added to a closed (decided or withdrawn) request.")
    created = _store_attachments(row, files, user=user, by_staff=by_staff)
    for item in created:
        audit(row, "attachment_added", user, file=item.file_name)
    save(row)
    return created


def _apply(row: PriorAuthRequest, checked: CheckedRequest) -> None:
    data = checked.data
    row.plan = checked.plan
    row.organization = checked.organization or row.organization
    row.member = checked.member
    row.member_id_entered = data.member_id.strip()
    row.member_birth_date_entered = data.member_birth_date
    row.requesting_provider = checked.requesting
    row.servicing_provider = checked.servicing
    row.facility_name = data.facility_name.strip()
    row.facility_npi = data.facility_npi.strip()
    row.place_of_service = data.place_of_service.strip()
    row.service_category = data.service_category
    row.service_date = data.service_date
    row.diagnoses = data.diagnoses
    row.urgency = data.urgency
    row.expedited_attestation = data.expedited_attestation
    row.expedited_reason = data.expedited_reason.strip()
    row.clinical_answers = data.clinical_answers
    row.clinical_notes = data.clinical_notes.strip()
    row.external_id = data.external_id[:80]
    row.lines.all().delete()
    for number, line in enumerate(data.lines, start=1):
        assert line.start_date and line.end_date and line.units
        RequestLine.objects.create(
            request=row,
            line_no=number,
            code=line.code,
            modifier=line.modifier,
            units=line.units,
            start_date=line.start_date,
            end_date=line.end_date,
        )


@removes_uploads_on_failure
@transaction.atomic
@idempotent("priorauth.submit", user="user")
def priorauth_submit(
    *,
    user: Any,
    data: RequestInput,
    draft: PriorAuthRequest | None = None,
    files: list[Any] | None = None,
    confirm_duplicate: bool = False,
    source: str = Source.PORTAL,
    staff: bool = False,
    idempotency_key: str = "",
) -> PriorAuthRequest:
    """Validate and submit: a reference number and **Received**, or at once **Submission
    not required** when the plan needs no authorization for any of the codes.

    Raises ``RequestInvalid`` (field errors) or ``PossibleDuplicate`` (unless confirmed);
    nothing is saved then. ``staff=True`` is fax intake (any known provider). The same
    ``idempotency_key`` (the form's hidden key, the API's ``Idempotency-Key``) submitted
    again by the same user returns the first request: a retry after a timeout, a double
    click or a killed worker never creates a second one.
    """
    org_ids = None if staff else priorauth_organization_ids(user=user)
    if org_ids is not None and not org_ids:
        raise PriorAuthError("Your account has no Prior Authorization access.", code="forbidden")
    checked = validate_request(data, organization_ids=org_ids)
    duplicates = find_duplicates(checked, exclude_pk=draft.pk if draft else None)
    if duplicates and not confirm_duplicate:
        raise PossibleDuplicate(duplicates)
    if draft is not None:
        row = lock(draft)
        if row.status != Status.DRAFT:
            raise PriorAuthError("This request was already submitted.", code="already_submitted")
    else:
        row = PriorAuthRequest.objects.create(
            reference=new_reference(),
            plan=checked.plan,
            organization=checked.organization,
            created_by=user if not staff else None,
            status=Status.DRAFT,
            source=source,
        )
    _apply(row, checked)
    if files:
        _store_attachments(row, files, user=user, by_staff=staff)
    now = timezone.now()
    row.submitted_at = now
    row.draft_data = {}
    settings_row = plan_settings(checked.plan)
    exempt = not_required_codes(plan=checked.plan, codes=[ln.code for ln in data.lines])
    if exempt:
        row.lines.filter(code__in=exempt).update(decision=LineDecision.NOT_REQUIRED)
    add_event(
        row,
        kind=RequestEvent.Kind.SUBMITTED,
        actor=user,
        by_staff=staff,
        message="Received by fax." if source == Source.FAX else "",
    )
    if exempt and not row.lines.exclude(code__in=exempt).exists():
        transitions.check(Status.DRAFT, Status.NOT_REQUIRED, transitions.SYSTEM)
        change_status(
            row,
            to=Status.NOT_REQUIRED,
            actor=None,
            by_staff=True,
            message="The plan does not require prior authorization for these codes.",
        )
        row.decided_at = now
    else:
        transitions.check(
            Status.DRAFT, Status.RECEIVED, transitions.REVIEWER if staff else transitions.OFFICE
        )
        change_status(row, to=Status.RECEIVED, actor=user, by_staff=staff)
        row.due_at = now + settings_row.turnaround(row.urgency)
    row.version += 1
    row.save()
    audit(
        row,
        "submitted",
        user,
        status=row.status,
        source=source,
        duplicate_confirmed=bool(duplicates),
    )
    return row


@removes_uploads_on_failure
@transaction.atomic
def priorauth_respond(
    *,
    request: PriorAuthRequest,
    user: Any,
    answer: str,
    files: list[Any] | None = None,
) -> PriorAuthRequest:
    """The office answers a Send back and resubmits: the request returns to review."""
    row = lock(request)
    transitions.check(row.state, Status.IN_REVIEW, transitions.OFFICE)
    if not answer.strip() and not files:
        raise RequestInvalid({"answer": ["Answer the reviewer's questions or attach a file."]})
    if files:
        _store_attachments(row, files, user=user, by_staff=False, description="Send back answer")
    add_event(
        row, kind=RequestEvent.Kind.RESPONDED, actor=user, by_staff=False, message=answer.strip()
    )
    change_status(
        row,
        to=Status.IN_REVIEW,
        actor=user,
        by_staff=False,
        message="Returned to review after the office's answer.",
    )
    row.send_back_message = ""
    save(row, "status", "send_back_message")
    audit(row, "responded", user, files=len(files or []))
    return row


@transaction.atomic
def priorauth_draft_delete(*, request: PriorAuthRequest, user: Any) -> None:
    row = lock(request)
    if row.status != Status.DRAFT:
        raise PriorAuthError("Only drafts can be deleted.")
    audit(row, "draft_deleted", user)
    for item in row.attachments.all():
        key = item.storage_key
        transaction.on_commit(lambda key=key: delete_stored(key))  # type: ignore[misc]
    row.delete()
