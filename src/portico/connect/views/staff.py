"""The access administrators' back office: the queue, a request, and its decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portico.connect.forms.staff import (
    DenyForm,
    FaxAttachForm,
    MoreInfoForm,
    QueueFilterForm,
    RemoveAccessForm,
    UserSearchForm,
)
from portico.connect.presenters import (
    access_request_sections,
    grant_scope_text,
    history_entries,
    signature_lines,
    signature_summary,
)
from portico.connect.views._common import access_admin_required
from portico.core.audit import audit_record
from portico.core.uploads import delete_stored, store_upload
from portico.identity.selectors import staff_user_get, staff_user_search
from portico.organizations.models import AccessRequest, Application
from portico.organizations.selectors import (
    access_request_get_for_staff,
    access_request_history,
    access_requests_for_staff,
    claims_form_user,
    grant_get_for_staff,
    grants_for_user,
    grants_of_user_for_staff,
    provider_links_pending,
    referrals_grantee,
)
from portico.organizations.services.access import (
    AccessRequestError,
    access_request_approve,
    access_request_ask_more_info,
    access_request_attach_fax,
    access_request_deny,
    access_request_grant_referrals,
    access_request_start_review,
    grant_remove_by_staff,
)
from portico.organizations.services.practice import PracticeError, practice_provider_decide
from portico.organizations.transitions import Actor, TransitionNotAllowed, allowed_actions


@access_admin_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = access_requests_for_staff(
        status=filters.get("status", ""),
        application=filters.get("application", ""),
        query=filters.get("q", ""),
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "connect/staff/queue.html",
        {
            "form": form,
            "page_obj": page,
            "pending_providers": provider_links_pending().count(),
        },
    )


def _detail(
    request: HttpRequest, access_request: AccessRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    actions = allowed_actions(access_request, Actor.STAFF)
    grantee = (
        referrals_grantee(access_request=access_request)
        if access_request.status == AccessRequest.Status.APPROVED and access_request.organization
        else None
    )
    referrals_granted = (
        grantee is not None
        and grants_for_user(user=grantee, application=Application.REFERRALS)
        .filter(organization=access_request.organization)
        .exists()
    )
    return render(
        request,
        "connect/staff/request_detail.html",
        {
            "access_request": access_request,
            "sections": access_request_sections(access_request),
            "signature": signature_summary(access_request),
            "esign_lines": signature_lines(access_request),
            "history": history_entries(access_request_history(access_request=access_request)),
            "actions": actions,
            "deny_form": forms.get("deny_form") or DenyForm(),
            "more_info_form": forms.get("more_info_form") or MoreInfoForm(),
            "fax_form": forms.get("fax_form") or FaxAttachForm(),
            "can_grant_referrals": grantee is not None and not referrals_granted,
            "referrals_grantee": grantee,
            "referrals_granted": referrals_granted,
            "access_for": claims_form_user(access_request=access_request)
            if access_request.application == Application.CLAIMS
            else access_request.requester,
        },
        status=status,
    )


@access_admin_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_get_for_staff(pk=pk)
    with transaction.atomic():
        audit_record(action="portico.access_request.viewed", actor=request.user, obj=access_request)
    return _detail(request, access_request)


def _run(
    request: HttpRequest, pk: int, action: Callable[[AccessRequest], Any], success: str
) -> HttpResponse:
    access_request = access_request_get_for_staff(pk=pk)
    try:
        action(access_request)
    except (AccessRequestError, TransitionNotAllowed) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("connect:staff-request", pk=pk)


@access_admin_required
@require_POST
def request_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        lambda ar: access_request_start_review(access_request=ar, actor=request.user),
        "The request is now in review.",
    )


@access_admin_required
@require_POST
def request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        lambda ar: access_request_approve(access_request=ar, actor=request.user),
        "Approved. The access is stored and the requester was emailed.",
    )


@access_admin_required
@require_POST
def request_referrals(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        pk,
        lambda ar: access_request_grant_referrals(access_request=ar, actor=request.user),
        "Referrals Portal access granted.",
    )


@access_admin_required
@require_POST
def request_deny(request: HttpRequest, pk: int) -> HttpResponse:
    form = DenyForm(request.POST)
    if not form.is_valid():
        return _detail(request, access_request_get_for_staff(pk=pk), 400, deny_form=form)
    return _run(
        request,
        pk,
        lambda ar: access_request_deny(
            access_request=ar, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        "Denied. The requester was emailed the reason.",
    )


@access_admin_required
@require_POST
def request_more_info(request: HttpRequest, pk: int) -> HttpResponse:
    form = MoreInfoForm(request.POST)
    if not form.is_valid():
        return _detail(request, access_request_get_for_staff(pk=pk), 400, more_info_form=form)
    return _run(
        request,
        pk,
        lambda ar: access_request_ask_more_info(
            access_request=ar, actor=request.user, message=form.cleaned_data["message"]
        ),
        "The requester was asked for more information.",
    )


@access_admin_required
@require_POST
def request_attach_fax(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = access_request_get_for_staff(pk=pk)
    form = FaxAttachForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, access_request, 400, fax_form=form)
    stored = store_upload(file=form.cleaned_data["file"], prefix="access-forms")
    try:
        access_request_attach_fax(access_request=access_request, actor=request.user, stored=stored)
    except (AccessRequestError, TransitionNotAllowed) as exc:
        delete_stored(stored.key)
        messages.error(request, str(exc))
    else:
        messages.success(request, "The faxed form is attached; the request is ready for review.")
    return redirect("connect:staff-request", pk=pk)


@access_admin_required
@require_GET
def provider_requests(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "connect/staff/provider_requests.html",
        {"links": provider_links_pending().order_by("created_at")},
    )


@access_admin_required
@require_POST
def provider_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    link = provider_links_pending().filter(pk=pk).first()
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        # Only the page's two buttons decide; anything else is not read as a rejection.
        messages.error(request, "Choose Approve or Reject for the connection request.")
        return redirect("connect:staff-providers")
    approve = decision == "approve"
    if link is None:
        messages.error(request, "This connection request was already decided.")
        return redirect("connect:staff-providers")
    try:
        practice_provider_decide(link=link, actor=request.user, approve=approve)
    except PracticeError as exc:
        messages.error(request, str(exc))
    else:
        verb = "connected to" if approve else "not connected to"
        messages.success(request, f"{link.provider.display_name} was {verb} {link.organization}.")
    return redirect("connect:staff-providers")


# ---------------------------------------------------------------------------
# Portal access of one user: what they hold, and taking it away
# ---------------------------------------------------------------------------
@access_admin_required
@require_GET
def access_users(request: HttpRequest) -> HttpResponse:
    form = UserSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    users = list(staff_user_search(query=query, limit=50)) if query else []
    return render(
        request, "connect/staff/access_users.html", {"form": form, "users": users, "query": query}
    )


def _remove_prefix(grant_pk: int) -> str:
    return f"grant-{grant_pk}"


def _access_user_page(
    request: HttpRequest, user_pk: int, status: int = 200, **forms: Any
) -> HttpResponse:
    user = staff_user_get(pk=user_pk)
    failed = forms.get("remove_form")
    grants = [
        {
            "grant": grant,
            "scope": grant_scope_text(grant),
            # One form per active grant, each with its own field ids.
            "form": failed
            if failed is not None and failed.prefix == _remove_prefix(grant.pk)
            else RemoveAccessForm(prefix=_remove_prefix(grant.pk)),
        }
        for grant in grants_of_user_for_staff(user=user)
    ]
    return render(
        request,
        "connect/staff/access_user.html",
        {
            "subject": user,
            "grants": grants,
            "access_requests": access_requests_for_staff(requester=user)[:20],
        },
        status=status,
    )


@access_admin_required
@require_GET
def access_user(request: HttpRequest, user_pk: int) -> HttpResponse:
    return _access_user_page(request, user_pk)


@access_admin_required
@require_POST
def access_grant_remove(request: HttpRequest, pk: int) -> HttpResponse:
    grant = grant_get_for_staff(pk=pk)
    form = RemoveAccessForm(request.POST, prefix=_remove_prefix(pk))
    if not form.is_valid():
        return _access_user_page(request, grant.user_id, 400, remove_form=form)
    try:
        grant_remove_by_staff(grant=grant, actor=request.user, reason=form.cleaned_data["reason"])
    except AccessRequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{grant.user.get_username()} no longer has the {grant.get_application_display()}"
            + (f" for {grant.organization.name}" if grant.organization else "")
            + ". They were emailed the reason.",
        )
    return redirect("connect:staff-access-user", user_pk=grant.user_id)
