"""The signed-in hub: access forms, a request's page (print, sign, answer), and routing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.connect import back_office, content
from portico.connect.forms.access import (
    BrowserSignatureForm,
    ClaimsAccessForm,
    PhysicianInfoAccessForm,
    PipRowFormSet,
    ReplyForm,
    SignedFormUploadForm,
    SupportAccessForm,
    claims_form_initial,
)
from portico.connect.pdfs import access_form_pdf
from portico.connect.presenters import (
    access_request_sections,
    pip_roles_display,
    signature_lines,
    signature_summary,
)
from portico.connect.views._common import application_label, application_url
from portico.core.audit import audit_record
from portico.core.middleware import client_ip
from portico.core.text import as_int
from portico.core.uploads import delete_stored, file_download_response, store_upload
from portico.identity.roles import StaffRole, has_staff_role
from portico.organizations.models import AccessRequest, Application
from portico.organizations.selectors import (
    access_request_get_for_staff,
    access_request_get_for_user,
    access_requests_for_user,
    admin_organization_get_for_user,
    admin_organizations_for_user,
    grants_for_user,
)
from portico.organizations.services.access import (
    AccessRequestError,
    access_request_reply,
    access_request_sign_browser,
    access_request_sign_upload,
    access_request_submit,
)
from portico.organizations.services.signatures import (
    access_request_esign_start,
    access_request_signature_resend,
    esign_offered,
    esign_plan,
)
from portico.organizations.transitions import Actor, TransitionNotAllowed, allowed_actions


def _idp() -> str:
    return str(settings.PORTICO_BRAND["idp_name"])


# ---------------------------------------------------------------------------
# Access forms
# ---------------------------------------------------------------------------
def _submitted(request: HttpRequest, access_request: AccessRequest, created: bool) -> HttpResponse:
    if created:
        messages.success(
            request,
            f"Your request {access_request.reference} was submitted. Now print, sign and return "
            "the access form (below) to finish.",
        )
    else:
        messages.info(request, f"This form was already submitted as {access_request.reference}.")
    return redirect("connect:request-detail", pk=access_request.pk)


def _submit(request: HttpRequest, form: Any, submission: dict[str, Any]) -> HttpResponse | None:
    """Submit a valid access form; None (with the refusal on the form) when it is refused."""
    try:
        access_request, created = access_request_submit(
            requester=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            **submission,
        )
    except AccessRequestError as exc:
        form.add_error(None, str(exc))
        return None
    return _submitted(request, access_request, created)


def _claims_initial(request: HttpRequest) -> dict[str, Any]:
    """``?request_type=add_tin&practice=<pk>`` (the practice pages' "Add Tax ID"): the form
    starts with that type and the practice's details; a practice the user does not
    administer answers 404, like its pages."""
    organization = None
    if "practice" in request.GET:
        pk = as_int(request.GET["practice"])
        if pk is None:
            raise Http404
        organization = admin_organization_get_for_user(user=request.user, pk=pk)
    return claims_form_initial(
        request_type=request.GET.get("request_type", ""), organization=organization
    )


@login_required
@never_cache
def access_claims(request: HttpRequest) -> HttpResponse:
    form = ClaimsAccessForm(
        request.POST or None,
        user=request.user,
        idp_name=_idp(),
        initial=None if request.method == "POST" else _claims_initial(request),
    )
    if request.method == "POST" and form.is_valid():
        response = _submit(request, form, form.submission())
        if response is not None:
            return response
    return render(
        request,
        "connect/access_claims.html",
        {"form": form, "content": content, "groups": form.field_groups},
    )


@login_required
@never_cache
def access_patientinfo(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PhysicianInfoAccessForm(request.POST or None, user=user, idp_name=_idp())
    rows = PipRowFormSet(
        request.POST or None,
        prefix="rows",
        initial=None if request.POST else [{"email": user.email}],
    )
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        response = _submit(request, form, form.submission(rows))
        if response is not None:
            return response
    return render(
        request,
        "connect/access_patientinfo.html",
        {"form": form, "rows": rows, "content": content},
    )


@login_required
@never_cache
def access_support(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = SupportAccessForm(request.POST or None, user=user, idp_name=_idp())
    if request.method == "POST" and form.is_valid():
        response = _submit(request, form, form.submission())
        if response is not None:
            return response
    return render(request, "connect/access_support.html", {"form": form, "content": content})


# ---------------------------------------------------------------------------
# A request's page: print, sign (upload or in the browser), answer staff
# ---------------------------------------------------------------------------
def _detail_context(access_request: AccessRequest, user: Any, **forms: Any) -> dict[str, Any]:
    actions = allowed_actions(access_request, Actor.REQUESTER)
    alone = access_request.signed_by_requester_alone()
    plan = esign_plan(access_request)
    lines = signature_lines(access_request)
    return {
        "access_request": access_request,
        "sections": access_request_sections(access_request),
        "signature": signature_summary(access_request),
        # Signed already: the page offers the form, and a newly signed one only when the
        # Service Desk, asking for more information, may want it (the lifecycle allows it).
        "can_sign": "sign" in actions and not access_request.is_signed,
        "can_send_new_signed_form": "sign" in actions and access_request.is_signed,
        "sign_in_browser": alone,
        "signers": access_request.signers(),
        "esign_lines": lines,
        "esign_offer": esign_offered(access_request),
        "esign_own_lines": [signer for _, signer in plan.own],
        "esign_without_email": plan.without_email,
        "can_reply": "reply" in actions,
        "upload_form": forms.get("upload_form") or SignedFormUploadForm(),
        "sign_form": forms.get("sign_form")
        or BrowserSignatureForm(user=user, initial={"typed_name": user.get_full_name()}),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "content": content,
    }


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_get_for_user(user=request.user, pk=pk)
    return render(
        request, "connect/request_detail.html", _detail_context(access_request, request.user)
    )


@login_required
@require_GET
def request_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Print Portal Access Form": the PDF with every value (staff may print it too)."""
    access_request = _request_for_viewer(request, pk)
    response = HttpResponse(access_form_pdf(access_request), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="access-form-{access_request.reference}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def request_signed_form(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The uploaded or faxed signed form, for its requester and access administrators."""
    access_request = _request_for_viewer(request, pk)
    if not access_request.signed_form_key:
        raise Http404
    with transaction.atomic():
        audit_record(
            action="portico.access_request.form_downloaded",
            actor=request.user,
            obj=access_request,
        )
    return file_download_response(
        key=access_request.signed_form_key,
        filename=access_request.signed_form_name or f"{access_request.reference}-signed",
        content_type=access_request.signed_form_content_type,
    )


def _request_for_viewer(request: HttpRequest, pk: int) -> AccessRequest:
    if has_staff_role(request.user, StaffRole.ACCESS_ADMIN):
        return access_request_get_for_staff(pk=pk)
    return access_request_get_for_user(user=request.user, pk=pk)


@login_required
@require_POST
def request_upload(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_get_for_user(user=request.user, pk=pk)
    form = SignedFormUploadForm(request.POST, request.FILES)
    if form.is_valid():
        stored = store_upload(file=form.cleaned_data["file"], prefix="access-forms")
        try:
            access_request_sign_upload(
                access_request=access_request, actor=request.user, stored=stored
            )
        except (AccessRequestError, TransitionNotAllowed) as exc:
            delete_stored(stored.key)
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you. Your signed form was received.")
            return redirect("connect:request-detail", pk=pk)
    context = _detail_context(access_request, request.user, upload_form=form)
    return render(request, "connect/request_detail.html", context, status=400)


@login_required
@require_POST
def request_sign(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_get_for_user(user=request.user, pk=pk)
    form = BrowserSignatureForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            access_request_sign_browser(
                access_request=access_request,
                actor=request.user,
                typed_name=form.cleaned_data["typed_name"],
                ip_address=client_ip(request),
            )
        except (AccessRequestError, TransitionNotAllowed) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you. You signed the access form.")
        return redirect("connect:request-detail", pk=pk)
    context = _detail_context(access_request, request.user, sign_form=form)
    return render(request, "connect/request_detail.html", context, status=400)


@login_required
@require_POST
def request_esign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the requester's own lines (if any) and email every other signer their link."""
    access_request = access_request_get_for_user(user=request.user, pk=pk)
    own = esign_plan(access_request).own
    form = BrowserSignatureForm(request.POST, user=request.user) if own else None
    if form is None or form.is_valid():
        try:
            access_request_esign_start(
                access_request=access_request,
                actor=request.user,
                typed_name=form.cleaned_data["typed_name"] if form is not None else "",
                ip_address=client_ip(request),
            )
        except (AccessRequestError, TransitionNotAllowed) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ("Thank you. You signed the access form. " if own else "")
                + "We emailed the others named on it a link to sign it.",
            )
        return redirect("connect:request-detail", pk=pk)
    context = _detail_context(access_request, request.user, sign_form=form)
    return render(request, "connect/request_detail.html", context, status=400)


@login_required
@require_POST
def request_esign_resend(request: HttpRequest, pk: int, signature: int) -> HttpResponse:
    """ "Send the link again" to a signer who has not signed (rate-limited by the service)."""
    access_request = access_request_get_for_user(user=request.user, pk=pk)
    try:
        line = access_request_signature_resend(
            access_request=access_request, actor=request.user, signature_id=signature
        )
    except AccessRequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"We sent the link again to {line.email}.")
    return redirect("connect:request-detail", pk=pk)


@login_required
@require_POST
def request_reply(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_get_for_user(user=request.user, pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            access_request_reply(
                access_request=access_request, actor=request.user, reply=form.cleaned_data["reply"]
            )
        except (AccessRequestError, TransitionNotAllowed) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you. Your answer was sent to the Service Desk.")
        return redirect("connect:request-detail", pk=pk)
    context = _detail_context(access_request, request.user, reply_form=form)
    return render(request, "connect/request_detail.html", context, status=400)


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """My access: the applications the user has, their access requests, and the ways to ask
    for more (the access forms), to administer their practice, or to link an old username."""
    return render(
        request,
        "connect/request_list.html",
        {
            "applications": _applications_of(request.user),
            "access_requests": access_requests_for_user(user=request.user),
            "administers_a_practice": admin_organizations_for_user(user=request.user).exists(),
        },
    )


def _applications_of(user: Any) -> list[dict[str, str]]:
    held = {g.application for g in grants_for_user(user=user)}
    return [
        {"key": a, "label": application_label(a), "url": application_url(a)}
        for a in Application.values
        if a in held
    ]


# ---------------------------------------------------------------------------
# After sign-in: route to the application(s) the user has
# ---------------------------------------------------------------------------
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """One application → straight there; several, or any back-office console → a chooser;
    none → how to get access."""
    applications = _applications_of(request.user)
    consoles = back_office.consoles_for(request.user)
    if len(applications) == 1 and not consoles:
        return redirect(applications[0]["url"])
    pending = access_requests_for_user(user=request.user).exclude(
        status__in=[AccessRequest.Status.APPROVED, AccessRequest.Status.DENIED]
    )
    return render(
        request,
        "connect/home.html",
        {
            "applications": applications,
            "pending_requests": pending,
            "administers_a_practice": admin_organizations_for_user(user=request.user).exists(),
            "portal_text": content.APPLICATION_TAGLINES,
            "consoles": consoles,
        },
    )


ACCESS_FORMS: dict[str, str] = {
    Application.CLAIMS: "connect:access-claims",
    Application.PATIENT_INFO: "connect:access-patientinfo",
    Application.SUPPORT: "connect:access-support",
}


@login_required
@require_GET
def open_application(request: HttpRequest, application: str) -> HttpResponse:
    """A portal's card on the landing page: the portal for a user who has it, otherwise the
    way to ask for it (its access form, or the portal choice for the Referrals Portal, which
    the Service Desk grants with an approved request)."""
    if application not in Application.values:
        raise Http404
    if grants_for_user(user=request.user, application=application).exists():
        return redirect(application_url(application))
    label = application_label(application)
    if application in ACCESS_FORMS:
        messages.info(
            request, f"You don't have access to the {label} yet. Request it with this form."
        )
        return redirect(ACCESS_FORMS[application])
    messages.info(
        request,
        f"You don't have access to the {label} yet. The Service Desk grants it together with "
        "an approved access request: choose a portal to register for, and mention it there.",
    )
    return redirect("connect:signup-choose")


@login_required
@require_GET
def application(request: HttpRequest, application: str) -> HttpResponse:
    """Connect's page for an application that has no home of its own yet: the grant scope."""
    if application not in Application.values:
        raise Http404
    grants = list(grants_for_user(user=request.user, application=application))
    if not grants:
        raise Http404
    if application_url(application) != request.path:
        return redirect(application_url(application))
    return render(
        request,
        "connect/application.html",
        {
            "application": application,
            "label": application_label(application),
            "grants": [(grant, pip_roles_display(grant.scope)) for grant in grants],
            "region_labels": dict(content.pip_regions()),
            "home_url": reverse("connect:home"),
        },
    )
