"""Cases: create, comment, attach, status, assign, merge; each write in one transaction
with its audit event.

Emails to the customer are scheduled with ``transaction.on_commit`` and carry no PHI: the
case number and a link to sign in, never the subject, patient or comment text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.idempotency import idempotent, run_once
from portico.core.uploads import (
    StoredUpload,
    UploadRejected,
    removes_uploads_on_failure,
    store_upload,
)
from portico.support import conf
from portico.support.models import (
    Actor,
    Case,
    CaseAttachment,
    CaseComment,
    CaseEvent,
    CaseNumberSequence,
    CaseStatus,
    CustomerUser,
)
from portico.support.services._common import (
    SupportError,
)
from portico.support.transitions import TransitionNotAllowed, check_transition
from portico.support.validators import (
    normalize_account_number,
    normalize_member_id,
    normalize_payer_id,
    parse_billed_amount,
)

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimDetails:
    payer_id: str
    patient_name: str
    member_id: str
    billed_amount: Decimal
    date_submitted: dt.date
    service_date: dt.date | None = None
    statement_from: dt.date | None = None
    statement_to: dt.date | None = None
    patient_account_number: str = ""


def _validate_claim(claim: ClaimDetails, *, today: dt.date) -> dict[str, Any]:
    """Normalised claim fields; raises SupportError on the first problem (forms check first)."""
    try:
        values: dict[str, Any] = {
            "payer_id": normalize_payer_id(claim.payer_id),
            "member_id": normalize_member_id(claim.member_id),
            "billed_amount": parse_billed_amount(claim.billed_amount),
            "patient_account_number": normalize_account_number(claim.patient_account_number),
        }
    except ValidationError as exc:
        raise SupportError(" ".join(exc.messages)) from exc
    patient = " ".join((claim.patient_name or "").split())
    if not patient:
        raise SupportError("Enter the subscriber or patient name.")
    values["patient_name"] = patient[:120]
    dates = [d for d in (claim.service_date, claim.statement_from, claim.statement_to) if d]
    if claim.service_date is None and not (claim.statement_from and claim.statement_to):
        raise SupportError("Enter the date of service, or both statement dates.")
    if any(d > today for d in dates):
        raise SupportError("The date of service can't be in the future.")
    if any(d.year < 1900 for d in (*dates, claim.date_submitted)):
        raise SupportError("Enter dates in 1900 or later.")
    if claim.statement_from and claim.statement_to and claim.statement_from > claim.statement_to:
        raise SupportError("The statement 'from' date must be on or before the 'to' date.")
    if claim.date_submitted > today:
        raise SupportError("The date submitted can't be in the future.")
    if dates and claim.date_submitted < min(dates):
        raise SupportError("The date submitted can't be before the date of service.")
    values.update(
        service_date=claim.service_date,
        statement_from=claim.statement_from,
        statement_to=claim.statement_to,
        date_submitted=claim.date_submitted,
    )
    return values


def _next_case_number(now: dt.datetime) -> str:
    year = timezone.localdate(now).year
    CaseNumberSequence.objects.get_or_create(year=year)
    seq = CaseNumberSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{conf.case_number_prefix()}-{year}-{seq.last:06d}"


def _case_url(case: Case, *, staff: bool = False) -> str:
    name = "support:staff_case" if staff else "support:case_detail"
    return settings.PORTICO_BASE_URL.rstrip("/") + reverse(name, kwargs={"number": case.number})


def _email_customer(case: Case, *, template: str, subject: str) -> None:
    """Schedule an email to the customer who opened the case (after commit; no PHI)."""
    user = case.customer.portico_user
    email = getattr(user, "email", "")
    if not email:
        return
    context = {
        "case_number": case.number,
        "case_url": _case_url(case),
        "customer_name": case.customer.full_name,
        "status": case.get_status_display(),
        "contact": conf.contact(),
        "site_name": settings.PORTICO_BRAND.get("site_name", "Portico"),
    }
    body = render_to_string(f"support/email/{template}.txt", context)

    def send() -> None:
        send_mail(subject, body, None, [email])

    transaction.on_commit(send)


def _add_event(
    case: Case,
    *,
    kind: str,
    actor: Any,
    actor_kind: str,
    from_status: str = "",
    to_status: str = "",
    related_case: Case | None = None,
    note: str = "",
    is_internal: bool = False,
    now: dt.datetime | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_kind=actor_kind,
        from_status=from_status,
        to_status=to_status,
        related_case=related_case,
        note=note[:255],
        is_internal=is_internal,
        created_at=now or timezone.now(),
    )


def _actor_name(actor: Any, actor_kind: str, case: Case) -> str:
    if actor_kind == Actor.CUSTOMER:
        customer = getattr(actor, "support_customer", None)
        if customer is not None:
            return customer.full_name
        return case.customer.full_name
    if actor_kind == Actor.AGENT:
        full = actor.get_full_name() if actor is not None else ""
        return f"{full or actor.get_username()} (Customer Support)" if actor else "Customer Support"
    return "System"


@transaction.atomic
@idempotent("support.case_create", user="actor")
def case_create(
    *,
    customer: CustomerUser,
    actor: Any,
    case_type: str,
    subject: str,
    description: str,
    claim: ClaimDetails | None = None,
    today: dt.date | None = None,
    idempotency_key: str = "",
) -> Case:
    """Open a case. The same ``idempotency_key`` again (the Create Case form sent twice)
    returns the first case: one case, one confirmation email."""
    if not conf.is_case_type(case_type):
        raise SupportError("Choose a type of case.")
    subject = " ".join((subject or "").split())[:255]
    description = (description or "").strip()
    if not subject or not description:
        raise SupportError("Enter a subject and a description.")
    fields: dict[str, Any] = {}
    if case_type == conf.CLAIM_CASE_TYPE:
        if claim is None:
            raise SupportError("Enter the claim's details.")
        fields = _validate_claim(claim, today=today or timezone.localdate())
    elif claim is not None:
        raise SupportError("Only claim cases have claim details.")
    now = timezone.now()
    case = Case.objects.create(
        number=_next_case_number(now),
        organization=customer.organization,
        customer=customer,
        created_by=actor,
        case_type=case_type,
        status=CaseStatus.NEW,
        status_changed_at=now,
        subject=subject,
        description=description,
        last_activity_at=now,
        created_at=now,
        **fields,
    )
    _add_event(
        case,
        kind=CaseEvent.Kind.CREATED,
        actor=actor,
        actor_kind=Actor.CUSTOMER,
        to_status=CaseStatus.NEW,
        now=now,
    )
    audit_record(
        action="portico.support.case_created",
        actor=actor,
        obj=case,
        organization_id=case.organization_id,
        member_ref=fields.get("member_id", ""),
        changes={"case_type": case_type},
    )
    _email_customer(case, template="case_created", subject=f"Case {case.number} was created")
    return case


def _touch(case: Case, now: dt.datetime) -> None:
    case.last_activity_at = now
    case.save(update_fields=["last_activity_at", "updated_at"])


def _set_status(
    case: Case, *, status: str, actor: Any, actor_kind: str, note: str = "", now: dt.datetime
) -> CaseEvent:
    check_transition(case, status, actor_kind, now=now)
    before = case.status
    case.status = status
    case.status_changed_at = now
    case.last_activity_at = now
    if status == CaseStatus.CLOSED:
        case.closed_at = now
    elif before == CaseStatus.CLOSED:
        case.closed_at = None
    case.save(
        update_fields=["status", "status_changed_at", "last_activity_at", "closed_at", "updated_at"]
    )
    event = _add_event(
        case,
        kind=CaseEvent.Kind.STATUS,
        actor=actor,
        actor_kind=actor_kind,
        from_status=before,
        to_status=status,
        note=note,
        now=now,
    )
    audit_record(
        action="portico.support.case_status_changed",
        actor=actor,
        obj=case,
        organization_id=case.organization_id,
        changes={"status": {"from": before, "to": status}},
    )
    return event


@transaction.atomic
@idempotent("support.comment", user="actor")
def case_comment_add(
    *,
    case: Case,
    actor: Any,
    actor_kind: str,
    body: str,
    is_internal: bool = False,
    new_status: str = "",
    idempotency_key: str = "",
) -> CaseComment:
    """A comment on the case: by the customer, or a public reply / internal note by an agent.

    A customer comment on a Waiting or Resolved case moves it back to Working; a comment on
    a Closed case is refused (the customer reopens it first). An agent's first public reply
    to a New case moves it to Working unless the agent chose another status. The same
    ``idempotency_key`` again (the form sent twice) returns the first comment.
    """
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer__portico_user")
        .get(pk=case.pk)
    )
    body = (body or "").strip()
    if not body:
        raise SupportError("Type a comment before saving.", code="empty")
    if actor_kind not in (Actor.CUSTOMER, Actor.AGENT):
        raise SupportError("Unknown author.")
    if is_internal and actor_kind != Actor.AGENT:
        raise SupportError("Only Customer Support can write internal notes.")
    if actor_kind == Actor.CUSTOMER and case.status == CaseStatus.CLOSED:
        raise SupportError("This case is closed. Reopen it to add a comment.", code="closed")
    now = timezone.now()
    comment = CaseComment.objects.create(
        case=case,
        author=actor,
        author_kind=actor_kind,
        author_name=_actor_name(actor, actor_kind, case)[:150],
        body=body,
        is_internal=is_internal,
        created_at=now,
    )
    audit_record(
        action=(
            "portico.support.internal_note_added"
            if is_internal
            else "portico.support.comment_added"
        ),
        actor=actor,
        obj=case,
        organization_id=case.organization_id,
        changes={"comment_id": comment.pk, "author_kind": actor_kind},
    )
    target = new_status
    if (
        not target
        and actor_kind == Actor.CUSTOMER
        and case.status
        in (
            CaseStatus.WAITING,
            CaseStatus.RESOLVED,
        )
    ):
        target = CaseStatus.WORKING
    if (
        not target
        and actor_kind == Actor.AGENT
        and not is_internal
        and case.status == CaseStatus.NEW
    ):
        target = CaseStatus.WORKING
    try:
        if target and target != case.status:
            _set_status(case, status=target, actor=actor, actor_kind=actor_kind, now=now)
        else:
            _touch(case, now)
    except TransitionNotAllowed as exc:
        raise SupportError(exc.message, code="transition") from exc
    if actor_kind == Actor.AGENT and not is_internal:
        _email_customer(
            case, template="agent_reply", subject=f"Case {case.number}: Customer Support replied"
        )
    return comment


def case_attachment_add(
    *, case: Case, actor: Any, actor_kind: str, file: Any, idempotency_key: str = ""
) -> CaseAttachment:
    """One file (the API's ``file`` field); see ``case_attachments_add``."""
    return case_attachments_add(
        case=case,
        actor=actor,
        actor_kind=actor_kind,
        files=[file],
        idempotency_key=idempotency_key,
    )[0]


@removes_uploads_on_failure
def case_attachments_add(
    *,
    case: Case,
    actor: Any,
    actor_kind: str,
    files: Sequence[Any],
    idempotency_key: str = "",
) -> list[CaseAttachment]:
    """Store every file (each validated by content) and record them, all or nothing.

    A refused file (``UploadRejected``, naming it) or any other failure stores and records
    none of them: files already stored are removed (``removes_uploads_on_failure``). A
    customer's files on a Waiting or Resolved case move it back to Working once; each file
    has its own audit event. The same ``idempotency_key`` again (the form sent twice, an API
    retry) stores nothing and returns the files saved the first time.
    """
    files = list(files)
    if not files:
        raise SupportError("Choose at least one file.", code="no_files")
    if actor_kind == Actor.CUSTOMER and case.status == CaseStatus.CLOSED:
        raise SupportError("This case is closed. Reopen it to attach files.", code="closed")
    saved: list[CaseAttachment] = []

    def write() -> CaseAttachment:
        saved.extend(_attachments_write(case=case, actor=actor, actor_kind=actor_kind, files=files))
        return saved[0]

    made = run_once(user=actor, scope="support.attachments", key=idempotency_key, create=write)
    if not made.replayed:
        return saved
    first = made.obj
    if first.case_id != case.pk:
        raise SupportError("These files were already attached to another case.", code="key_reused")
    # The files of one submission share their case, author and time.
    return list(
        CaseAttachment.objects.filter(
            case_id=first.case_id,
            author_kind=first.author_kind,
            uploaded_by_id=first.uploaded_by_id,
            created_at=first.created_at,
        ).order_by("pk")
    )


def _attachments_write(
    *, case: Case, actor: Any, actor_kind: str, files: list[Any]
) -> list[CaseAttachment]:
    stored: list[StoredUpload] = []
    for file in files:
        try:
            stored.append(store_upload(file=file, prefix="support"))
        except UploadRejected as exc:
            raise UploadRejected.naming(file, exc) from exc
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if actor_kind == Actor.CUSTOMER and locked.status == CaseStatus.CLOSED:
            raise SupportError("This case is closed. Reopen it to attach files.", code="closed")
        now = timezone.now()
        author_name = _actor_name(actor, actor_kind, locked)[:150]
        rows = []
        for item in stored:
            row = CaseAttachment.objects.create(
                case=locked,
                uploaded_by=actor,
                author_kind=actor_kind,
                author_name=author_name,
                storage_key=item.key,
                file_name=item.file_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                created_at=now,
            )
            audit_record(
                action="portico.support.attachment_added",
                actor=actor,
                obj=locked,
                organization_id=locked.organization_id,
                changes={
                    "attachment_id": row.pk,
                    "file_name": row.file_name,
                    "size": row.size,
                },
            )
            rows.append(row)
        if actor_kind == Actor.CUSTOMER and locked.status in (
            CaseStatus.WAITING,
            CaseStatus.RESOLVED,
        ):
            _set_status(
                locked, status=CaseStatus.WORKING, actor=actor, actor_kind=actor_kind, now=now
            )
        else:
            _touch(locked, now)
    return rows


@transaction.atomic
def case_reopen(*, case: Case, actor: Any, actor_kind: str = Actor.CUSTOMER) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("merged_into").get(pk=case.pk)
    )
    if case.status != CaseStatus.CLOSED:  # reopened already (another tab, a colleague)
        raise SupportError(
            f"Case {case.number} is already open ({case.get_status_display()}).", code="open"
        )
    try:
        _set_status(
            case, status=CaseStatus.WORKING, actor=actor, actor_kind=actor_kind, now=timezone.now()
        )
    except TransitionNotAllowed as exc:
        raise SupportError(exc.message, code="transition") from exc
    return case


