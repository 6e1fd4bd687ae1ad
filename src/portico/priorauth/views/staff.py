"""Utilization review: the queue with turnaround clocks, working a request, fax intake."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.forms import ChoiceField
from django.http import HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portico.codes.selectors import icd10_texts
from portico.core.uploads import file_download_response
from portico.identity.roles import StaffRole, has_staff_role
from portico.priorauth import selectors, services
from portico.priorauth.access import reviewer_required
from portico.priorauth.forms import (
    AssignForm,
    DecideForm,
    DecisionFormSet,
    FaxIntakeForm,
    LineFormSet,
    PendForm,
    SendBackForm,
    StartForm,
    VersionForm,
    WithdrawForm,
    apply_errors,
)
from portico.priorauth.models import (
    WITHDRAWN,
    LineDecision,
    PriorAuthRequest,
    Source,
    Status,
    Urgency,
    state_choices,
)
from portico.priorauth.transitions import TransitionNotAllowed


def _reviewers() -> list[Any]:
    groups = Group.objects.filter(name__in=[StaffRole.UM_REVIEWER, StaffRole.CLINICAL_REVIEWER])
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__in=groups)
        .distinct()
        .order_by("username")
    )


@never_cache
@require_GET
@reviewer_required
def queue(request: HttpRequest) -> HttpResponseBase:
    urgency = request.GET.get("urgency", "")
    status = request.GET.get("status", "open")
    assigned = request.GET.get("assigned", "")
    query = request.GET.get("q", "").replace("\x00", "")[:40]  # PostgreSQL can't compare NUL
    qs = selectors.review_queue(
        urgency=urgency,
        status=status if status in ("open", WITHDRAWN, *Status.values) else "open",
        assigned=assigned,
        reviewer=request.user,
        query=query,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    services.priorauth_record_list(
        user=request.user,
        where="Prior authorization review queue",
        references=[r.reference for r in page.object_list],
        staff=True,
        filters={"urgency": urgency, "status": status, "assigned": assigned, "query": query},
    )
    now = timezone.now()
    return render(
        request,
        "priorauth/staff/queue.html",
        {
            "page_obj": page,
            "now": now,
            "urgency": urgency,
            "status": status,
            "assigned": assigned,
            "q": query,
            "statuses": state_choices(),
            "urgencies": Urgency.choices,
        },
    )


# The action forms the page leaves out: all of them on a closed request; the send back and pend
# forms while the request waits for the office's answer, and the decision form then too unless
# the reviewer may deny (a sent-back request may be denied for lack of information).
_HIDDEN_WHILE_SENT_BACK = ("decide_form", "send_back_form", "pend_form")
_ACTION_FORMS = ("version_form", "assign_form", *_HIDDEN_WHILE_SENT_BACK, "withdraw_form")


def _hidden(row: PriorAuthRequest, key: str, *, may_deny: bool) -> bool:
    if not row.is_open:
        return True
    if key == "decide_form" and may_deny:
        return False
    return row.status == Status.SEND_BACK and key in _HIDDEN_WHILE_SENT_BACK


def _hidden_refusal(row: PriorAuthRequest, forms: dict[str, Any], *, may_deny: bool) -> Any:
    """The refused form whose errors the page would not show (its form is not on the page),
    so that a refusal there is still said (before: a 400 page with no message)."""
    decide, lines = forms.get("decide_form"), forms.get("decision_formset")
    if decide is not None and lines is not None and _hidden(row, "decide_form", may_deny=may_deny):
        # The lines' messages (e.g. a line no longer open) are not on the page either.
        for message in lines.non_form_errors():
            decide.add_error(None, message)
        for line_form in lines.forms:
            for messages_ in line_form.errors.values():
                for message in messages_:
                    decide.add_error(None, message)
    for key in _ACTION_FORMS:
        form = forms.get(key)
        if form is None or not form.errors:
            continue
        if _hidden(row, key, may_deny=may_deny):
            return form
    return None


def _render(
    request: HttpRequest, row: PriorAuthRequest, *, status: int = 200, **forms: Any
) -> HttpResponseBase:
    version = {"version": row.version}
    lines = list(row.lines.all())
    open_lines = [ln for ln in lines if ln.decision == LineDecision.PENDING]
    decision_formset = forms.get("decision_formset") or DecisionFormSet(
        prefix="decide",
        initial=[
            {
                "line_no": ln.line_no,
                "approved_units": ln.units,
                "approved_start": ln.start_date,
                "approved_end": ln.end_date,
            }
            for ln in open_lines
        ],
    )
    if row.status == Status.SEND_BACK:
        # Denial is the only decision offered while the office answers: its reason and
        # criteria are required (the service says so too), so the page marks them.
        for line_form in decision_formset.forms:
            for name in ("deny_reason", "criteria"):
                line_form.fields[name].required = True
    assign_form = forms.get("assign_form") or AssignForm(
        initial={**version, "assignee": row.assigned_to_id or ""}
    )
    assignee = assign_form.fields["assignee"]
    if isinstance(assignee, ChoiceField):
        assignee.choices = [("", "Unassigned")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in _reviewers()
        ]
    may_deny = has_staff_role(request.user, StaffRole.CLINICAL_REVIEWER)
    return render(
        request,
        "priorauth/staff/request.html",
        {
            "hidden_refusal": _hidden_refusal(row, forms, may_deny=may_deny),
            "pa": row,
            "diagnoses": icd10_texts(codes=row.diagnoses),
            "lines": lines,
            "line_forms": list(zip(open_lines, decision_formset.forms, strict=False)),
            "decision_formset": decision_formset,
            "decide_form": forms.get("decide_form") or DecideForm(initial=version),
            "send_back_form": forms.get("send_back_form") or SendBackForm(initial=version),
            "pend_form": forms.get("pend_form") or PendForm(initial=version),
            "withdraw_form": forms.get("withdraw_form") or WithdrawForm(initial=version),
            "assign_form": assign_form,
            # Assign and Start review post this form; a refusal's message shows with the actions.
            "version_form": forms.get("version_form") or VersionForm(initial=version),
            "history": selectors.history(request=row, include_internal=True),
            "letters": selectors.letters_for_request(request=row),
            "attachments": list(row.attachments.all()),
            "may_deny": may_deny,
            "now": timezone.now(),
            "stale": forms.get("stale"),
        },
        status=status,
    )


@never_cache
@require_GET
@reviewer_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponseBase:
    row = selectors.request_get_for_staff(reference=reference)
    services.priorauth_record_view(request=row, user=request.user, staff=True)
    return _render(request, row)


def _act(
    request: HttpRequest, reference: str, form_class: type, form_key: str, action: Any, success: str
) -> HttpResponseBase:
    row = selectors.request_get_for_staff(reference=reference)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render(request, row, status=400, **{form_key: form})
    try:
        action(row, form.cleaned_data)
    except services.StaleRequest as exc:
        fresh = selectors.request_get_for_staff(reference=reference)
        return _render(request, fresh, status=409, stale=exc.message)
    except services.RequestInvalid as exc:
        for msgs in exc.errors.values():
            for message in msgs:
                form.add_error(None, message)
        return _render(request, row, status=400, **{form_key: form})
    except (services.PriorAuthError, TransitionNotAllowed) as exc:
        form.add_error(None, exc.message)
        return _render(request, row, status=400, **{form_key: form})
    messages.success(request, success)
    return redirect("priorauth:staff_request", reference=reference)


@require_POST
@reviewer_required
def request_assign(request: HttpRequest, reference: str) -> HttpResponseBase:
    reviewers = {str(u.pk): u for u in _reviewers()}

    def action(row: PriorAuthRequest, data: dict[str, Any]) -> None:
        services.priorauth_assign(
            request=row,
            actor=request.user,
            assignee=reviewers.get(request.POST.get("assignee", "")),
            version=data["version"],
        )

    return _act(request, reference, VersionForm, "version_form", action, "Assignment saved.")


@require_POST
@reviewer_required
def request_start(request: HttpRequest, reference: str) -> HttpResponseBase:
    return _act(
        request,
        reference,
        VersionForm,
        "version_form",
        lambda row, data: services.priorauth_start_review(
            request=row, actor=request.user, version=data["version"]
        ),
        "The request is In Review.",
    )


@require_POST
@reviewer_required
def request_send_back(request: HttpRequest, reference: str) -> HttpResponseBase:
    return _act(
        request,
        reference,
        SendBackForm,
        "send_back_form",
        lambda row, data: services.priorauth_send_back(
            request=row, actor=request.user, message=data["message"], version=data["version"]
        ),
        "Sent back to the office; the Lack of Information letter is posted.",
    )


@require_POST
@reviewer_required
def request_pend(request: HttpRequest, reference: str) -> HttpResponseBase:
    return _act(
        request,
        reference,
        PendForm,
        "pend_form",
        lambda row, data: services.priorauth_pend(
            request=row, actor=request.user, reason=data["reason"], version=data["version"]
        ),
        "The request is pended; the Pend letter is posted.",
    )


@require_POST
@reviewer_required
def request_withdraw(request: HttpRequest, reference: str) -> HttpResponseBase:
    return _act(
        request,
        reference,
        WithdrawForm,
        "withdraw_form",
        lambda row, data: services.priorauth_withdraw(
            request=row, actor=request.user, reason=data["reason"], version=data["version"]
        ),
        "The request was administratively withdrawn; the letter is posted.",
    )


@require_POST
@reviewer_required
def request_decide(request: HttpRequest, reference: str) -> HttpResponseBase:
    row = selectors.request_get_for_staff(reference=reference)
    form = DecideForm(request.POST)
    formset = DecisionFormSet(request.POST, prefix="decide")
    if not (form.is_valid() and formset.is_valid()):
        return _render(request, row, status=400, decide_form=form, decision_formset=formset)
    decisions = [
        services.LineDecisionInput(
            line_no=f.cleaned_data["line_no"],
            decision=f.cleaned_data.get("decision") or "",
            approved_units=f.cleaned_data.get("approved_units"),
            approved_start=f.cleaned_data.get("approved_start"),
            approved_end=f.cleaned_data.get("approved_end"),
            deny_reason=f.cleaned_data.get("deny_reason") or "",
            criteria=f.cleaned_data.get("criteria") or "",
        )
        for f in formset.forms
    ]
    try:
        result = services.priorauth_decide(
            request=row,
            actor=request.user,
            decisions=decisions,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except services.StaleRequest as exc:
        fresh = selectors.request_get_for_staff(reference=reference)
        return _render(request, fresh, status=409, stale=exc.message)
    except services.RequestInvalid as exc:
        _decision_errors(form, formset, exc.errors)
        return _render(request, row, status=400, decide_form=form, decision_formset=formset)
    except (services.PriorAuthError, TransitionNotAllowed) as exc:
        form.add_error(None, exc.message)
        return _render(request, row, status=400, decide_form=form, decision_formset=formset)
    messages.success(
        request,
        f"Decision recorded: {result.get_status_display()}. The determination letter is posted.",
    )
    return redirect("priorauth:staff_request", reference=reference)


def _decision_errors(form: DecideForm, formset: Any, errors: dict[str, list[str]]) -> None:
    """Each ``line-<n>-<field>`` message at that field of line n's form; the rest on top."""
    by_line = {f.cleaned_data.get("line_no"): f for f in formset.forms}
    for key, msgs in errors.items():
        match = re.fullmatch(r"line-(\d+)-(\w+)", key)
        line_form = by_line.get(int(match.group(1))) if match else None
        for message in msgs:
            if line_form is not None and match and match.group(2) in line_form.fields:
                line_form.add_error(match.group(2), message)
            else:
                form.add_error(None, message)


