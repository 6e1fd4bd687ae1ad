"""Access requests: submit, sign, review and decide — approval writes application grants.

Every function is keyword-only, runs in one transaction with its audit event, and emails
the requester after commit. The status changes themselves are checked against the single
table in ``portico.organizations.transitions``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.lookups import same_ignoring_case
from portico.core.uploads import StoredUpload
from portico.organizations.models import (
    AccessRequest,
    Application,
    ApplicationGrant,
    Membership,
    Organization,
    OrganizationTIN,
    pip_roles,
)
from portico.organizations.selectors import claims_form_user, referrals_grantee
from portico.organizations.services import (
    grant_revoke,
    grant_set,
    membership_add,
    organization_create,
    organization_tin_add,
    organization_update,
)
from portico.organizations.services.practice import PracticeError, invitation_send
from portico.organizations.transitions import Actor, check

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
S = AccessRequest.Status
RT = AccessRequest.RequestType


class AccessRequestError(Exception):
    """A request cannot be decided as asked; the message is shown to staff as is."""


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"AR-{body[:4]}-{body[4:]}"


def _notify(access_request: AccessRequest, subject: str, lines: list[str]) -> None:
    """Email the requester after the transaction commits (never for a rolled-back change)."""
    user = access_request.requester
    site = settings.PORTICO_BRAND["site_name"]
    body = "\n\n".join(
        [
            f"Hello {user.get_full_name() or user.get_username()},",
            *lines,
            f"Reference: {access_request.reference}\n"
            f"Status: {access_request.get_status_display()}\n"
            f"See your request: {settings.PORTICO_BASE_URL}/connect/requests/"
            f"{access_request.pk}/",
            f"— {site}",
        ]
    )
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(
            f"{site}: access request {access_request.reference} — {subject}",
            body,
            None,
            [recipient],
        )
    )


def _move(
    access_request: AccessRequest,
    action: str,
    actor_kind: Actor,
    *,
    actor: Any,
    changes: dict[str, Any] | None = None,
    fields: list[str] | None = None,
) -> None:
    transition = check(access_request, action, actor_kind)
    before = access_request.status
    access_request.status = transition.target
    access_request.save(update_fields=["status", "updated_at", *(fields or [])])
    audit_record(
        action=f"portico.access_request.{action}",
        actor=actor,
        obj=access_request,
        organization_id=access_request.organization_id,
        changes={"status": {"from": before, "to": transition.target}, **(changes or {})},
    )


def _lock(access_request: AccessRequest) -> AccessRequest:
    """Re-read the row under a lock so two staff clicks cannot both decide it."""
    return (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("requester")
        .get(pk=access_request.pk)
    )


# ---------------------------------------------------------------------------
# Requester
# ---------------------------------------------------------------------------
def access_request_submit(
    *,
    requester: Any,
    application: str,
    request_type: str,
    practice_name: str,
    data: dict[str, Any],
    idempotency_key: uuid.UUID,
    contact_email: str = "",
    tins: list[str] | None = None,
) -> tuple[AccessRequest, bool]:
    """Create the request; returns ``(request, created)``.

    Submitting the same form twice (same ``idempotency_key``) returns the first request.
    """
    existing = AccessRequest.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.requester_id != requester.pk:
            raise AccessRequestError("This form was already used. Reload the page and try again.")
        return existing, False
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(
                reference=_new_reference(),
                application=application,
                request_type=request_type,
                requester=requester,
                idempotency_key=idempotency_key,
                practice_name=practice_name,
                contact_email=contact_email,
                tins=" ".join(tins or []),
                data=data,
            )
            audit_record(
                action="portico.access_request.submitted",
                actor=requester,
                obj=access_request,
                changes={
                    "application": application,
                    "request_type": request_type,
                    "practice": practice_name,
                },
            )
            fax = settings.PORTICO_BRAND["service_desk_fax"]
            _notify(
                access_request,
                "received",
                [
                    f"We received your {access_request.get_application_display()} access form.",
                    "To finish, have it signed: print the PDF, have everyone it names sign it "
                    f"and fax it to the Service Desk at {fax}, or upload the signed form from "
                    "the request page (where you can sign it in your browser, and ask the others "
                    "it names to sign by email).",
                ],
            )
    except IntegrityError:
        # A concurrent duplicate submit won the race on the unique key: return its request.
        existing = AccessRequest.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None or existing.requester_id != requester.pk:
            raise
        return existing, False
    return access_request, True


def _lock_own(access_request: AccessRequest, actor: Any, verb: str) -> AccessRequest:
    """Lock the request, refusing anyone but the person who submitted it."""
    access_request = _lock(access_request)
    if access_request.requester_id != actor.pk:
        raise AccessRequestError(f"Only the person who submitted the request can {verb}.")
    return access_request


def _sign_with_file(
    access_request: AccessRequest,
    stored: StoredUpload,
    *,
    method: str,
    transition: str,
    actor_kind: Any,
    actor: Any,
) -> None:
    """Attach a signed form (uploaded or faxed) and record it as the signature. It supersedes
    e-signatures still pending (their links then say the form was already signed)."""
    _attach(access_request, stored)
    access_request.signature_method = method
    access_request.signed_at = timezone.now()
    pending = access_request.signatures.filter(signed_at__isnull=True).count()
    superseded = {"superseded_e_signatures": pending} if pending else {}
    _move(
        access_request,
        transition,
        actor_kind,
        actor=actor,
        changes={
            "method": method,
            "content_type": stored.content_type,
            "sha256": stored.sha256,
            **superseded,
        },
        fields=[*_FILE_FIELDS, "signature_method", "signed_at"],
    )


@transaction.atomic
def access_request_sign_upload(
    *, access_request: AccessRequest, actor: Any, stored: StoredUpload
) -> AccessRequest:
    """The requester uploaded the signed form (sniffed, size-checked and stored by the view)."""
    access_request = _lock_own(access_request, actor, "sign it")
    _sign_with_file(
        access_request,
        stored,
        method=AccessRequest.SignatureMethod.UPLOAD,
        transition="sign",
        actor_kind=Actor.REQUESTER,
        actor=actor,
    )
    _notify(access_request, "signed form received", ["Your signed form was received."])
    return access_request


@transaction.atomic
def access_request_sign_browser(
    *, access_request: AccessRequest, actor: Any, typed_name: str, ip_address: str | None
) -> AccessRequest:
    """The requester signs by typing their name and attesting; time and IP are recorded.
    Only a form the requester alone must sign (``AccessRequest.signed_by_requester_alone``):
    anyone else named for a signature signs the printed form."""
    access_request = _lock_own(access_request, actor, "sign it")
    if not access_request.signed_by_requester_alone():
        raise AccessRequestError(
            "Others must sign this form too: sign it in the browser and ask them by email, or "
            "print it for their signatures, then upload the signed form or fax it."
        )
    access_request.signature_method = AccessRequest.SignatureMethod.BROWSER
    access_request.signed_name = typed_name
    access_request.signed_at = timezone.now()
    access_request.signed_ip = ip_address
    _move(
        access_request,
        "sign",
        Actor.REQUESTER,
        actor=actor,
        changes={"method": "browser", "signed_name": typed_name},
        fields=["signature_method", "signed_name", "signed_at", "signed_ip"],
    )
    _notify(access_request, "signed", ["You signed your access form in the browser."])
    return access_request


@transaction.atomic
def access_request_reply(*, access_request: AccessRequest, actor: Any, reply: str) -> AccessRequest:
    """The requester answers a "more information needed" question."""
    access_request = _lock_own(access_request, actor, "answer")
    access_request.requester_reply = reply
    _move(access_request, "reply", Actor.REQUESTER, actor=actor, fields=["requester_reply"])
    return access_request


# ---------------------------------------------------------------------------
# Access administrator
# ---------------------------------------------------------------------------
@transaction.atomic
def access_request_attach_fax(
    *, access_request: AccessRequest, actor: Any, stored: StoredUpload
) -> AccessRequest:
    """Staff attach the form that arrived by fax; it counts as the signature."""
    access_request = _lock(access_request)
    _sign_with_file(
        access_request,
        stored,
        method=AccessRequest.SignatureMethod.FAX,
        transition="attach_fax",
        actor_kind=Actor.STAFF,
        actor=actor,
    )
    _notify(access_request, "faxed form received", ["Your faxed, signed form was received."])
    return access_request


@transaction.atomic
def access_request_start_review(*, access_request: AccessRequest, actor: Any) -> AccessRequest:
    access_request = _lock(access_request)
    _move(access_request, "start_review", Actor.STAFF, actor=actor)
    _notify(access_request, "in review", ["An access administrator is reviewing your request."])
    return access_request


@transaction.atomic
def access_request_ask_more_info(
    *, access_request: AccessRequest, actor: Any, message: str
) -> AccessRequest:
    access_request = _lock(access_request)
    access_request.staff_message = message
    _move(
        access_request,
        "ask_more_info",
        Actor.STAFF,
        actor=actor,
        changes={"message": message},
        fields=["staff_message"],
    )
    _notify(
        access_request,
        "more information needed",
        ["We need more information to complete your request:", message],
    )
    return access_request


@transaction.atomic
def access_request_deny(*, access_request: AccessRequest, actor: Any, reason: str) -> AccessRequest:
    access_request = _lock(access_request)
    access_request.staff_message = reason
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    _move(
        access_request,
        "deny",
        Actor.STAFF,
        actor=actor,
        changes={"reason": reason},
        fields=["staff_message", "decided_by", "decided_at"],
    )
    _notify(access_request, "denied", ["Your access request was denied.", f"Reason: {reason}"])
    return access_request


@transaction.atomic
def access_request_approve(*, access_request: AccessRequest, actor: Any) -> AccessRequest:
    """Approve and write the grants (the "SSO database") the form asks for."""
    access_request = _lock(access_request)
    check(access_request, "approve", Actor.STAFF)
    appliers: dict[str, Callable[[AccessRequest, Any], Organization]] = {
        Application.CLAIMS: _apply_claims,
        Application.PATIENT_INFO: _apply_patient_info,
        Application.SUPPORT: _apply_support,
    }
    organization = appliers[access_request.application](access_request, actor)
    access_request.organization = organization
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    _move(
        access_request,
        "approve",
        Actor.STAFF,
        actor=actor,
        changes={"organization": organization.pk},
        fields=["organization", "decided_by", "decided_at"],
    )
    _notify(
        access_request,
        "approved",
        [
            f"Your access to the {access_request.get_application_display()} was approved.",
            f"Sign in with your {settings.PORTICO_BRAND['idp_name']} to open it: "
            f"{settings.PORTICO_BASE_URL}/connect/home/",
        ],
    )
    return access_request


@transaction.atomic
def access_request_grant_referrals(
    *, access_request: AccessRequest, actor: Any
) -> ApplicationGrant:
    """Referrals Portal access is its own grant, given by staff from an approved request of a
    provider practice (a Claims Online Portal or Physician Info Portal form that gives
    access) to the person the form gave access to."""
    access_request = _lock(access_request)
    if access_request.status != S.APPROVED or access_request.organization is None:
        raise AccessRequestError("Approve the request before granting the Referrals Portal.")
    user = referrals_grantee(access_request=access_request)
    if user is None:
        raise AccessRequestError(
            "The Referrals Portal is granted from an approved Claims Online Portal or "
            "Physician Info Portal request that gave a provider office user access."
        )
    already = ApplicationGrant.objects.filter(
        user=user,
        application=Application.REFERRALS,
        organization=access_request.organization,
        is_active=True,
    ).exists()
    if already:
        # A second click (or a stale page): no second grant write and no second email.
        raise AccessRequestError(
            f"{user.get_full_name() or user} already has the Referrals Portal."
        )
    grant = grant_set(
        user=user,
        application=Application.REFERRALS,
        organization=access_request.organization,
        scope={},
        actor=actor,
    )
    _notify(
        access_request,
        "Referrals Portal access",
        ["You were also given access to the Referrals Portal."],
    )
    return grant


@transaction.atomic
def grant_remove_by_staff(*, grant: ApplicationGrant, actor: Any, reason: str) -> ApplicationGrant:
    """An access administrator takes a portal away from a user (with the reason, audited);
    the user is emailed. Granting again needs an approved request."""
    reason = " ".join(reason.split())
    if not reason:
        raise AccessRequestError("Give the reason for removing the access.")
    grant = ApplicationGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    if not grant.is_active:
        raise AccessRequestError("This access was already removed.")
    grant = grant_revoke(grant=grant, actor=actor, reason=reason)
    user, site = grant.user, settings.PORTICO_BRAND["site_name"]
    portal = grant.get_application_display()
    practice = grant.organization.name if grant.organization else ""
    body = "\n\n".join(
        [
            f"Hello {user.get_full_name() or user.get_username()},",
            f"Your access to the {portal}"
            + (f" for {practice}" if practice else "")
            + " was removed by the Service Desk.",
            f"Reason: {reason}",
            "If you need it again, ask for access with the access form: "
            f"{settings.PORTICO_BASE_URL}{reverse('connect:signup-choose')}",
            f"— {site}",
        ]
    )
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(f"{site}: your {portal} access was removed", body, None, [recipient])
    )
    return grant


# ---------------------------------------------------------------------------
# What approval writes
# ---------------------------------------------------------------------------
_FILE_FIELDS = ["signed_form_key", "signed_form_name", "signed_form_content_type"]


def _attach(access_request: AccessRequest, stored: StoredUpload) -> None:
    access_request.signed_form_key = stored.key
    access_request.signed_form_name = stored.file_name
    access_request.signed_form_content_type = stored.content_type


def _claims_grants(user: Any, *, active: bool) -> list[ApplicationGrant]:
    qs = ApplicationGrant.objects.filter(
        user=user, application=Application.CLAIMS, is_active=active
    ).select_related("organization")
    return list(qs.order_by("-revoked_at", "-created_at"))


def _claims_invite(access_request: AccessRequest, org: Organization, actor: Any) -> None:
    """A New Request for someone without a Portico ID yet: an invitation to the form's user
    email that carries the approved grant, written when they accept with their own ID."""
    data = access_request.data
    accept_url = settings.PORTICO_BASE_URL.rstrip("/") + reverse(
        "connect:invitation", kwargs={"token": "TOKEN"}
    ).replace("TOKEN", "{token}")
    scope = {
        "tins": [t["digits"] for t in data["tins"]],
        "submit_claims": bool(data["submit_claims"]),
    }
    try:
        invitation_send(
            organization=org,
            email=data["user_email"],
            role=Membership.Role.STAFF,
            actor=actor,
            accept_url=accept_url,
            grants=[{"application": Application.CLAIMS, "scope": scope}],
            access_request=access_request,
        )
    except PracticeError as exc:
        raise AccessRequestError(str(exc)) from exc


def _existing_claims_grant(
    access_request: AccessRequest, tins: list[str], *, active: bool, user: Any = None
):
    """The user's claims grant the request is about: matching a TIN, else the only one."""
    grants = _claims_grants(user or access_request.requester, active=active)
    for grant in grants:
        if set(grant.scope.get("tins", [])) & set(tins):
            return grant
    org_tins = set(
        OrganizationTIN.objects.filter(tin__in=tins, is_active=True).values_list(
            "organization_id", flat=True
        )
    )
    for grant in grants:
        if grant.organization_id in org_tins:
            return grant
    if len({g.organization_id for g in grants}) == 1:
        return grants[0]
    return None


