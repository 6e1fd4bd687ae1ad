"""The Connect router (``/api/v1/connect/``, scope ``connect``): the hub's REST interface.

The same forms, selectors and services as the portal's pages:

* ``/me`` — the caller, their practices and application grants.
* ``/access-requests`` — submit an access form (Claims Online Portal or Physician Info Portal;
  the body holds the paper form's fields, validated by the very form the page uses), list
  one's own requests, read one's status, download the form to sign, answer a question.
  Requests are named by their reference (``AR-XXXX-XXXX``); another person's answers 404.
* ``/practices`` — for practice administrators: their practices' users, open invitations
  and providers; invite a colleague, deactivate one. Other practices answer 404.
* ``/staff/access-requests`` — for access administrators: the queue, a request with its
  history, and the decisions (review, approve, deny, ask for more information).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from portico.connect.forms.access import (
    ClaimsAccessForm,
    PhysicianInfoAccessForm,
    PipRowFormSet,
    ReplyForm,
    SupportAccessForm,
)
from portico.connect.forms.practice import InviteForm
from portico.connect.forms.staff import DenyForm, MoreInfoForm, QueueFilterForm
from portico.connect.pdfs import access_form_pdf
from portico.core.api_errors import ErrorOut, api_page, api_user, refused
from portico.core.audit import audit_record
from portico.identity.roles import StaffRole, has_staff_role
from portico.organizations import selectors
from portico.organizations.models import (
    AccessRequest,
    ApplicationGrant,
    Membership,
    Organization,
    OrganizationProvider,
    PracticeInvitation,
    pip_roles,
)
from portico.organizations.services.access import (
    AccessRequestError,
    access_request_approve,
    access_request_ask_more_info,
    access_request_deny,
    access_request_reply,
    access_request_start_review,
    access_request_submit,
)
from portico.organizations.services.practice import (
    PracticeError,
    invitation_send,
    membership_deactivate,
)
from portico.organizations.transitions import Actor, TransitionNotAllowed, allowed_actions

router = Router(tags=["connect"])

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}
PAGE_SIZE = 25
# Idempotency-Key values become the request's UUID key, scoped to the caller.
_KEY_NAMESPACE = uuid.UUID("6f1d3f0e-3a55-4d0e-9c1b-2a7c6c1f5b10")


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------
class GrantOut(Schema):
    application: str
    application_name: str
    organization_id: int | None
    organization: str | None
    scope: dict[str, Any]
    granted_at: dt.datetime


class PracticeOut(Schema):
    id: int
    name: str
    role: str
    title: str


class MeOut(Schema):
    username: str
    first_name: str
    last_name: str
    email: str
    applications: list[str]
    grants: list[GrantOut]
    practices: list[PracticeOut]
    staff_roles: list[str]


class AccessRequestOut(Schema):
    reference: str
    application: str
    application_name: str
    request_type: str
    request_type_name: str
    status: str
    status_label: str
    practice_name: str
    submitted_at: dt.datetime
    updated_at: dt.datetime
    signed: bool
    signature_method: str
    staff_message: str
    requester_reply: str
    decided_at: dt.datetime | None
    organization_id: int | None
    next_actions: list[str] = Field(
        description="What the caller may do next (sign, reply; for staff: review, approve, …)."
    )
    form_pdf: str = Field(description="The filled-in form to print and sign (PDF).")


class SignatureOut(Schema):
    """One signature line of a form signed in the browser with emailed links."""

    role: str
    name: str
    email: str
    signed: bool
    signed_at: dt.datetime | None
    link_sent_at: dt.datetime | None = Field(description="When the signer's link was emailed.")
    link_expires_at: dt.datetime | None


class StaffSignatureOut(SignatureOut):
    signed_name: str = Field(description="The name the signer typed.")
    signed_ip: str | None


class AccessRequestDetailOut(AccessRequestOut):
    data: dict[str, Any]
    signatures: list[SignatureOut] = Field(
        description="The e-signature lines when the form is signed in the browser and the "
        "other signers by emailed links (who has signed, whose link is pending); empty when "
        "the requester signs alone or the form is uploaded or faxed."
    )


class AccessRequestPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[AccessRequestOut]


class HistoryOut(Schema):
    at: dt.datetime
    action: str
    actor: str
    changes: dict[str, Any]


class StaffAccessRequestOut(AccessRequestDetailOut):
    signatures: list[StaffSignatureOut]  # type: ignore[assignment]
    requester: str
    requester_email: str
    history: list[HistoryOut]


class ClaimsAccessIn(Schema):
    """CLAIMS ONLINE PORTAL ACCESS FORM: every field of the paper form."""

    request_type: str = Field(description="new, update, add_tin, deactivate or reactivate")
    contact_name: str
    contact_phone: str
    practice_name: str
    tins: str = Field(description="Billing Provider TINs with dashes, comma-separated")
    address: str
    suite: str = ""
    city: str
    state: str
    zip: str
    telephone: str
    front_office_email: str
    fax: str = ""
    officer_first_name: str
    officer_last_name: str
    officer_email: str
    officer_title: str = Field(description="A management title (Manager, Director, Owner, …)")
    user_first_name: str
    user_last_name: str
    user_email: str
    submit_claims: bool
    user_title: str
    login_user_id: str


class PipRowIn(Schema):
    name: str
    email: str
    npi: str = ""
    existing_username: str = ""
    cap_report: bool = False
    add_terms: bool = False


class PhysicianInfoAccessIn(Schema):
    """PHYSICIAN INFORMATION PORTAL ACCESS FORM with its physician/staff rows (1 to 4)."""

    physician_name: str
    address: str
    city: str
    zip: str
    telephone: str
    fax: str = ""
    practice_name: str
    regions: list[str]
    roles: list[str] = Field(
        default_factory=list, description="One or more of staff, pcp, specialist"
    )
    role: str = Field(
        "",
        description="Deprecated: one of staff, pcp, specialist; use roles (ignored when roles "
        "is given)",
        json_schema_extra={"deprecated": True},
    )
    actions: list[str] = Field(
        description="new_access, update_report_access, add, remove, update_contact"
    )
    hipaa_acknowledged: bool
    rows: list[PipRowIn]


class SupportAccessIn(Schema):
    """Support access for a direct customer's user (the customer log in's values)."""

    company_name: str
    pfi: str = Field(description="Digits only; fewer than 9 are padded with zeros")
    user_id: str = Field(description="ZCS followed by 5 digits")
    first_name: str
    last_name: str
    title: str
    phone: str
    email: str
    attest: bool = Field(description="I work for this company and this User ID was issued to me")


class ReplyIn(Schema):
    reply: str


class DenyIn(Schema):
    reason: str


class MoreInfoIn(Schema):
    message: str


class InvitationIn(Schema):
    email: str
    role: str = Membership.Role.STAFF


class MembershipOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    title: str
    active: bool


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    expires_at: dt.datetime


class PracticeUsersOut(Schema):
    practice: str
    users: list[MembershipOut]
    invitations: list[InvitationOut]


class ProviderLinkOut(Schema):
    id: int
    npi: str
    name: str
    specialty: str
    status: str
    status_label: str


class AccessQueueQuery(Schema):
    status: str = ""
    application: str = ""
    q: str = ""
    page: int = 1


class PageQuery(Schema):
    page: int = 1


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _idp() -> str:
    return str(settings.PORTICO_BRAND["idp_name"])


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _form_errors(form: Any, prefix: str = "") -> dict[str, list[str]]:
    """A Django form's errors as API field errors (``body`` for the form as a whole)."""
    return {
        (f"{prefix}body" if name == "__all__" else f"{prefix}{name}"): list(messages)
        for name, messages in form.errors.items()
    }