@never_cache
@require_http_methods(["GET", "POST"])
@reviewer_required
def fax_intake(request: HttpRequest) -> HttpResponseBase:
    start = StartForm(request.GET or None)
    code = request.POST.get("service_category", "") if request.method == "POST" else ""
    # No category has NUL in its code (and PostgreSQL can't compare text with it).
    category = (
        selectors.categories().filter(code=code).first() if code and "\x00" not in code else None
    )
    if category is None and start.is_bound and start.is_valid():
        category = start.cleaned_data["category"]
    if category is None:
        return render(
            request,
            "priorauth/staff/fax_start.html",
            {"form": start},
            status=400 if start.is_bound else 200,
        )
    if request.method == "POST":
        form = FaxIntakeForm(request.POST, request.FILES, category=category)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            payload = form.to_input(list(formset.forms))
            payload.requesting_provider_npi = form.cleaned_data.get("requesting_provider", "")
            payload.servicing_provider_npi = form.cleaned_data.get("servicing_provider", "")
            try:
                row = services.priorauth_submit(
                    user=request.user,
                    data=payload,
                    staff=True,
                    source=Source.FAX,
                    files=[form.cleaned_data["fax"], *(form.cleaned_data.get("attachments") or [])],
                    confirm_duplicate=True,
                    idempotency_key=form.cleaned_data.get("idempotency_key", ""),
                )
            except services.RequestInvalid as exc:
                apply_errors(form, formset, exc.errors)
            except services.PriorAuthError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"Faxed request {row.reference} created ({row.get_status_display()})."
                )
                return redirect("priorauth:staff_request", reference=row.reference)
        status = 400
    else:
        initial = QueryDict(mutable=True)
        initial["plan"] = str(start.cleaned_data["plan"].pk)
        initial["service_category"] = category.code
        form = FaxIntakeForm(initial=initial.dict(), category=category)
        formset = LineFormSet(prefix="lines")
        status = 200
    return render(
        request,
        "priorauth/staff/fax_intake.html",
        {"form": form, "formset": formset, "category": category},
        status=status,
    )


@never_cache
@require_GET
@reviewer_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = selectors.attachment_get_for_staff(pk=pk)
    services.priorauth_record_file_download(
        request=item.request, user=request.user, file_name=item.file_name
    )
    return file_download_response(
        key=item.storage_key, filename=item.file_name, content_type=item.content_type
    )
