"""Shared pieces of the prior-authorization services: errors, locking, history, email."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portico.core.audit import audit_record
from portico.members.models import HealthPlan
from portico.priorauth.models import (
    PlanPriorAuthSettings,
    PriorAuthRequest,
    RequestEvent,
    Status,
)


class PriorAuthError(Exception):
    """A refused write; ``message`` is safe to show to the person who asked for it."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class StaleRequest(PriorAuthError):
    """The request changed since the page was rendered (optimistic lock)."""

    def __init__(self, request: PriorAuthRequest) -> None:
        super().__init__(
            f"Request {request.reference} was changed by someone else while you were working "
            "on it (it is now "
            f"{request.status_label}). Review the current version and try again.",
            code="stale",
        )


def plan_settings(plan: HealthPlan) -> PlanPriorAuthSettings:
    """The plan's settings, or unsaved defaults when the plan has none."""
    found = (
        PlanPriorAuthSettings.objects.select_related("plan", "program").filter(plan=plan).first()
    )
    return found or PlanPriorAuthSettings(plan=plan, um_organization_name=plan.name)


def new_reference() -> str:
    year = timezone.now().strftime("%y")
    while True:
        reference = f"PA{year}{secrets.randbelow(10**7):07d}"
        if not PriorAuthRequest.objects.filter(reference=reference).exists():
            return reference


def lock(request: PriorAuthRequest, *, expected_version: int | None = None) -> PriorAuthRequest:
    row = PriorAuthRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if expected_version is not None and row.version != expected_version:
        raise StaleRequest(row)
    return row


def save(row: PriorAuthRequest, *fields: str) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version", "updated_at"])


def add_event(
    row: PriorAuthRequest,
    *,
    kind: str,
    actor: Any,
    by_staff: bool,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    internal: bool = False,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=row,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        by_staff=by_staff,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        message=message,
        internal=internal,
    )


def audit(row: PriorAuthRequest, action: str, actor: Any, **changes: Any) -> None:
    audit_record(
        action=f"portico.priorauth.{action}",
        actor=actor,
        obj=row,
        organization_id=row.organization_id,
        member_ref=row.member.member_id if row.member_id else "",  # type: ignore[union-attr]
        changes=changes,
    )


def notify_status(row: PriorAuthRequest, *, old_status: str, label: str = "") -> None:
    """Email the submitter after commit. The body names no patient, code or diagnosis."""
    user = row.created_by
    email = getattr(user, "email", "")
    if not email or (old_status == row.status and not label):
        return
    context = {
        "reference": row.reference,
        "status": label or row.get_status_display(),
        "meaning": row.meaning,
        "url": settings.PORTICO_BASE_URL.rstrip("/")
        + reverse("priorauth:request_detail", kwargs={"reference": row.reference}),
    }
    subject = f"Prior authorization {row.reference}: {context['status']}"
    body = render_to_string("priorauth/email/status_changed.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


def change_status(
    row: PriorAuthRequest,
    *,
    to: str,
    actor: Any,
    by_staff: bool,
    kind: str = RequestEvent.Kind.STATUS,
    message: str = "",
) -> str:
    """Move ``row`` to ``to`` (caller checked the transition), record history, email.

    A pend holds a request in its status, so moving it ends the pend (the history keeps the
    pend and its reason)."""
    old = row.status
    row.status = to
    if row.pended_at is not None:
        row.pended_at, row.pend_reason = None, ""
        PriorAuthRequest.objects.filter(pk=row.pk).update(pended_at=None, pend_reason="")
    add_event(
        row,
        kind=kind,
        actor=actor,
        by_staff=by_staff,
        from_status=old,
        to_status=to,
        message=message,
    )
    notify_status(row, old_status=old)
    return old


__all__ = [
    "PriorAuthError",
    "StaleRequest",
    "Status",
    "add_event",
    "audit",
    "change_status",
    "lock",
    "new_reference",
    "notify_status",
    "plan_settings",
    "save",
]


def priorauth_record_view(*, request: PriorAuthRequest, user: Any, staff: bool = False) -> None:
    """Audit a view of a request's PHI (the page, not the status poll)."""
    with transaction.atomic():
        audit(request, "viewed_by_staff" if staff else "viewed", user)


def priorauth_record_list(
    *,
    user: Any,
    where: str,
    references: Sequence[str],
    staff: bool = False,
    filters: Mapping[str, Any] | None = None,
) -> None:
    """Audit a list that shows members' names and IDs (the office's requests, the review
    queue): which requests it showed, and the filters asked for. A list is a view of each row's
    PHI, as the claims search is (``portico.claim.searched``)."""
    changes: dict[str, Any] = {"requests": list(references)}
    if asked := {k: str(v) for k, v in (filters or {}).items() if v}:
        changes["filters"] = asked
    with transaction.atomic():
        audit_record(
            action="portico.priorauth.listed_by_staff" if staff else "portico.priorauth.listed",
            actor=user,
            object_type="priorauth.priorauthrequest",
            object_repr=where,
            changes=changes,
        )


def priorauth_record_file_download(*, request: PriorAuthRequest, user: Any, file_name: str) -> None:
    with transaction.atomic():
        audit(request, "attachment_downloaded", user, file=file_name)
