"""Staff back office for Portico ID accounts: find, lock/unlock, reset MFA, deactivate and
reactivate (each of the last three with a reason, recorded in the audit log).

Open to access administrators and support agents (and superusers). Anyone else signed in
gets 404 when not staff at all, 403 when staff without the role.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.core.models import AuditEvent
from portico.identity import phones, presenters, selectors, services
from portico.identity.forms import LockForm, ReasonForm, StaffSearchForm
from portico.identity.roles import may_act_on_account, may_manage_accounts


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not user.is_staff:
            raise Http404
        if not may_manage_accounts(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@staff_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    form = StaffSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A search that cannot be run lists nothing and says why (before: every account).
        users: list[Any] = []
        query = request.GET.get("q", "")[: StaffSearchForm.MAX_LENGTH]
    else:
        query = form.cleaned_data["q"] if form.is_bound else ""
        users = list(selectors.staff_user_search(query=query, limit=USER_LIST_LIMIT + 1))
    return render(
        request,
        "identity/staff/user_list.html",
        {
            "form": form,
            "users": users[:USER_LIST_LIMIT],
            "more": len(users) > USER_LIST_LIMIT,
            "limit": USER_LIST_LIMIT,
            "query": query,
        },
        status=400 if form.errors else 200,
    )


STAFF_ACCOUNT_REFUSED = "Staff accounts are managed by a superuser."
USER_LIST_LIMIT = 50


def _subject_to_act_on(request: HttpRequest, pk: int) -> Any:
    """The account an action changes; 403 when it is a staff account and the actor is not a
    superuser (``roles.may_act_on_account``)."""
    subject = selectors.staff_user_get(pk=pk)
    if not may_act_on_account(request.user, subject):
        raise PermissionDenied(STAFF_ACCOUNT_REFUSED)
    return subject


def _detail(request: HttpRequest, pk: int, status: int = 200, **forms: Any) -> HttpResponse:
    subject = selectors.staff_user_get(pk=pk)
    events = AuditEvent.objects.filter(
        object_type="identity.user", object_id=str(subject.pk)
    ).order_by("-id")[:50]
    return render(
        request,
        "identity/staff/user_detail.html",
        {
            "subject": subject,
            "may_act": may_act_on_account(request.user, subject),
            "refused_text": STAFF_ACCOUNT_REFUSED,
            "throttle": selectors.throttle_for(user=subject),
            "factor_types": selectors.mfa_factor_types(user=subject),
            "phone_display": phones.display(subject.phone),
            "events": [(event, presenters.audit_details(event.changes)) for event in events],
            "reset_form": forms.get("reset_form") or ReasonForm(prefix="reset"),
            "deactivate_form": forms.get("deactivate_form") or ReasonForm(prefix="deactivate"),
            "reactivate_form": forms.get("reactivate_form") or ReasonForm(prefix="reactivate"),
            "lock_form": forms.get("lock_form") or LockForm(prefix="lock", initial={"minutes": 30}),
        },
        status=status,
    )


@never_cache
@staff_required
@require_GET
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@staff_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    services.user_unlock(user=_subject_to_act_on(request, pk), actor=request.user)
    messages.success(request, "The account is unlocked.")
    return redirect("identity:staff_user", pk=pk)


@staff_required
@require_POST
def user_lock(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _subject_to_act_on(request, pk)
    form = LockForm(request.POST, prefix="lock")
    if not form.is_valid():
        return _detail(request, pk, status=400, lock_form=form)
    services.user_lock(
        user=subject,
        actor=request.user,
        minutes=form.cleaned_data["minutes"],
    )
    messages.success(request, "The account is locked.")
    return redirect("identity:staff_user", pk=pk)


def _with_reason(
    request: HttpRequest, pk: int, prefix: str, action: Any, success: str
) -> HttpResponse:
    """A staff action that records its reason (the form of ``prefix`` on the user's page):
    field errors, or a refusal of the service, come back on that form."""
    subject = _subject_to_act_on(request, pk)
    already = {"deactivate": not subject.is_active, "reactivate": subject.is_active}
    if already.get(prefix):
        # The page shows no such form now (a second tab, a colleague was first): say so.
        state = "active" if subject.is_active else "deactivated"
        messages.info(request, f"The account is already {state}; nothing was changed.")
        return redirect("identity:staff_user", pk=pk)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            action(
                user=subject,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error("reason", exc.messages[0])
        else:
            messages.success(request, success)
            return redirect("identity:staff_user", pk=pk)
    return _detail(request, pk, status=400, **{f"{prefix}_form": form})


@staff_required
@require_POST
def user_mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        "reset",
        services.user_mfa_reset,
        "Sign-in methods were reset. The user sets them up at next sign-in.",
    )


@staff_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        "deactivate",
        services.user_deactivate,
        "The account is deactivated and its sessions were ended.",
    )


@staff_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request, pk, "reactivate", services.user_reactivate, "The account is active again."
    )