def _practice_by_tins(access_request: AccessRequest, actor: Any) -> Organization:
    data = access_request.data
    tins = [t["digits"] for t in data["tins"]]
    orgs = list(
        Organization.objects.filter(tins__tin__in=tins, tins__is_active=True, is_active=True)
        .distinct()
        .order_by("pk")
    )
    if len(orgs) > 1:
        names = ", ".join(o.name for o in orgs)
        raise AccessRequestError(
            f"These Tax IDs belong to different practices ({names}). Ask the requester to "
            "send one form per practice."
        )
    if orgs:
        return orgs[0]
    return organization_create(
        name=data["practice_name"],
        tins=[t["display"] for t in data["tins"]],
        actor=actor,
        address_line1=data.get("address", ""),
        address_line2=data.get("suite", ""),
        city=data.get("city", ""),
        state=data.get("state", ""),
        zip_code=data.get("zip", ""),
        phone=data.get("telephone", ""),
        fax=data.get("fax", ""),
        email=data.get("front_office_email", ""),
    )


def _apply_claims(access_request: AccessRequest, actor: Any) -> Organization:
    """The access goes to the person the form's User section names (``claims_form_user``)."""
    data = access_request.data
    user = claims_form_user(access_request=access_request)
    tins = [t["digits"] for t in data["tins"]]
    kind = access_request.request_type
    if user is None and kind != RT.NEW:
        raise AccessRequestError(
            f"The user named on the form ({data.get('user_email', '')}) has no "
            f"{settings.PORTICO_BRAND['idp_name']}, so there is no account to change. Ask for "
            "a New Request instead."
        )
    if kind == RT.NEW:
        org = _practice_by_tins(access_request, actor)
        for tin in data["tins"]:
            if not org.tins.filter(tin=tin["digits"], is_active=True).exists():
                organization_tin_add(organization=org, tin=tin["display"], actor=actor)
        if user is None:
            _claims_invite(access_request, org, actor)
            return org
        _join(user, org, data.get("user_title", ""), actor)
        grant_set(
            user=user,
            application=Application.CLAIMS,
            organization=org,
            scope={"tins": tins, "submit_claims": bool(data["submit_claims"])},
            actor=actor,
        )
        return org
    if kind == RT.REACTIVATE:
        if _existing_claims_grant(access_request, tins, active=True, user=user):
            raise AccessRequestError("This user's Claims Online Portal access is already active.")
        previous = _existing_claims_grant(access_request, tins, active=False, user=user)
        if previous is None or previous.organization is None:
            raise AccessRequestError(
                "There is no deactivated Claims Online Portal account to reactivate for these "
                "Tax IDs. Ask the requester for a New Request instead."
            )
        org = previous.organization
        _join(user, org, data.get("user_title", ""), actor)
        grant_set(
            user=user,
            application=Application.CLAIMS,
            organization=org,
            scope={"tins": tins, "submit_claims": bool(data["submit_claims"])},
            actor=actor,
        )
        return org
    grant = _existing_claims_grant(access_request, tins, active=True, user=user)
    if grant is None or grant.organization is None:
        raise AccessRequestError(
            "This user has no active Claims Online Portal account for these Tax IDs to "
            "change. Ask the requester for a New Request instead."
        )
    org = grant.organization
    if kind == RT.DEACTIVATE:
        grant_revoke(grant=grant, actor=actor, reason=f"Access request {access_request.reference}")
        return org
    if kind == RT.ADD_TIN:
        taken = (
            OrganizationTIN.objects.filter(tin__in=tins, is_active=True)
            .exclude(organization=org)
            .select_related("organization")
        )
        for other in taken:
            raise AccessRequestError(
                f"Tax ID {other.display} belongs to {other.organization.name}, "
                f"not {org.name}. A practice's users ask for their own practice's Tax IDs."
            )
        for tin in data["tins"]:
            if not org.tins.filter(tin=tin["digits"], is_active=True).exists():
                organization_tin_add(organization=org, tin=tin["display"], actor=actor)
        merged = list(dict.fromkeys([*grant.scope.get("tins", []), *tins]))
        grant_set(
            user=user,
            application=Application.CLAIMS,
            organization=org,
            scope={**grant.scope, "tins": merged},
            actor=actor,
        )
        return org
    # RT.UPDATE: the form states the account as it should now be.
    org_tins = set(org.tins.filter(is_active=True).values_list("tin", flat=True))
    unknown = [t["display"] for t in data["tins"] if t["digits"] not in org_tins]
    if unknown:
        raise AccessRequestError(
            f"{', '.join(unknown)} is not a Tax ID of {org.name}; use an Add Tax ID request."
        )
    grant_set(
        user=user,
        application=Application.CLAIMS,
        organization=org,
        scope={"tins": tins, "submit_claims": bool(data["submit_claims"])},
        actor=actor,
    )
    organization_update(
        organization=org,
        actor=actor,
        reason=f"Access request {access_request.reference}",
        address_line1=data.get("address"),
        address_line2=data.get("suite", ""),
        city=data.get("city"),
        state=data.get("state"),
        zip_code=data.get("zip"),
        phone=data.get("telephone"),
        fax=data.get("fax", ""),
        email=data.get("front_office_email"),
    )
    return org


