"""The agents' console: the case queue and working a case (reply, note, status, merge)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import ChoiceField
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.core.uploads import UploadRejected, file_download_response
from portico.support import conf, selectors, services
from portico.support.access import agent_required
from portico.support.forms import (
    AssignForm,
    AttachForm,
    MergeForm,
    QueueFilterForm,
    ReplyForm,
    StatusForm,
)
from portico.support.models import Actor, Case, CaseStatus
from portico.support.transitions import allowed_targets


@never_cache
@require_GET
@agent_required
def queue(request: HttpRequest) -> HttpResponseBase:
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {"status": "open"}
    now = timezone.now()
    cases = selectors.staff_queue(agent=request.user, now=now, **filters)
    page = Paginator(cases, conf.page_size()).get_page(request.GET.get("page"))
    rows = [(case, selectors.sla_clock(case, now=now)) for case in page.object_list]
    return render(
        request,
        "support/staff/queue.html",
        {"form": form, "page_obj": page, "rows": rows, "now": now},
    )


def _render_case(
    request: HttpRequest, case: Case, *, status: int = 200, **forms: Any
) -> HttpResponseBase:
    # Each decision form carries the case's version as shown (optimistic concurrency).
    seen = {"seen": case.updated_at.isoformat()}
    status_form = forms.get("status_form") or StatusForm(initial=seen)
    status_field = cast(ChoiceField, status_form.fields["status"])
    targets = allowed_targets(case, Actor.AGENT)
    status_field.choices = [(v, label) for v, label in CaseStatus.choices if v in targets]
    context = {
        "case": case,
        "timeline": selectors.case_timeline(case=case, include_internal=True),
        "sla": selectors.sla_clock(case),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"assignee": case.assignee_id, **seen}),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "status_form": status_form,
        "merge_form": forms.get("merge_form") or MergeForm(initial=seen),
        "attach_form": forms.get("attach_form") or AttachForm(),
        "merged_cases": Case.objects.filter(merged_into=case).order_by("number"),
    }
    return render(request, "support/staff/case.html", context, status=status)


def _stale(form: Any, exc: Any, case: Case) -> Any:
    """The refused form again, its error shown, carrying the case's current version so the
    agent's next submit (after reading the timeline) is judged against what they now see."""
    data = form.data.copy()
    data["seen"] = case.updated_at.isoformat()
    fresh = type(form)(data)
    fresh.is_valid()
    fresh.add_error(None, exc.message)
    return fresh


@never_cache
@require_GET
@agent_required
def case_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_staff(number=number)
    services.case_view_record(case=case, actor=request.user, staff=True)
    return _render_case(request, case)


@require_POST
@agent_required
def case_assign(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_staff(number=number)
    data = request.POST.copy()
    if data.get("assign_to_me"):
        data["assignee"] = str(request.user.pk)
    form = AssignForm(data)
    if not form.is_valid():
        return _render_case(request, case, status=400, assign_form=form)
    try:
        services.case_assign(
            case=case,
            actor=request.user,
            assignee=form.cleaned_data["assignee"],
            seen=form.cleaned_data["seen"],
        )
    except services.SupportError as exc:
        return _render_case(request, case, status=409, assign_form=_stale(form, exc, case))
    messages.success(request, "The assignment was saved.")
    return redirect("support:staff_case", number=case.number)


@require_POST
@agent_required
def case_reply(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_staff(number=number)
    form = ReplyForm(request.POST)
    if form.is_valid():
        internal = form.cleaned_data["visibility"] == "internal"
        try:
            services.case_comment_add(
                case=case,
                actor=request.user,
                actor_kind=Actor.AGENT,
                body=form.cleaned_data["body"],
                is_internal=internal,
                new_status=form.cleaned_data["new_status"],
                idempotency_key=form.cleaned_data.get("idempotency_key") or "",
            )
        except services.SupportError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                "The internal note was saved."
                if internal
                else "Your reply was saved and the customer was emailed.",
            )
            return redirect("support:staff_case", number=case.number)
    return _render_case(request, case, status=400, reply_form=form)


@require_POST
@agent_required
def case_attach(request: HttpRequest, number: str) -> HttpResponseBase:
    """An agent attaches files (a letter, a corrected 837) that the customer then sees."""
    case = selectors.case_get_for_staff(number=number)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rows = services.case_attachments_add(
                case=case,
                actor=request.user,
                actor_kind=Actor.AGENT,
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
                "The file was attached; the customer can see it."
                if len(rows) == 1
                else f"The {len(rows)} files were attached; the customer can see them.",
            )
            return redirect("support:staff_case", number=case.number)
    return _render_case(request, case, status=400, attach_form=form)


@require_POST
@agent_required
def case_status(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_staff(number=number)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.case_status_change(
                case=case,
                actor=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                seen=form.cleaned_data["seen"],
            )
        except services.SupportError as exc:
            if exc.code == "stale":
                return _render_case(request, case, status=409, status_form=_stale(form, exc, case))
            form.add_error(None, exc.message)
        else:
            messages.success(request, "The status was changed.")
            return redirect("support:staff_case", number=case.number)
    return _render_case(request, case, status=400, status_form=form)


@require_POST
@agent_required
def case_merge(request: HttpRequest, number: str) -> HttpResponseBase:
    case = selectors.case_get_for_staff(number=number)
    form = MergeForm(request.POST)
    if form.is_valid():
        survivor = Case.objects.filter(number=form.cleaned_data["survivor"]).first()
        if survivor is None:
            form.add_error("survivor", "There is no case with that number.")
        else:
            try:
                services.case_merge(
                    duplicate=case,
                    survivor=survivor,
                    actor=request.user,
                    seen=form.cleaned_data["seen"],
                )
            except services.SupportError as exc:
                if exc.code == "stale":
                    stale = _stale(form, exc, case)
                    return _render_case(request, case, status=409, merge_form=stale)
                form.add_error("survivor", exc.message)
            else:
                messages.success(request, f"{case.number} was merged into {survivor.number}.")
                return redirect("support:staff_case", number=survivor.number)
    return _render_case(request, case, status=400, merge_form=form)


@require_GET
@agent_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    row = selectors.attachment_get_for_staff(pk=pk)
    services.attachment_download_record(attachment=row, actor=request.user)
    return file_download_response(
        key=row.storage_key, filename=row.file_name, content_type=row.content_type
    )
