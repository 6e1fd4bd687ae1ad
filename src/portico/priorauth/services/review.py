"""The utilization-review side: assign, In Review, send back, pend, decide, withdraw, fax.

Every action takes the ``version`` the reviewer's page showed (optimistic locking: a second
reviewer acting on a stale page gets ``StaleRequest``). Decisions, pends, withdrawals and
send-backs post their letter in the same transaction through ``portico.documents``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.documents.services import document_create
from portico.identity.roles import StaffRole, has_staff_role
from portico.priorauth import letters, transitions
from portico.priorauth.models import (
    WITHDRAWN,
    LineDecision,
    PriorAuthRequest,
    RequestEvent,
    RequestLine,
    Status,
    Urgency,
)
from portico.priorauth.services.common import (
    PriorAuthError,
    add_event,
    audit,
    change_status,
    lock,
    notify_status,
    plan_settings,
    save,
)
from portico.priorauth.services.requests import RequestInvalid


def _actor(user: Any) -> str:
    actor = transitions.staff_actor(user)
    if actor is None:
        raise PriorAuthError("Utilization-management reviewers only.", code="forbidden")
    return actor


def post_letter(
    row: PriorAuthRequest, letter: letters.LetterType, *, actor: Any, message: str = ""
) -> None:
    """Render the letter and hand it to the documents app (same transaction)."""
    settings_row = plan_settings(row.plan)
    data = letters.render_letter(row, letter, settings_row=settings_row, message=message)
    mailed = letter.mailed or row.organization is None
    document_create(
        organization=row.organization,
        member=row.member,
        kind=letter.kind,
        title=f"{letter.title} - {row.reference}",
        pdf=data,
        subject_app="priorauth",
        subject_type="request",
        subject_id=str(row.pk),
        delivery="mail" if mailed else "portal",
        # Mailed to whom the letter is addressed (the provider's letter never to the member).
        mail_to=letters.recipient(row, letter) if mailed else "",
        created_by=actor,
        file_name=f"{row.reference}-{letter.kind}.pdf",
    )
    add_event(
        row,
        kind=RequestEvent.Kind.LETTER,
        actor=actor,
        by_staff=True,
        message=f"{letter.title} letter {'queued for mail' if letter.mailed else 'posted'}.",
        internal=letter.mailed,
    )


@transaction.atomic
def priorauth_assign(
    *, request: PriorAuthRequest, actor: Any, assignee: Any, version: int
) -> PriorAuthRequest:
    _actor(actor)
    if assignee is not None and transitions.staff_actor(assignee) is None:
        raise PriorAuthError("Requests can be assigned to UM reviewers only.")
    row = lock(request, expected_version=version)
    if row.is_final:
        raise PriorAuthError("This request is closed (decided or withdrawn).")
    row.assigned_to = assignee
    save(row, "assigned_to")
    add_event(
        row,
        kind=RequestEvent.Kind.ASSIGNED,
        actor=actor,
        by_staff=True,
        internal=True,
        message=f"Assigned to {assignee.get_full_name() or assignee.username}"
        if assignee
        else "Unassigned",
    )
    audit(row, "assigned", actor, assignee=getattr(assignee, "pk", None))
    return row


@transaction.atomic
def priorauth_start_review(
    *, request: PriorAuthRequest, actor: Any, version: int
) -> PriorAuthRequest:
    who = _actor(actor)
    row = lock(request, expected_version=version)
    transitions.check(row.state, Status.IN_REVIEW, who)
    change_status(row, to=Status.IN_REVIEW, actor=actor, by_staff=True)
    if row.assigned_to_id is None:
        row.assigned_to = actor
    save(row, "status", "assigned_to")
    audit(row, "review_started", actor)
    return row


@transaction.atomic
def priorauth_send_back(
    *, request: PriorAuthRequest, actor: Any, message: str, version: int
) -> PriorAuthRequest:
    """Ask the office for specific information (Send back + Lack of Information letter)."""
    who = _actor(actor)
    if not message.strip():
        raise PriorAuthError("Say exactly what information the office must send.")
    row = lock(request, expected_version=version)
    transitions.check(row.state, Status.SEND_BACK, who)
    row.send_back_message = message.strip()
    change_status(
        row,
        to=Status.SEND_BACK,
        actor=actor,
        by_staff=True,
        kind=RequestEvent.Kind.SENT_BACK,
        message=message.strip(),
    )
    save(row, "status", "send_back_message")
    post_letter(row, letters.LACK_OF_INFO, actor=actor, message=message.strip())
    audit(row, "sent_back", actor)
    return row


@transaction.atomic
def priorauth_pend(
    *, request: PriorAuthRequest, actor: Any, reason: str, version: int
) -> PriorAuthRequest:
    """Pend the review (e.g. waiting for a peer-to-peer); status stays, a Pend letter posts."""
    _actor(actor)
    if not reason.strip():
        raise PriorAuthError("Give the reason the request is pended.")
    row = lock(request, expected_version=version)
    if row.state not in (Status.RECEIVED, Status.IN_REVIEW):
        raise PriorAuthError("Only requests waiting for review or in review can be pended.")
    row.pended_at = timezone.now()
    row.pend_reason = reason.strip()
    save(row, "pended_at", "pend_reason")
    add_event(
        row, kind=RequestEvent.Kind.PENDED, actor=actor, by_staff=True, message=reason.strip()
    )
    post_letter(row, letters.PEND, actor=actor, message=reason.strip())
    audit(row, "pended", actor)
    return row


@transaction.atomic
def priorauth_withdraw(
    *, request: PriorAuthRequest, actor: Any, reason: str, version: int
) -> PriorAuthRequest:
    """Administrative withdrawal: closed without a clinical decision (decision 0021)."""
    who = _actor(actor)
    if not reason.strip():
        raise PriorAuthError("Give the reason for the administrative withdrawal.")
    row = lock(request, expected_version=version)
    if not transitions.may(row.state, WITHDRAWN, who):
        raise PriorAuthError("Only open requests can be withdrawn.")
    row.withdrawn_at = timezone.now()
    row.withdrawal_reason = reason.strip()
    save(row, "withdrawn_at", "withdrawal_reason")
    add_event(
        row, kind=RequestEvent.Kind.WITHDRAWN, actor=actor, by_staff=True, message=reason.strip()
    )
    post_letter(row, letters.WITHDRAWAL, actor=actor, message=reason.strip())
    audit(row, "withdrawn", actor)
    notify_status(row, old_status=row.status, label=row.status_label)
    return row


@dataclass
class LineDecisionInput:
    line_no: int
    decision: str  # approved | denied
    approved_units: int | None = None
    approved_start: dt.date | None = None
    approved_end: dt.date | None = None
    deny_reason: str = ""
    criteria: str = ""


def _auth_number(row: PriorAuthRequest, line: RequestLine) -> str:
    return f"A{row.reference[2:]}{line.line_no:02d}{secrets.randbelow(100):02d}"


@transaction.atomic
def priorauth_decide(
    *,
    request: PriorAuthRequest,
    actor: Any,
    decisions: list[LineDecisionInput],
    version: int,
    note: str = "",
) -> PriorAuthRequest:
    """Decide every undecided line. The request becomes Approved, Denied or Partially
    Approved; the determination letter (and, for an adverse one, the mailed member letter)
    is produced in the same transaction."""
    who = _actor(actor)
    row = lock(request, expected_version=version)
    transitions.check_not_withdrawn(row.state)
    lines = {ln.line_no: ln for ln in row.lines.select_for_update().all()}
    open_lines = {n for n, ln in lines.items() if ln.decision == LineDecision.PENDING}
    given = {d.line_no: d for d in decisions}
    errors: dict[str, list[str]] = {}
    missing = open_lines - set(given)
    if missing:
        errors["lines"] = [f"Decide line {n}." for n in sorted(missing)]
    for number, item in given.items():
        line = lines.get(number)
        # Keyed line-<n>-<field> so that the page shows each message at its field.
        key = f"line-{number}-"
        if line is None or number not in open_lines:
            errors[key + "decision"] = [f"Line {number} is not open for a decision."]
            continue
        if item.decision == LineDecision.APPROVED:
            units = item.approved_units if item.approved_units is not None else line.units
            start = item.approved_start or line.start_date
            end = item.approved_end or line.end_date
            if units < 1 or units > line.units:
                errors[key + "approved_units"] = [
                    f"Approve between 1 and {line.units} units on line {number}."
                ]
            elif end < start or start < line.start_date or end > line.end_date:
                field = "approved_start" if start < line.start_date else "approved_end"
                errors[key + field] = [
                    f"The approved dates on line {number} must lie within the requested dates."
                ]
        elif item.decision == LineDecision.DENIED:
            if not has_staff_role(actor, StaffRole.CLINICAL_REVIEWER):
                errors[key + "decision"] = ["Only clinical reviewers may deny a service."]
            elif not item.deny_reason.strip() or not item.criteria.strip():
                field = "deny_reason" if not item.deny_reason.strip() else "criteria"
                errors[key + field] = [
                    f"Give the reason and the criteria cited for denying line {number}."
                ]
        else:
            errors[key + "decision"] = [f"Choose approve or deny for line {number}."]
    if errors:
        raise RequestInvalid(errors)
    partial = False
    for number, item in given.items():
        line = lines[number]
        line.decision = item.decision
        if item.decision == LineDecision.APPROVED:
            line.approved_units = (
                item.approved_units if item.approved_units is not None else line.units
            )
            line.approved_start = item.approved_start or line.start_date
            line.approved_end = item.approved_end or line.end_date
            line.auth_number = _auth_number(row, line)
            partial = partial or line.is_partial
        else:
            line.deny_reason = item.deny_reason.strip()
            line.criteria = item.criteria.strip()
        line.save()
    decided = [ln for ln in lines.values() if ln.decision != LineDecision.NOT_REQUIRED]
    approved = [ln for ln in decided if ln.decision == LineDecision.APPROVED]
    if len(approved) == len(decided) and not partial:
        target = Status.APPROVED
    elif not approved:
        target = Status.DENIED
    else:
        target = Status.PARTIALLY_APPROVED
    transitions.check(row.state, target, who)
    change_status(
        row,
        to=target,
        actor=actor,
        by_staff=True,
        kind=RequestEvent.Kind.DECIDED,
        message=note.strip(),
    )
    row.decided_at = timezone.now()
    save(row, "status", "decided_at")
    if target == Status.APPROVED:
        letter = letters.EXPEDITED if row.urgency == Urgency.EXPEDITED else letters.APPROVAL
    elif target == Status.DENIED:
        letter = letters.ADVERSE_FULL
    else:
        letter = letters.ADVERSE_PARTIAL
    post_letter(row, letter, actor=actor, message=note.strip())
    if target != Status.APPROVED:
        post_letter(row, letters.MEMBER, actor=actor, message=note.strip())
    audit(row, "decided", actor, status=target, lines={n: d.decision for n, d in given.items()})
    return row