def _pip_practice(access_request: AccessRequest, actor: Any) -> Organization:
    """The practice of a PIP request: the requester's only practice, else one by name."""
    data = access_request.data
    user = access_request.requester
    current = ApplicationGrant.objects.filter(
        user=user, application=Application.PATIENT_INFO, is_active=True
    ).exclude(organization=None)
    if current.count() == 1:
        org = current.get().organization
        assert org is not None
        return org
    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__is_active=True
    ).select_related("organization")
    if memberships.count() == 1:
        return memberships.get().organization
    named = Organization.objects.filter(name__iexact=data["practice_name"], is_active=True)
    if named.count() == 1:
        return named.get()
    if named.count() > 1:
        raise AccessRequestError(
            f"Several practices are named “{data['practice_name']}”; ask the requester which."
        )
    return organization_create(
        name=data["practice_name"],
        tins=[],
        actor=actor,
        address_line1=data.get("address", ""),
        city=data.get("city", ""),
        zip_code=data.get("zip", ""),
        phone=data.get("telephone", ""),
        fax=data.get("fax", ""),
    )


def _pip_users(access_request: AccessRequest) -> list[tuple[Any, dict[str, Any]]]:
    """(user, row) for the requester and for each row whose email is a Portico ID's."""
    user_model = get_user_model()
    rows: list[dict[str, Any]] = access_request.data.get("rows", [])
    requester = access_request.requester
    own = next((r for r in rows if r["email"].lower() == requester.email.lower()), rows[0])
    pairs: list[tuple[Any, dict[str, Any]]] = [(requester, own)]
    for row in rows:
        if row is own:
            continue
        other = user_model.objects.filter(
            same_ignoring_case("email", row["email"]), is_active=True
        ).first()
        if other is not None and other.pk != requester.pk:
            pairs.append((other, row))
    return pairs