def _form_refused(errors: dict[str, list[str]]) -> Exception:
    return refused(422, "Some fields of the form are not valid.", errors=errors)


def _validated(form: Any) -> Any:
    """The bound form, valid; otherwise answer 422 with its field errors."""
    if not form.is_valid():
        raise _form_refused(_form_errors(form))
    return form


def _requester(request: HttpRequest) -> Any:
    """A person submitting their own access form (a system client has no form to sign)."""
    user = api_user(request)
    principal = getattr(request, "principal", None)
    if principal is not None and principal.is_system:
        raise refused(403, "Access forms are submitted by the person who will use the access.")
    return user


def _idempotency_key(request: HttpRequest, user: Any) -> uuid.UUID:
    """The client's ``Idempotency-Key`` (any string) as the request's key; else a new one."""
    sent = request.headers.get("Idempotency-Key", "").strip()[:100]
    if not sent:
        return uuid.uuid4()
    return uuid.uuid5(_KEY_NAMESPACE, f"{user.pk}:{sent}")


def _access_request_out(ar: AccessRequest, actor_kind: Actor) -> dict[str, Any]:
    base = f"/api/v1/connect/{'staff/' if actor_kind == Actor.STAFF else ''}access-requests"
    return {
        "reference": ar.reference,
        "application": ar.application,
        "application_name": ar.get_application_display(),
        "request_type": ar.request_type,
        "request_type_name": ar.get_request_type_display(),
        "status": ar.status,
        "status_label": ar.get_status_display(),
        "practice_name": ar.practice_name,
        "submitted_at": ar.created_at,
        "updated_at": ar.updated_at,
        "signed": bool(ar.signature_method),
        "signature_method": ar.signature_method,
        "staff_message": ar.staff_message,
        "requester_reply": ar.requester_reply,
        "decided_at": ar.decided_at,
        "organization_id": ar.organization_id,
        "next_actions": sorted(allowed_actions(ar, actor_kind)),
        "form_pdf": f"{base}/{ar.reference}/form.pdf",
    }


