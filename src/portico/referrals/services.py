"""Every write of the Referrals Portal, each in one transaction with its audit event.

Submission checks every field (each with its own message), the member's eligibility on the
start date and the plan rules (``conf``); the rules approve the referral at once or send it
to the UM reviewers' queue. Claims adjudication calls ``referral_check_for_claim`` and
``referral_record_use`` (see docs/referrals.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portico.codes.validators import normalize_icd10_code, validate_icd10_code
from portico.core.audit import audit_record
from portico.core.idempotency import idempotent
from portico.core.text import counted
from portico.core.uploads import (
    UploadRejected,
    check_upload,
    delete_stored,
    sanitize_filename,
    store_upload,
)
from portico.members.models import Member, PlanProvider
from portico.members.selectors import coverage_on
from portico.members.validators import normalize_member_id
from portico.organizations.models import Organization, Provider
from portico.organizations.validators import validate_npi
from portico.referrals import conf
from portico.referrals.models import (
    Actor,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralNumberSequence,
    ReferralStatus,
    ReferralUse,
    ReferredToKind,
    Source,
    Urgency,
)
from portico.referrals.selectors import practice_providers
from portico.referrals.transitions import TransitionNotAllowed, check_transition

S = ReferralStatus


class ReferralError(Exception):
    """A refused write; ``message`` is safe to show to the person who asked for it."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def empty_file_message(upload: Any) -> str:
    """What a person reads when a chosen file has nothing in it (0 bytes), naming the file."""
    name = sanitize_filename(getattr(upload, "name", "") or "")
    return f"“{name}” is empty. Choose a file that has content."