def _pip_rows_without_portico_id(access_request: AccessRequest) -> list[dict[str, Any]]:
    user_model = get_user_model()
    rows: list[dict[str, Any]] = access_request.data.get("rows", [])
    requester_email = access_request.requester.email.lower()
    return [
        row
        for row in rows
        if row.get("email")
        and row["email"].lower() != requester_email
        and not user_model.objects.filter(
            same_ignoring_case("email", row["email"]), is_active=True
        ).exists()
    ]


def _pip_scope(data: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    scope = {
        "regions": list(data["regions"]),
        "roles": pip_roles(data),
        "cap_report": bool(row.get("cap_report")),
        "add_terms": bool(row.get("add_terms")),
    }
    if row.get("npi"):
        scope["npi"] = row["npi"]
    return scope


def _pip_invite(access_request: AccessRequest, org: Organization, actor: Any) -> None:
    """Rows naming someone without a Portico ID: an invitation by email that carries the
    approved Physician Info Portal grant, written when they accept with their own ID."""
    data = access_request.data
    accept_url = settings.PORTICO_BASE_URL.rstrip("/") + reverse(
        "connect:invitation", kwargs={"token": "TOKEN"}
    ).replace("TOKEN", "{token}")
    for row in _pip_rows_without_portico_id(access_request):
        try:
            invitation_send(
                organization=org,
                email=row["email"],
                role=_pip_membership_role(pip_roles(data)),
                actor=actor,
                accept_url=accept_url,
                grants=[{"application": Application.PATIENT_INFO, "scope": _pip_scope(data, row)}],
                access_request=access_request,
            )
        except PracticeError:
            continue  # already a member of the practice under another account


def _apply_patient_info(access_request: AccessRequest, actor: Any) -> Organization:
    data = access_request.data
    org = _pip_practice(access_request, actor)
    actions = set(data.get("actions", []))
    if "update_contact" in actions:
        # "Update Phone / Address / Email": the practice's address and numbers as written on
        # the form (an empty fax leaves the fax on file). A Portico ID's own email is changed
        # by its owner in My Profile, where the new address is verified.
        organization_update(
            organization=org,
            actor=actor,
            reason=f"Access request {access_request.reference}",
            address_line1=data.get("address") or None,
            city=data.get("city") or None,
            zip_code=data.get("zip") or None,
            phone=data.get("telephone") or None,
            fax=data.get("fax") or None,
        )
    for user, row in _pip_users(access_request):
        if "remove" in actions:
            for grant in ApplicationGrant.objects.filter(
                user=user, application=Application.PATIENT_INFO, organization=org, is_active=True
            ):
                grant_revoke(
                    grant=grant, actor=actor, reason=f"Access request {access_request.reference}"
                )
            continue
        _join(user, org, "", actor, role=_pip_membership_role(pip_roles(data)))
        grant_set(
            user=user,
            application=Application.PATIENT_INFO,
            organization=org,
            scope=_pip_scope(data, row),
            actor=actor,
        )
    if "remove" not in actions:
        _pip_invite(access_request, org, actor)
    return org


def _apply_support(access_request: AccessRequest, actor: Any) -> Organization:
    """Support for the direct customer the form's PFI names (the payer's customer file).

    The customer's User ID and name are checked again at every customer log in, which also
    links the Portico ID to that customer user; the grant only opens the door.
    """
    data = access_request.data
    customer = (
        Organization.objects.filter(
            kind=Organization.Kind.DIRECT_CUSTOMER,
            is_active=True,
            tins__tin=data["pfi"],
            tins__is_active=True,
        )
        .distinct()
        .first()
    )
    if customer is None:
        raise AccessRequestError(
            f"No active direct customer has the PFI {data['pfi']}. Check the PFI with the "
            "requester, or add the customer before approving."
        )
    grant_set(
        user=access_request.requester,
        application=Application.SUPPORT,
        organization=customer,
        scope={"user_id": data["user_id"]},
        actor=actor,
    )
    return customer


def _pip_membership_role(roles: list[str]) -> str:
    """The practice membership of the people a PIP form lists. One form names its roles for
    all its rows (a PCP and their staff can share a form), so no row says which role is whose:
    clinician when PCP or Specialist is among them (the form is, at least partly, for
    clinicians), staff when it is for Staff only. The membership role is a label (the
    grant's ``roles`` decide what the portal shows), ``_join`` keeps an existing one, and
    the practice administrator can change it."""
    return (
        Membership.Role.CLINICIAN if {"pcp", "specialist"} & set(roles) else Membership.Role.STAFF
    )


def _join(user: Any, org: Organization, title: str, actor: Any, role: str = "") -> None:
    """Make the user a member of the practice, keeping an existing role (e.g. admin)."""
    existing = Membership.objects.filter(user=user, organization=org).first()
    if existing is not None and existing.is_active:
        return
    membership_add(
        user=user,
        organization=org,
        role=(existing.role if existing else role) or Membership.Role.STAFF,
        title=title or (existing.title if existing else ""),
        actor=actor,
    )