def _signatures(ar: AccessRequest, actor_kind: Actor) -> list[dict[str, Any]]:
    lines = []
    for signature in ar.signatures.order_by("position"):
        line = {
            "role": signature.role,
            "name": signature.name,
            "email": signature.email,
            "signed": signature.is_signed,
            "signed_at": signature.signed_at,
            "link_sent_at": signature.sent_at,
            "link_expires_at": None if signature.is_signed else signature.expires_at,
        }
        if actor_kind == Actor.STAFF:
            line.update(signed_name=signature.signed_name, signed_ip=signature.signed_ip)
        lines.append(line)
    return lines


def _detail(ar: AccessRequest, actor_kind: Actor) -> dict[str, Any]:
    return {
        **_access_request_out(ar, actor_kind),
        "data": ar.data,
        "signatures": _signatures(ar, actor_kind),
    }


def _staff_detail(ar: AccessRequest) -> dict[str, Any]:
    return {
        **_detail(ar, Actor.STAFF),
        "requester": ar.requester.get_username(),
        "requester_email": ar.requester.email,
        "history": [
            {
                "at": event.occurred_at,
                "action": event.action,
                "actor": event.actor_label,
                "changes": event.changes or {},
            }
            for event in selectors.access_request_history(access_request=ar)
        ],
    }


def _page(qs: Any, number: int, actor_kind: Actor) -> dict[str, Any]:
    page = api_page(qs, number, PAGE_SIZE)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [_access_request_out(ar, actor_kind) for ar in page.object_list],
    }


def _submit(user: Any, key: uuid.UUID, submission: dict[str, Any]) -> Any:
    """Submit a valid access form: 201 with the new request, 200 with the first one for a
    repeated key, 409 when the request is refused."""
    try:
        ar, created = access_request_submit(requester=user, idempotency_key=key, **submission)
    except AccessRequestError as exc:
        raise refused(409, str(exc)) from exc
    return Status(201 if created else 200, _detail(ar, Actor.REQUESTER))


def _access_admin(request: HttpRequest) -> Any:
    user = api_user(request)
    if not has_staff_role(user, StaffRole.ACCESS_ADMIN):
        raise refused(403, "Access administrators only.")
    return user


def _practice(request: HttpRequest, org: int) -> tuple[Any, Organization]:
    user = api_user(request)
    return user, selectors.admin_organization_get_for_user(user=user, pk=org)