class ReferralInvalid(ReferralError):
    """Submission errors by field name (the names of ``ReferralRequest``)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Correct the referral's errors and submit it again.", code="invalid")
        self.errors = errors


@dataclass
class ReferralRequest:
    """What a provider office submits, as typed (the form and the API both build one)."""

    member_id: str
    date_of_birth: dt.date | None
    referring_npi: str
    referred_to_npi: str
    reason: str
    diagnoses: Sequence[str]
    visits_requested: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    urgency: str = Urgency.ROUTINE
    referred_to_kind: str = ReferredToKind.SPECIALIST
    referred_to_name: str = ""
    notes: str = ""
    files: Sequence[Any] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Numbers, status moves, history
# ---------------------------------------------------------------------------
def _next_number(today: dt.date) -> str:
    seq, _ = ReferralNumberSequence.objects.select_for_update().get_or_create(year=today.year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"RF{today.year % 100:02d}{seq.last:07d}"


def _event(
    referral: Referral,
    *,
    actor: Any,
    actor_kind: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_kind=actor_kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _audit(action: str, referral: Referral, actor: Any, **changes: Any) -> None:
    audit_record(
        action=f"portico.referrals.{action}",
        actor=actor,
        obj=referral,
        organization_id=referral.organization_id,
        member_ref=referral.member.member_id,
        changes=changes,
    )


def _move(
    referral: Referral, target: str, *, actor: Any, actor_kind: str, note: str = ""
) -> Referral:
    try:
        check_transition(referral, target, actor_kind)
    except TransitionNotAllowed as exc:
        raise ReferralError(exc.message, code="transition") from exc
    previous = referral.status
    referral.status = target
    referral.status_changed_at = timezone.now()
    referral.save(update_fields=["status", "status_changed_at", "updated_at"])
    _event(
        referral,
        actor=actor,
        actor_kind=actor_kind,
        from_status=previous,
        to_status=target,
        note=note,
    )
    _audit(
        "status_changed",
        referral,
        actor,
        status={"from": previous, "to": target},
        by=actor_kind,
    )
    return referral


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("member", "plan", "organization")
        .get(pk=referral.pk)
    )


# ---------------------------------------------------------------------------
# Submission
# ---------------------------------------------------------------------------
@dataclass
class _Checked:
    member: Member
    referring: Provider
    referred_to: Provider | None
    referred_to_name: str
    codes: list[str]
    visits: int
    start: dt.date
    end: dt.date


def _find_member(member_id: str, born: dt.date) -> Member | None:
    return (
        Member.objects.filter(member_id=normalize_member_id(member_id), date_of_birth=born)
        .select_related("plan")
        .prefetch_related("coverages")
        .first()
    )


def _check(request: ReferralRequest, organization: Organization, today: dt.date) -> _Checked:
    errors: dict[str, str] = {}
    member: Member | None = None
    if not request.member_id.strip():
        errors["member_id"] = "Enter the member ID from the member's card."
    if request.date_of_birth is None:
        errors["date_of_birth"] = "Enter the member's date of birth."
    if "member_id" not in errors and request.date_of_birth is not None:
        member = _find_member(request.member_id, request.date_of_birth)
        if member is None:
            errors["member_id"] = (
                "No member matches this member ID and date of birth. Check both against the "
                "member's card."
            )

    referring = None
    npi = request.referring_npi.strip()
    if not npi:
        errors["referring_npi"] = "Choose the referring PCP."
    else:
        referring = practice_providers(organization=organization).filter(npi=npi).first()
        if referring is None:
            errors["referring_npi"] = (
                "The referring PCP must be one of your practice's providers; connect the "
                "provider to the practice first."
            )

    referred_to = None
    to_npi = request.referred_to_npi.strip()
    to_name = request.referred_to_name.strip()
    try:
        validate_npi(to_npi)
    except ValidationError as exc:
        errors["referred_to_npi"] = (
            "Enter the specialist's or facility's 10-digit NPI. " + " ".join(exc.messages)
        ).strip()
    else:
        referred_to = Provider.objects.filter(npi=to_npi).first()
        if referring is not None and to_npi == referring.npi:
            errors["referred_to_npi"] = "A PCP can't refer a member to themself."
        elif referred_to is None and not to_name:
            errors["referred_to_name"] = (
                f"NPI {to_npi} is not in the plan's provider directory: enter the specialist's "
                "or facility's name."
            )
        elif referred_to is not None:
            to_name = referred_to.display_name
    name_max = Referral._meta.get_field("referred_to_name").max_length or 200
    if referred_to is None and len(to_name) > name_max and "referred_to_name" not in errors:
        # Typed by the office (the web form holds it to the same bound): refused, never cut.
        errors["referred_to_name"] = (
            f"Enter the specialist's or facility's name in at most {name_max} characters "
            f"(it has {len(to_name)})."
        )
    if request.referred_to_kind not in ReferredToKind.values:
        errors["referred_to_kind"] = "Choose whether the referral is to a specialist or a facility."
    if request.urgency not in Urgency.values:
        errors["urgency"] = "Choose the urgency: routine, urgent or emergent."

    reason = request.reason.strip()
    if not reason:
        errors["reason"] = "Enter the reason for the referral."
    elif len(reason) > 500:
        errors["reason"] = "Keep the reason to 500 characters; put more in the notes."

    codes: list[str] = []
    if not [c for c in request.diagnoses if str(c).strip()]:
        errors["diagnoses"] = "Enter at least one ICD-10-CM diagnosis code, for example M54.50."
    # The same code typed twice (M25.561, m25561) counts once, as it is stored once.
    elif (
        len({normalize_icd10_code(c) for c in request.diagnoses if str(c).strip()})
        > conf.max_diagnoses()
    ):
        errors["diagnoses"] = f"Enter at most {conf.max_diagnoses()} diagnosis codes."
    else:
        for raw in request.diagnoses:
            if not str(raw).strip():
                continue
            try:
                row = validate_icd10_code(str(raw))
            except ValidationError as exc:
                errors["diagnoses"] = exc.messages[0]
                break
            if row.code not in codes:
                codes.append(row.code)

    visits = request.visits_requested
    if visits is None:
        errors["visits_requested"] = "Enter the number of visits requested."
    elif not 1 <= visits <= conf.max_visits():
        errors["visits_requested"] = f"Request between 1 and {conf.max_visits()} visits."

    start, end = request.start_date, request.end_date
    if start is None:
        errors["start_date"] = "Enter the first date the referral covers."
    elif start < today - dt.timedelta(days=conf.max_backdate_days()):
        errors["start_date"] = (
            f"The start date can be at most {conf.max_backdate_days()} days in the past."
        )
    elif start > today + dt.timedelta(days=conf.max_advance_days()):
        errors["start_date"] = (
            f"The start date can be at most {conf.max_advance_days()} days from today."
        )
    if end is None:
        errors["end_date"] = "Enter the last date the referral covers."
    elif start is not None and end < start:
        errors["end_date"] = "The end date must be on or after the start date."
    elif start is not None and (end - start).days > conf.max_span_days():
        errors["end_date"] = f"A referral can cover at most {conf.max_span_days()} days."
    if (
        member is not None
        and start is not None
        and "start_date" not in errors
        and coverage_on(member=member, on=start) is None
    ):
        errors["member_id"] = (
            f"The member is not eligible on {start:%m/%d/%Y}: no coverage is in force "
            "on the start date."
        )
    if len(request.notes) > 4000:
        errors["notes"] = "Keep the notes to 4,000 characters."
    if len(request.files) > conf.max_attachments():
        errors["files"] = f"Attach at most {conf.max_attachments()} files."
    else:
        for upload in request.files:
            try:
                check_upload(upload)
            except UploadRejected as exc:
                if exc.code == "empty":
                    errors["files"] = empty_file_message(upload)
                else:
                    errors["files"] = f"{getattr(upload, 'name', 'File')}: {exc.messages[0]}"
                break
    if errors:
        raise ReferralInvalid(errors)
    assert member is not None and referring is not None and visits is not None
    assert start is not None and end is not None
    return _Checked(member, referring, referred_to, to_name, codes, visits, start, end)


def plan_rule_findings(referral: Referral) -> list[str]:
    """Why the plan rules send ``referral`` to staff review; empty means approve it now."""
    findings: list[str] = []
    in_network = PlanProvider.objects.filter(
        plan_id=referral.plan_id,
        provider__npi=referral.referred_to_npi,
        network=PlanProvider.Network.IN,
    ).first()
    if in_network is None:
        findings.append("The referred-to provider is not in the plan's network.")
    elif (in_network.effective_date and in_network.effective_date > referral.start_date) or (
        in_network.termination_date and in_network.termination_date < referral.end_date
    ):
        findings.append("The referred-to provider is not in network for the whole date range.")
    if referral.visits_requested > conf.auto_approve_max_visits():
        findings.append(
            f"More than {conf.auto_approve_max_visits()} visits requested "
            f"({referral.visits_requested})."
        )
    if (referral.end_date - referral.start_date).days > conf.auto_approve_max_days():
        findings.append(f"The date range is longer than {conf.auto_approve_max_days()} days.")
    if referral.urgency == Urgency.EMERGENT:
        findings.append("Emergent referrals are reviewed by a clinician the same day.")
    return findings


@transaction.atomic
@idempotent("referrals.submit", user="actor")
def referral_submit(
    *,
    organization: Organization,
    request: ReferralRequest,
    actor: Any,
    source: str = Source.PORTAL,
    trace_number: str = "",
    today: dt.date | None = None,
    idempotency_key: str = "",
) -> Referral:
    """Check and save a referral, then apply the plan rules (approve now or staff review).
    The same ``idempotency_key`` again (a resent form) returns the first referral."""
    today = today or timezone.localdate()
    checked = _check(request, organization, today)
    referral = Referral.objects.create(
        number=_next_number(today),
        organization=organization,
        member=checked.member,
        plan=checked.member.plan,
        referring_provider=checked.referring,
        referred_to_npi=request.referred_to_npi.strip(),
        referred_to_provider=checked.referred_to,
        referred_to_name=checked.referred_to_name[:200],
        referred_to_kind=request.referred_to_kind,
        reason=request.reason.strip(),
        diagnosis_codes=checked.codes,
        visits_requested=checked.visits,
        start_date=checked.start,
        end_date=checked.end,
        urgency=request.urgency,
        notes=request.notes.strip(),
        status=S.SUBMITTED,
        status_changed_at=timezone.now(),
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
        trace_number=trace_number[:50],
    )
    _event(referral, actor=actor, actor_kind=Actor.PROVIDER, to_status=S.SUBMITTED)
    _audit("submitted", referral, actor, source=source, visits=checked.visits)
    stored: list[str] = []
    try:
        for upload in request.files:
            _attach(referral, upload, actor, stored)
    except Exception:
        for key in stored:  # the rollback drops the rows; drop the stored files too
            delete_stored(key)
        raise
    referral_triage(referral=referral)
    return referral


def referral_triage(*, referral: Referral) -> Referral:
    """Apply the plan rules to a Submitted referral (inside the caller's transaction)."""
    findings = plan_rule_findings(referral)
    if findings:
        referral.review_reasons = findings
        referral.save(update_fields=["review_reasons", "updated_at"])
        return _move(
            referral,
            S.PENDING_REVIEW,
            actor=None,
            actor_kind=Actor.SYSTEM,
            note="Sent to staff review: " + " ".join(findings),
        )
    referral.auto_approved = True
    referral.visits_approved = referral.visits_requested
    referral.decided_at = timezone.now()
    referral.save(update_fields=["auto_approved", "visits_approved", "decided_at", "updated_at"])
    return _move(
        referral,
        S.APPROVED,
        actor=None,
        actor_kind=Actor.SYSTEM,
        note="Approved automatically: in-network specialist within the plan's visit limit.",
    )


def _attach(referral: Referral, upload: Any, actor: Any, stored: list[str]) -> ReferralAttachment:
    saved = store_upload(file=upload, prefix="referrals")
    stored.append(saved.key)
    row = ReferralAttachment.objects.create(
        referral=referral,
        storage_key=saved.key,
        file_name=saved.file_name,
        content_type=saved.content_type,
        size=saved.size,
        sha256=saved.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit("attachment_added", referral, actor, file_name=saved.file_name)
    return row


# ---------------------------------------------------------------------------
# Office and reviewer actions
# ---------------------------------------------------------------------------
@transaction.atomic
def referral_cancel(
    *, referral: Referral, actor: Any, actor_kind: str = Actor.PROVIDER, note: str = ""
) -> Referral:
    referral = _locked(referral)
    return _move(
        referral,
        S.CANCELLED,
        actor=actor,
        actor_kind=actor_kind,
        note=note.strip()[:1000] or "Cancelled.",
    )


@transaction.atomic
def referral_decide(
    *,
    referral: Referral,
    reviewer: Any,
    approve: bool,
    note: str = "",
    visits_approved: int | None = None,
) -> Referral:
    """A UM reviewer approves (optionally fewer visits) or denies (a reason is required)."""
    referral = _locked(referral)
    note = note.strip()
    if not approve and not note:
        raise ReferralError("Enter the reason for the denial; the office will see it.")
    if approve:
        visits = referral.visits_requested if visits_approved is None else visits_approved
        if not 1 <= visits <= referral.visits_requested:
            raise ReferralError(
                f"Approve between 1 and {referral.visits_requested} visits.", code="visits"
            )
        referral.visits_approved = visits
    referral.decision_note = note[:2000]
    referral.decided_by = reviewer
    referral.decided_at = timezone.now()
    referral.save(
        update_fields=["visits_approved", "decision_note", "decided_by", "decided_at", "updated_at"]
    )
    target = S.APPROVED if approve else S.DENIED
    return _move(referral, target, actor=reviewer, actor_kind=Actor.REVIEWER, note=note)


@transaction.atomic
def referral_view_record(
    *, referral: Referral, actor: Any, staff: bool = False, what: str = ""
) -> None:
    """Audit a view (``what``: "", "print", "x12") of a referral's PHI."""
    action = "viewed_by_staff" if staff else "viewed"
    if what:
        action = f"{what}_viewed"
    _audit(action, referral, actor)


@transaction.atomic
def referrals_record_list(
    *,
    actor: Any,
    where: str,
    numbers: Sequence[str],
    staff: bool = False,
    filters: Mapping[str, Any] | None = None,
) -> None:
    """Audit a list of referrals shown (it names the members): which referrals, and the
    filters asked for (a member ID searched for is kept here, never in a URL)."""
    changes: dict[str, Any] = {"referrals": list(numbers)}
    if asked := {k: str(v) for k, v in (filters or {}).items() if v}:
        changes["filters"] = asked
    audit_record(
        action="portico.referrals.listed_by_staff" if staff else "portico.referrals.listed",
        actor=actor,
        object_type="referrals.referral",
        object_repr=where,
        changes=changes,
    )


@transaction.atomic
def referral_attachment_download_record(*, attachment: ReferralAttachment, actor: Any) -> None:
    _audit(
        "attachment_downloaded",
        attachment.referral,
        actor,
        file_name=attachment.file_name,
    )


@transaction.atomic
def referrals_expire(*, today: dt.date | None = None) -> int:
    """Expire referrals whose end date has passed (the nightly task); returns how many."""
    today = today or timezone.localdate()
    due = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("member")
        .filter(
            status__in=[S.SUBMITTED, S.PENDING_REVIEW, S.APPROVED],
            end_date__lt=today,
        )
    )
    count = 0
    for referral in due:
        _move(
            referral,
            S.EXPIRED,
            actor=None,
            actor_kind=Actor.SYSTEM,
            note=f"The referral's end date ({referral.end_date:%m/%d/%Y}) has passed.",
        )
        count += 1
    return count


# ---------------------------------------------------------------------------
# For claims adjudication (claims imports these; referrals never imports claims)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ReferralCheck:
    """The answer to "may this claim line use this referral?".

    ``code`` is stable for adjudication rules: ``ok``, ``not_found``, ``member_mismatch``,
    ``provider_mismatch``, ``not_approved``, ``out_of_range``, ``no_visits_left``. ``message``
    is readable text for an examiner or a remittance remark.
    """

    ok: bool
    code: str
    message: str
    referral: Referral | None = None
    visits_remaining: int = 0


def _normalize_number(number: str) -> str:
    return "".join(str(number).split()).upper()


def referral_check_for_claim(
    *, referral_number: str, member: Member, provider_npi: str, service_date: dt.date
) -> ReferralCheck:
    """Check a claim's referral number against the member, rendering NPI and date of service.

    Read-only: it counts nothing (``referral_record_use`` does, once the claim is paid).
    """
    number = _normalize_number(referral_number)
    referral = (
        Referral.objects.select_related("member").filter(number=number).first() if number else None
    )
    if referral is None:
        return ReferralCheck(False, "not_found", f"Referral {number or '(blank)'} not found.")
    remaining = referral.visits_remaining
    if referral.member_id != member.pk:
        return ReferralCheck(
            False, "member_mismatch", f"Referral {number} is for another member.", referral
        )
    if referral.referred_to_npi != str(provider_npi).strip():
        return ReferralCheck(
            False,
            "provider_mismatch",
            f"Referral {number} refers the member to NPI {referral.referred_to_npi}, not "
            f"{provider_npi}.",
            referral,
            remaining,
        )
    if referral.status == S.USED or (referral.status == S.APPROVED and remaining == 0):
        return ReferralCheck(
            False,
            "no_visits_left",
            f"All {referral.visits_approved} approved visits of referral {number} are used.",
            referral,
        )
    if referral.status not in (S.APPROVED, S.EXPIRED):
        return ReferralCheck(
            False,
            "not_approved",
            f"Referral {number} is {referral.get_status_display()}, not approved.",
            referral,
        )
    if not referral.in_range(service_date):
        return ReferralCheck(
            False,
            "out_of_range",
            f"The date of service {service_date:%m/%d/%Y} is outside referral {number}'s "
            f"dates ({referral.start_date:%m/%d/%Y}–{referral.end_date:%m/%d/%Y}).",
            referral,
            remaining,
        )
    # An expired referral still covers services inside its dates (claims arrive late).
    return ReferralCheck(True, "ok", f"Referral {number} covers this visit.", referral, remaining)


@transaction.atomic
def referral_record_use(
    *,
    referral_number: str,
    claim_reference: str,
    service_date: dt.date,
    visits: int = 1,
    actor: Any = None,
) -> Referral:
    """Count a paid claim's visits against the referral (once per ``claim_reference``).

    Calling it again for the same claim changes nothing. When the approved visits are all
    used the referral becomes Used. Raises ``ReferralError`` when the referral is unknown.
    """
    number = _normalize_number(referral_number)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("member")
        .filter(number=number)
        .first()
    )
    if referral is None:
        raise ReferralError(f"Referral {number} not found.", code="not_found")
    if visits < 1:
        raise ReferralError("Count at least one visit.")
    use, created = ReferralUse.objects.get_or_create(
        referral=referral,
        claim_reference=str(claim_reference)[:50],
        defaults={"service_date": service_date, "visits": visits, "recorded_at": timezone.now()},
    )
    if not created:
        return referral
    referral.visits_used = min(999, referral.visits_used + visits)
    referral.save(update_fields=["visits_used", "updated_at"])
    _event(
        referral,
        actor=actor,
        actor_kind=Actor.SYSTEM,
        note=(
            f"{counted(visits, 'visit')} on {service_date:%m/%d/%Y} counted from claim "
            f"{claim_reference}."
        ),
    )
    _audit("use_recorded", referral, actor, claim=use.claim_reference, visits=visits)
    if referral.status == S.APPROVED and referral.visits_used >= referral.visits_approved:
        _move(
            referral,
            S.USED,
            actor=actor,
            actor_kind=Actor.SYSTEM,
            note="All approved visits are used.",
        )
    return referral


@transaction.atomic
def referral_release_use(
    *, referral_number: str, claim_reference: str, actor: Any = None
) -> Referral:
    """Undo ``referral_record_use`` for a claim that was reversed or voided."""
    number = _normalize_number(referral_number)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("member")
        .filter(number=number)
        .first()
    )
    if referral is None:
        raise ReferralError(f"Referral {number} not found.", code="not_found")
    use = ReferralUse.objects.filter(referral=referral, claim_reference=claim_reference).first()
    if use is None:
        return referral
    referral.visits_used = max(0, referral.visits_used - use.visits)
    referral.save(update_fields=["visits_used", "updated_at"])
    use.delete()
    _event(
        referral,
        actor=actor,
        actor_kind=Actor.SYSTEM,
        note=f"Visits from claim {claim_reference} released.",
    )
    _audit("use_released", referral, actor, claim=claim_reference)
    if referral.status == S.USED and referral.visits_used < referral.visits_approved:
        _move(referral, S.APPROVED, actor=actor, actor_kind=Actor.SYSTEM, note="Visits released.")
    return referral
