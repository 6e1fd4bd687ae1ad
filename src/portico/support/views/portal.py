"""The direct customers' portal: customer log-in, Create Case, Search and Comment, contact."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portico.core.middleware import client_ip
from portico.core.uploads import UploadRejected, file_download_response
from portico.identity.decorators import mfa_exempt
from portico.identity.roles import StaffRole, has_staff_role
from portico.support import conf, selectors, services
from portico.support.access import (
    current_customer,
    customer_required,
    forget_customer,
    remember_customer,
    support_access_required,
)
from portico.support.forms import (
    NO_NEW_CASE,
    AttachForm,
    CaseForm,
    CaseSearchForm,
    CaseTypeForm,
    CommentForm,
    CustomerLoginForm,
)
from portico.support.models import Actor, Case, CustomerUser
from portico.support.transitions import customer_may_comment, customer_may_reopen, reopen_deadline


def _customer(request: HttpRequest) -> CustomerUser:
    return request.support_customer  # type: ignore[attr-defined,no-any-return]


def _portal_context(request: HttpRequest, current: str, **extra: Any) -> dict[str, Any]:
    customer = _customer(request)
    nav = [
        ("create", "Create Case", reverse("support:case_create")),
        ("search", "Search and Comment", reverse("support:case_list")),
        ("contact", "Contact Customer Support", reverse("support:contact")),
    ]
    return {
        "customer": customer,
        "customer_pfi": selectors.customer_pfi(customer),
        "nav_items": [
            {"label": label, "url": url, "current": key == current} for key, label, url in nav
        ],
        **extra,
    }


@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    signed_in = request.user.is_authenticated
    customer = current_customer(request) if signed_in else None
    has_access = signed_in and selectors.user_has_support_access(user=request.user)
    # The customer log-in answers 403 to a signed-in user without a Support grant, so such a
    # user is offered the way to get one (or, an agent, the console) instead of that button.
    return render(
        request,
        "support/home.html",
        {
            "verified_customer": customer,
            "has_support_access": has_access,
            "is_agent": has_staff_role(request.user, StaffRole.SUPPORT_AGENT),
        },
    )


@mfa_exempt  # no PHI; a user who cannot complete MFA needs the number to call
@require_GET
def contact(request: HttpRequest) -> HttpResponseBase:
    data = conf.contact()
    portal_url = data.get("portal_url") or request.build_absolute_uri(reverse("support:home"))
    return render(request, "support/contact.html", {"contact": data, "portal_url": portal_url})


def _safe_next(request: HttpRequest, value: str) -> str:
    if (
        value
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and value.startswith("/support/")
    ):
        return value
    return ""


@never_cache
@require_http_methods(["GET", "POST"])
@support_access_required
def customer_login(request: HttpRequest) -> HttpResponseBase:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = CustomerLoginForm(request.POST or None)
    login_error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.customer_login(
                user=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                user_id=data["user_id"],
                pfi=data["pfi"],
                ip_address=client_ip(request),
            )
        except services.CustomerLoginFailed as exc:
            login_error = exc.message
        else:
            request.session.cycle_key()
            remember_customer(request, customer)
            if next_url:
                return redirect(next_url)
            if data["case_type"] == NO_NEW_CASE:
                return redirect("support:case_list")
            return redirect(f"{reverse('support:case_create')}?type={data['case_type']}")
    return render(
        request,
        "support/customer_login.html",
        {"form": form, "login_error": login_error, "next": next_url},
        status=200,
    )


@require_POST
def customer_logout(request: HttpRequest) -> HttpResponseBase:
    forget_customer(request)
    messages.info(request, "You logged out of the customer portal.")
    return redirect("support:home")


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required()
def case_create(request: HttpRequest) -> HttpResponseBase:
    customer = _customer(request)
    if request.method == "POST":
        case_type = request.POST.get("case_type", "")
        if not conf.is_case_type(case_type):
            case_type = conf.CLAIM_CASE_TYPE
        form = CaseForm(request.POST, case_type=case_type)
        if form.is_valid():
            try:
                case = services.case_create(
                    customer=customer,
                    actor=request.user,
                    case_type=case_type,
                    subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    claim=form.claim_details(),
                    idempotency_key=form.cleaned_data.get("idempotency_key") or "",
                )
            except services.SupportError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Your case {case.number} was created. We emailed you a confirmation.",
                )
                return redirect("support:case_detail", number=case.number)
    else:
        case_type = request.GET.get("type", conf.CLAIM_CASE_TYPE)
        if not conf.is_case_type(case_type):
            case_type = conf.CLAIM_CASE_TYPE
        form = CaseForm(case_type=case_type)
    type_form = CaseTypeForm(initial={"case_type": case_type})
    return render(
        request,
        "support/case_create.html",
        _portal_context(
            request,
            "create",
            form=form,
            type_form=type_form,
            case_type_name=conf.case_type_name(case_type),
        ),
    )


@never_cache
@require_GET
@customer_required()
def case_list(request: HttpRequest) -> HttpResponseBase:
    customer = _customer(request)
    form = CaseSearchForm(request.GET or None)
    scope, number = "all", ""
    if form.is_bound and form.is_valid():
        scope, number = form.cleaned_data["scope"], form.cleaned_data["number"]
    cases = (
        selectors.cases_for_customer(customer=customer, scope=scope, number=number)
        if not (form.is_bound and form.errors)
        else Case.objects.none()
    )
    page = Paginator(cases, conf.page_size()).get_page(request.GET.get("page"))
    # The Action column offers Comment and Attach where the case page does.
    rows = [(case, customer_may_comment(case)) for case in page.object_list]
    return render(
        request,
        "support/case_list.html",
        _portal_context(
            request, "search", form=form, page_obj=page, rows=rows, scope=scope, number=number
        ),
    )


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    return _portal_context(
        request,
        "search",
        case=case,
        timeline=selectors.case_timeline(case=case, include_internal=False),
        may_comment=customer_may_comment(case),
        may_reopen=customer_may_reopen(case),
        reopen_deadline=reopen_deadline(case),
        **extra,
    )


@never_cache
@require_GET
@customer_required(object_view=True)
def case_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_customer(customer=_customer(request), number=number)
    services.case_view_record(case=case, actor=request.user)
    return render(request, "support/case_detail.html", _case_context(request, case))


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required(object_view=True)
def case_comment(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_customer(customer=_customer(request), number=number)
    form = CommentForm(request.POST or None)
    if not customer_may_comment(case):
        if request.method != "POST":
            messages.error(request, "This case is closed. Reopen it to add a comment.")
            return redirect("support:case_detail", number=case.number)
        # Closed while the customer was typing (an agent, another tab): nothing is saved, but
        # the text comes back instead of being thrown away by a redirect.
        form.is_valid()
        form.add_error(
            None,
            "This case was closed before your comment was saved. Your text is below: copy "
            "it, reopen the case from its page, then add the comment.",
        )
    elif request.method == "POST" and form.is_valid():
        try:
            services.case_comment_add(
                case=case,
                actor=request.user,
                actor_kind=Actor.CUSTOMER,
                body=form.cleaned_data["body"],
                idempotency_key=form.cleaned_data.get("idempotency_key") or "",
            )
        except services.SupportError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your comment was saved.")
            return redirect("support:case_detail", number=case.number)
    return render(
        request,
        "support/case_comment.html",
        _portal_context(request, "search", case=case, form=form),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required(object_view=True)
def case_attach(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_customer(customer=_customer(request), number=number)
    if not customer_may_comment(case):
        messages.error(request, "This case is closed. Reopen it to attach files.")
        return redirect("support:case_detail", number=case.number)
    form = AttachForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.case_attachments_add(
                case=case,
                actor=request.user,
                actor_kind=Actor.CUSTOMER,
                files=form.cleaned_data["file"],
                idempotency_key=form.cleaned_data.get("idempotency_key") or "",
            )
        except services.SupportError as exc:
            form.add_error(None, exc.message)
        except UploadRejected as exc:
            form.add_error("file", exc)
        else:
            messages.success(
                request,
                "Your file was attached."
                if len(rows) == 1
                else f"Your {len(rows)} files were attached.",
            )
            return redirect("support:case_detail", number=case.number)
    return render(
        request,
        "support/case_attach.html",
        _portal_context(request, "search", case=case, form=form),
    )


@require_POST
@customer_required(object_view=True)
def case_reopen(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_customer(customer=_customer(request), number=number)
    try:
        services.case_reopen(case=case, actor=request.user)
    except services.SupportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Case {case.number} was reopened.")
    return redirect("support:case_detail", number=case.number)


@require_GET
@customer_required(object_view=True)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    row = selectors.attachment_get_for_customer(customer=_customer(request), pk=pk)
    services.attachment_download_record(attachment=row, actor=request.user)
    return file_download_response(
        key=row.storage_key, filename=row.file_name, content_type=row.content_type
    )