def _pdf(ar: AccessRequest) -> HttpResponse:
    response = HttpResponse(access_form_pdf(ar), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="access-form-{ar.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# The caller
# ---------------------------------------------------------------------------
def _grant(grant: ApplicationGrant) -> dict[str, Any]:
    return {
        "application": grant.application,
        "application_name": grant.get_application_display(),
        "organization_id": grant.organization_id,
        "organization": grant.organization.name if grant.organization else None,
        "scope": grant.scope,
        "granted_at": grant.created_at,
    }


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The caller, practices and grants")
def me(request: HttpRequest) -> Any:
    user = api_user(request)
    memberships = selectors.memberships_for_user(user=user)
    return {
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "applications": selectors.applications_for_user(user=user),
        "grants": [_grant(g) for g in selectors.grants_for_user(user=user)],
        "practices": [
            {"id": m.organization_id, "name": m.organization.name, "role": m.role, "title": m.title}
            for m in memberships
        ],
        "staff_roles": [str(r) for r in StaffRole.values if has_staff_role(user, r)],
    }


# ---------------------------------------------------------------------------
# Access requests: the requester
# ---------------------------------------------------------------------------
@router.get(
    "/access-requests", response={200: AccessRequestPageOut, **ERRORS}, summary="My requests"
)
def list_access_requests(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    user = api_user(request)
    qs = selectors.access_requests_for_user(user=user)
    return _page(qs, filters.page, Actor.REQUESTER)


@router.post(
    "/access-requests/claims",
    response={200: AccessRequestDetailOut, 201: AccessRequestDetailOut, 422: ErrorOut, **ERRORS},
    summary="Submit a Claims Online Portal access form",
)
def submit_claims_access(request: HttpRequest, payload: ClaimsAccessIn) -> Any:
    """Answers 201 with the new request, or 200 with the first one when the same
    ``Idempotency-Key`` was already used. Then sign it (print ``form_pdf``, or in the portal)."""
    user = _requester(request)
    key = _idempotency_key(request, user)
    data = {**payload.dict(), "idempotency_key": str(key)}
    data["submit_claims"] = _yes_no(payload.submit_claims)
    form = _validated(ClaimsAccessForm(data, user=user, idp_name=_idp()))
    return _submit(user, key, form.submission())


@router.post(
    "/access-requests/patientinfo",
    response={200: AccessRequestDetailOut, 201: AccessRequestDetailOut, 422: ErrorOut, **ERRORS},
    summary="Submit a Physician Info Portal access form",
)
def submit_patientinfo_access(request: HttpRequest, payload: PhysicianInfoAccessIn) -> Any:
    """Answers 201 with the new request (200 for a repeated ``Idempotency-Key``)."""
    user = _requester(request)
    key = _idempotency_key(request, user)
    data: dict[str, Any] = {
        **payload.dict(exclude={"rows", "hipaa_acknowledged", "role"}),
        # The deprecated ``role`` (one string) read as stored requests are: pip_roles.
        "roles": pip_roles(payload.dict(include={"roles", "role"}, exclude_unset=True)),
        "idempotency_key": str(key),
        "rows-TOTAL_FORMS": str(len(payload.rows)),
        "rows-INITIAL_FORMS": "0",
    }
    if payload.hipaa_acknowledged:
        data["hipaa_acknowledged"] = "on"
    for i, row in enumerate(payload.rows):
        for name, value in row.dict().items():
            data[f"rows-{i}-{name}"] = _yes_no(value) if isinstance(value, bool) else value
    form = PhysicianInfoAccessForm(data, user=user, idp_name=_idp())
    rows = PipRowFormSet(data, prefix="rows")
    form_ok, rows_ok = form.is_valid(), rows.is_valid()
    if not (form_ok and rows_ok):
        errors = _form_errors(form)
        for i, row in enumerate(rows.forms):
            errors.update(_form_errors(row, prefix=f"rows[{i}]."))
        if rows.non_form_errors():
            errors["rows"] = [str(m) for m in rows.non_form_errors()]
        raise _form_refused(errors)
    return _submit(user, key, form.submission(rows))


@router.post(
    "/access-requests/support",
    response={200: AccessRequestDetailOut, 201: AccessRequestDetailOut, 422: ErrorOut, **ERRORS},
    summary="Submit a Support access form (direct customers)",
)
def submit_support_access(request: HttpRequest, payload: SupportAccessIn) -> Any:
    """Answers 201 with the new request (200 for a repeated ``Idempotency-Key``)."""
    user = _requester(request)
    key = _idempotency_key(request, user)
    data: dict[str, Any] = {**payload.dict(exclude={"attest"}), "idempotency_key": str(key)}
    if payload.attest:
        data["attest"] = "on"
    form = _validated(SupportAccessForm(data, user=user, idp_name=_idp()))
    return _submit(user, key, form.submission())


@router.get(
    "/access-requests/{reference}",
    response={200: AccessRequestDetailOut, **ERRORS},
    summary="One of my requests and its status",
)
def get_access_request(request: HttpRequest, reference: str) -> Any:
    user = api_user(request)
    ar = selectors.access_request_by_reference_for_user(user=user, reference=reference)
    return _detail(ar, Actor.REQUESTER)


@router.get(
    "/access-requests/{reference}/form.pdf",
    response={200: None, **ERRORS},
    summary="The filled-in access form to print and sign (PDF)",
)
def access_request_form(request: HttpRequest, reference: str) -> Any:
    user = api_user(request)
    return _pdf(selectors.access_request_by_reference_for_user(user=user, reference=reference))


@router.post(
    "/access-requests/{reference}/reply",
    response={200: AccessRequestDetailOut, 422: ErrorOut, **ERRORS},
    summary="Answer the access administrator's question",
)
def reply_access_request(request: HttpRequest, reference: str, payload: ReplyIn) -> Any:
    user = api_user(request)
    ar = selectors.access_request_by_reference_for_user(user=user, reference=reference)
    form = _validated(ReplyForm({"reply": payload.reply}))
    try:
        ar = access_request_reply(access_request=ar, actor=user, reply=form.cleaned_data["reply"])
    except (AccessRequestError, TransitionNotAllowed) as exc:
        raise refused(409, str(exc)) from exc
    return _detail(ar, Actor.REQUESTER)


# ---------------------------------------------------------------------------
# Practice administrators
# ---------------------------------------------------------------------------
@router.get(
    "/practices",
    response={200: list[PracticeOut], **ERRORS},
    summary="The practices I administer",
)
def list_practices(request: HttpRequest) -> Any:
    user = api_user(request)
    return [
        {"id": org.pk, "name": org.name, "role": Membership.Role.ADMIN, "title": ""}
        for org in selectors.admin_organizations_for_user(user=user).distinct().order_by("name")
    ]


def _users_out(org: Organization) -> dict[str, Any]:
    invitations: list[PracticeInvitation] = list(
        selectors.practice_invitations_open(organization=org)
    )
    return {
        "practice": org.name,
        "users": [
            {
                "id": m.pk,
                "username": m.user.get_username(),
                "name": m.user.get_full_name(),
                "email": m.user.email,
                "role": m.role,
                "title": m.title,
                "active": m.is_active,
            }
            for m in selectors.practice_memberships(organization=org)
        ],
        "invitations": [
            {"id": i.pk, "email": i.email, "role": i.role, "expires_at": i.expires_at}
            for i in invitations
        ],
    }


@router.get(
    "/practices/{org}/users",
    response={200: PracticeUsersOut, **ERRORS},
    summary="A practice's users and open invitations",
)
def practice_users(request: HttpRequest, org: int) -> Any:
    _user, organization = _practice(request, org)
    return _users_out(organization)


@router.post(
    "/practices/{org}/invitations",
    response={201: InvitationOut, 422: ErrorOut, **ERRORS},
    summary="Invite a colleague by email",
)
def practice_invite(request: HttpRequest, org: int, payload: InvitationIn) -> Any:
    user, organization = _practice(request, org)
    form = _validated(InviteForm({"email": payload.email, "role": payload.role}))
    accept_url = settings.PORTICO_BASE_URL + reverse(
        "connect:invitation", kwargs={"token": "TOKEN"}
    ).replace("TOKEN", "{token}")
    try:
        invitation = invitation_send(
            organization=organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor=user,
            accept_url=accept_url,
        )
    except PracticeError as exc:
        raise refused(422, str(exc), errors={"email": str(exc)}) from exc
    return Status(
        201,
        {
            "id": invitation.pk,
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
        },
    )


@router.post(
    "/practices/{org}/users/{membership}/deactivate",
    response={200: PracticeUsersOut, **ERRORS},
    summary="Stop a user's access to the practice's portals",
)
def practice_user_deactivate(request: HttpRequest, org: int, membership: int) -> Any:
    user, organization = _practice(request, org)
    found = selectors.practice_membership_get(organization=organization, pk=membership)
    try:
        membership_deactivate(membership=found, actor=user)
    except PracticeError as exc:
        raise refused(409, str(exc)) from exc
    return _users_out(organization)


@router.get(
    "/practices/{org}/providers",
    response={200: list[ProviderLinkOut], **ERRORS},
    summary="The practice's providers",
)
def practice_providers(request: HttpRequest, org: int) -> Any:
    _user, organization = _practice(request, org)
    links: list[OrganizationProvider] = list(
        selectors.practice_provider_links(organization=organization)
    )
    return [
        {
            "id": link.pk,
            "npi": link.provider.npi,
            "name": link.provider.display_name,
            "specialty": link.provider.specialty,
            "status": link.status,
            "status_label": link.get_status_display(),
        }
        for link in links
    ]


# ---------------------------------------------------------------------------
# Access administrators
# ---------------------------------------------------------------------------
@router.get(
    "/staff/access-requests",
    response={200: AccessRequestPageOut, 422: ErrorOut, **ERRORS},
    summary="The access requests queue",
)
def staff_queue(request: HttpRequest, filters: Query[AccessQueueQuery]) -> Any:
    _access_admin(request)
    form = _validated(
        QueueFilterForm(
            {"status": filters.status, "application": filters.application, "q": filters.q}
        )
    )
    qs = selectors.access_requests_for_staff(
        status=form.cleaned_data.get("status", ""),
        application=form.cleaned_data.get("application", ""),
        query=form.cleaned_data.get("q", ""),
    )
    return _page(qs, filters.page, Actor.STAFF)


@router.get(
    "/staff/access-requests/{reference}",
    response={200: StaffAccessRequestOut, **ERRORS},
    summary="A request, its form values and history",
)
def staff_access_request(request: HttpRequest, reference: str) -> Any:
    user = _access_admin(request)
    ar = selectors.access_request_by_reference_for_staff(reference=reference)
    with transaction.atomic():
        audit_record(action="portico.access_request.viewed", actor=user, obj=ar)
    return _staff_detail(ar)


@router.get(
    "/staff/access-requests/{reference}/form.pdf",
    response={200: None, **ERRORS},
    summary="The request's filled-in form (PDF)",
)
def staff_access_request_form(request: HttpRequest, reference: str) -> Any:
    _access_admin(request)
    return _pdf(selectors.access_request_by_reference_for_staff(reference=reference))


def _decide(request: HttpRequest, reference: str, decide: Any) -> Any:
    user = _access_admin(request)
    ar = selectors.access_request_by_reference_for_staff(reference=reference)
    try:
        decide(ar, user)
    except (AccessRequestError, TransitionNotAllowed) as exc:
        raise refused(409, str(exc)) from exc
    return _staff_detail(selectors.access_request_by_reference_for_staff(reference=reference))


@router.post(
    "/staff/access-requests/{reference}/review",
    response={200: StaffAccessRequestOut, **ERRORS},
    summary="Start reviewing a signed request",
)
def staff_review(request: HttpRequest, reference: str) -> Any:
    return _decide(
        request,
        reference,
        lambda ar, user: access_request_start_review(access_request=ar, actor=user),
    )


@router.post(
    "/staff/access-requests/{reference}/approve",
    response={200: StaffAccessRequestOut, **ERRORS},
    summary="Approve: write the grants and email the requester",
)
def staff_approve(request: HttpRequest, reference: str) -> Any:
    return _decide(
        request, reference, lambda ar, user: access_request_approve(access_request=ar, actor=user)
    )


@router.post(
    "/staff/access-requests/{reference}/deny",
    response={200: StaffAccessRequestOut, 422: ErrorOut, **ERRORS},
    summary="Deny with a reason the requester is emailed",
)
def staff_deny(request: HttpRequest, reference: str, payload: DenyIn) -> Any:
    _access_admin(request)
    form = _validated(DenyForm({"reason": payload.reason}))
    reason = form.cleaned_data["reason"]
    return _decide(
        request,
        reference,
        lambda ar, user: access_request_deny(access_request=ar, actor=user, reason=reason),
    )


@router.post(
    "/staff/access-requests/{reference}/more-info",
    response={200: StaffAccessRequestOut, 422: ErrorOut, **ERRORS},
    summary="Ask the requester for more information",
)
def staff_more_info(request: HttpRequest, reference: str, payload: MoreInfoIn) -> Any:
    _access_admin(request)
    form = _validated(MoreInfoForm({"message": payload.message}))
    message = form.cleaned_data["message"]
    return _decide(
        request,
        reference,
        lambda ar, user: access_request_ask_more_info(
            access_request=ar, actor=user, message=message
        ),
    )