def _check_unchanged(case: Case, seen: dt.datetime | None) -> None:
    """Optimistic concurrency for agents' decisions: refuse when the locked case changed after
    the agent loaded the page they decided on (``seen`` = the case's ``updated_at`` then)."""
    if seen is not None and case.updated_at > seen:
        raise SupportError(
            f"Case {case.number} was changed by someone else since you opened it. Review the "
            "latest timeline below, then try again.",
            code="stale",
        )


@transaction.atomic
def case_status_change(
    *, case: Case, actor: Any, status: str, note: str = "", seen: dt.datetime | None = None
) -> Case:
    """An agent changes the status (the customer is emailed about the new status)."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer__portico_user", "merged_into")
        .get(pk=case.pk)
    )
    _check_unchanged(case, seen)
    try:
        _set_status(
            case,
            status=status,
            actor=actor,
            actor_kind=Actor.AGENT,
            note=note,
            now=timezone.now(),
        )
    except TransitionNotAllowed as exc:
        raise SupportError(exc.message, code="transition") from exc
    _email_customer(
        case,
        template="status_changed",
        subject=f"Case {case.number} is now {case.get_status_display()}",
    )
    return case


@transaction.atomic
def case_assign(*, case: Case, actor: Any, assignee: Any, seen: dt.datetime | None = None) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_unchanged(case, seen)
    before = case.assignee
    if before == assignee:
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    label = assignee.get_full_name() or assignee.get_username() if assignee else "nobody"
    _add_event(
        case,
        kind=CaseEvent.Kind.ASSIGNED,
        actor=actor,
        actor_kind=Actor.AGENT,
        note=f"Assigned to {label}",
        is_internal=True,
    )
    audit_record(
        action="portico.support.case_assigned",
        actor=actor,
        obj=case,
        organization_id=case.organization_id,
        changes={
            "assignee": {
                "from": before.get_username() if before else None,
                "to": assignee.get_username() if assignee else None,
            }
        },
    )
    return case


@transaction.atomic
def case_merge(
    *, duplicate: Case, survivor: Case, actor: Any, seen: dt.datetime | None = None
) -> Case:
    """Close ``duplicate`` as merged into ``survivor``; its timeline shows on the survivor."""
    if duplicate.pk == survivor.pk:
        raise SupportError("A case can't be merged into itself.")
    locked = {
        c.pk: c
        for c in Case.objects.select_for_update(of=("self",))
        .select_related("customer__portico_user")
        .filter(pk__in=[duplicate.pk, survivor.pk])
    }
    duplicate, survivor = locked[duplicate.pk], locked[survivor.pk]
    _check_unchanged(duplicate, seen)
    if duplicate.organization_id != survivor.organization_id:
        raise SupportError("Only cases of the same customer can be merged.")
    if duplicate.merged_into_id is not None:
        raise SupportError(f"{duplicate.number} is already merged.")
    if survivor.merged_into_id is not None or survivor.status == CaseStatus.CLOSED:
        raise SupportError(f"{survivor.number} is closed; merge into an open case.")
    now = timezone.now()
    if duplicate.status != CaseStatus.CLOSED:
        try:
            _set_status(
                duplicate,
                status=CaseStatus.CLOSED,
                actor=actor,
                actor_kind=Actor.AGENT,
                note=f"Duplicate of {survivor.number}",
                now=now,
            )
        except TransitionNotAllowed as exc:
            raise SupportError(exc.message, code="transition") from exc
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    _add_event(
        duplicate,
        kind=CaseEvent.Kind.MERGED,
        actor=actor,
        actor_kind=Actor.AGENT,
        related_case=survivor,
        note=f"Merged into {survivor.number}",
        now=now,
    )
    _add_event(
        survivor,
        kind=CaseEvent.Kind.MERGED,
        actor=actor,
        actor_kind=Actor.AGENT,
        related_case=duplicate,
        note=f"{duplicate.number} merged into this case",
        now=now,
    )
    _touch(survivor, now)
    audit_record(
        action="portico.support.case_merged",
        actor=actor,
        obj=duplicate,
        organization_id=duplicate.organization_id,
        changes={"merged_into": survivor.number},
    )
    _email_customer(
        duplicate,
        template="case_merged",
        subject=f"Case {duplicate.number} was merged into {survivor.number}",
    )
    return survivor


@transaction.atomic
def case_view_record(*, case: Case, actor: Any, staff: bool = False) -> None:
    """Audit that someone viewed a case (its claim fields are PHI)."""
    audit_record(
        action="portico.support.case_viewed_by_staff" if staff else "portico.support.case_viewed",
        actor=actor,
        obj=case,
        organization_id=case.organization_id,
        member_ref=case.member_id,
    )


@transaction.atomic
def attachment_download_record(*, attachment: CaseAttachment, actor: Any) -> None:
    audit_record(
        action="portico.support.attachment_downloaded",
        actor=actor,
        obj=attachment.case,
        organization_id=attachment.case.organization_id,
        changes={"attachment_id": attachment.pk},
    )
