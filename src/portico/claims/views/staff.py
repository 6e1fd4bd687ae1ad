"""The claims back office (claims examiners): work queue, claim review and line-by-line
adjudication, pend / deny, appeal queue and decisions. Thin: parse, call a service, render.

Mounted at /claims/staff/ (namespace ``claims_staff``). Every page needs the claims examiner
role (403 otherwise, like the other back offices); unknown numbers answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.claims.forms_staff import (
    WORK_STATUSES,
    AppealDecisionForm,
    AppealQueueForm,
    DenyForm,
    LineDecisionFormSet,
    PendForm,
    QueueFilterForm,
    VersionForm,
    line_initial,
)
from portico.claims.models import (
    APPEAL_OPEN_STATUSES,
    Appeal,
    AppealStatus,
    Claim,
    ClaimAttachment,
    ClaimLine,
    ClaimStatus,
)
from portico.claims.selectors import diagnoses_with_descriptions
from portico.claims.services import appeal_review, attachments
from portico.claims.services.adjudication import (
    ADJUDICABLE_STATUSES,
    RE_ADJUDICABLE_STATUSES,
    AdjudicationInvalid,
    LineDecision,
    claim_accept,
    claim_adjudicate,
    claim_deny,
    claim_pend,
    claim_price_from_fee_schedule,
)
from portico.claims.services.appeals import appeal_attachment_download_record
from portico.claims.services.common import ClaimError, StaleObjectError
from portico.claims.transitions import TransitionNotAllowed
from portico.core.audit import audit_record
from portico.core.uploads import file_download_response
from portico.identity.roles import StaffRole, has_staff_role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def examiner_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_staff_role(request.user, StaffRole.CLAIMS_EXAMINER):
            raise PermissionDenied("Claims examiners only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def _claim(number: str) -> Claim:
    claim = (
        Claim.objects.filter(number=number)
        .exclude(status=ClaimStatus.DRAFT)
        .select_related("health_plan", "member", "organization", "original")
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.prefetch_related("adjustments")),
            diagnoses_with_descriptions(),
            "attachments",
            "status_events__by",
            "appeals",
        )
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def _appeal(number: str) -> Appeal:
    appeal = (
        Appeal.objects.filter(number=number)
        .select_related("claim", "line", "organization", "decided_by")
        .prefetch_related("attachments", "status_events__by")
        .first()
    )
    if appeal is None:
        raise Http404("No such appeal.")
    return appeal


def _current_decisions(claim: Claim) -> list[LineDecision]:
    """The claim's recorded decision as a starting point (else the fee schedule's)."""
    lines = list(claim.lines.all())
    if lines and all(ln.allowed is not None for ln in lines):
        out = []
        for ln in lines:
            adjustments = list(ln.adjustments.all())
            if ln.status == "denied" and adjustments and not ln.allowed:
                out.append(
                    LineDecision(
                        line_number=ln.line_number,
                        deny_reason=adjustments[0].reason_code,
                        remark_codes=ln.remark_codes.split(),
                    )
                )
                continue
            out.append(
                LineDecision(
                    line_number=ln.line_number,
                    allowed=ln.allowed or 0,  # type: ignore[arg-type]
                    deductible=ln.deductible or 0,  # type: ignore[arg-type]
                    coinsurance=ln.coinsurance or 0,  # type: ignore[arg-type]
                    copay=ln.copay or 0,  # type: ignore[arg-type]
                    remark_codes=ln.remark_codes.split(),
                )
            )
        return out
    pricing = claim_price_from_fee_schedule(claim=claim)
    priced = {d.line_number: d for d in pricing.decisions}
    return [priced.get(ln.line_number) or LineDecision(line_number=ln.line_number) for ln in lines]


def _line_rows(claim: Claim, formset: Any) -> list[tuple[ClaimLine, Any]]:
    lines = {ln.line_number: ln for ln in claim.lines.all()}
    rows = []
    for form in formset.forms:
        number = form.initial.get("line_number") or form.data.get(f"{form.prefix}-line_number")
        try:
            line = lines.get(int(number))
        except (TypeError, ValueError):
            line = None
        if line is not None:
            rows.append((line, form))
    return rows


def _render_claim(
    request: HttpRequest, claim: Claim, *, status: int = 200, **forms: Any
) -> HttpResponseBase:
    formset = forms.get("formset") or LineDecisionFormSet(
        prefix="lines", initial=line_initial(_current_decisions(claim))
    )
    version = {"version": claim.version}
    context = {
        "claim": claim,
        "formset": formset,
        "line_rows": _line_rows(claim, formset),
        "line_errors": forms.get("line_errors") or {},
        "version_form": forms.get("version_form") or VersionForm(initial=version),
        "pend_form": forms.get("pend_form") or PendForm(prefix="pend", initial=version),
        "deny_form": forms.get("deny_form") or DenyForm(prefix="deny", initial=version),
        "accept_form": VersionForm(prefix="accept", initial=version),
        "can_accept": claim.status == ClaimStatus.RECEIVED,
        "can_adjudicate": claim.status in ADJUDICABLE_STATUSES | RE_ADJUDICABLE_STATUSES,
        "can_pend": claim.status in ADJUDICABLE_STATUSES - {ClaimStatus.PENDED},
        "can_deny": claim.status in ADJUDICABLE_STATUSES,
        "is_readjudication": claim.status in RE_ADJUDICABLE_STATUSES,
        "pricing": claim_price_from_fee_schedule(claim=claim),
    }
    return render(request, "claims/staff/claim_review.html", context, status=status)


def _stale(request: HttpRequest, number: str, exc: ClaimError) -> HttpResponseBase:
    messages.error(request, exc.message)
    response = redirect("claims_staff:claim_review", number=number)
    return response


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------
def _queue(filters: dict[str, Any]) -> QuerySet[Claim]:
    qs = Claim.objects.exclude(status=ClaimStatus.DRAFT).select_related("health_plan")
    status = filters.get("status", "")
    if status == "all":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=WORK_STATUSES)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("health_plan"):
        qs = qs.filter(health_plan=filters["health_plan"])
    if filters.get("tin"):
        qs = qs.filter(billing_tin=filters["tin"])
    if filters.get("number"):
        qs = qs.filter(number=filters["number"].strip().upper())
    return qs.order_by("submitted_at", "id")  # oldest first


@never_cache
@require_GET
@examiner_required
def queue(request: HttpRequest) -> HttpResponseBase:
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    page = Paginator(_queue(filters), 25).get_page(request.GET.get("page"))
    # The queue names each claim's patient: audited with the claims shown, as the office's
    # claim search is (``portico.claim.searched``).
    audit_record(
        action="portico.claim.listed_by_examiner",
        actor=request.user,
        object_type="claims.claim",
        object_repr="Claims work queue",
        changes={
            "filters": {k: str(v) for k, v in filters.items() if v},
            "claims": [c.number for c in page.object_list],
        },
    )
    return render(request, "claims/staff/queue.html", {"form": form, "page_obj": page})


@never_cache
@require_GET
@examiner_required
def claim_review(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = _claim(number)
    audit_record(
        action="portico.claim.viewed_by_examiner",
        actor=request.user,
        obj=claim,
        organization_id=claim.organization_id,
        member_ref=claim.member_number,
    )
    return _render_claim(request, claim)


PAGE_INCOMPLETE = (
    "The page sent back was incomplete or altered (its hidden fields). Reload the claim and "
    "decide again."
)


def _hidden_fields_broken(formset: Any) -> bool:
    """The parts of the page no examiner types: the formset's counts, each line's number."""
    if formset.non_form_errors():
        return True
    return any(
        name in form.errors
        for form in formset.forms
        for name, field in form.fields.items()
        if field.widget.is_hidden
    )


@require_POST
@examiner_required
def claim_adjudicate_view(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = _claim(number)
    version_form = VersionForm(request.POST)
    formset = LineDecisionFormSet(request.POST, prefix="lines")
    if not (version_form.is_valid() and formset.is_valid()):
        if not version_form.is_valid() or _hidden_fields_broken(formset):
            messages.error(request, PAGE_INCOMPLETE)
        return _render_claim(request, claim, status=400, formset=formset, version_form=version_form)
    try:
        claim_adjudicate(
            claim=claim,
            user=request.user,
            decisions=[f.decision() for f in formset.forms],
            expected_version=version_form.cleaned_data["version"],
        )
    except StaleObjectError as exc:
        return _stale(request, number, exc)
    except AdjudicationInvalid as exc:
        return _render_claim(request, claim, status=400, formset=formset, line_errors=exc.errors)
    except (ClaimError, TransitionNotAllowed) as exc:
        messages.error(request, exc.message)
        return redirect("claims_staff:claim_review", number=number)
    claim.refresh_from_db()
    messages.success(
        request,
        f"Claim {claim.number} is {claim.get_status_display()}: paid ${claim.paid_total:,.2f}.",
    )
    return redirect("claims_staff:claim_review", number=number)


@require_POST
@examiner_required
def claim_accept_view(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = _claim(number)
    form = VersionForm(request.POST, prefix="accept")
    if not form.is_valid():
        messages.error(request, PAGE_INCOMPLETE)
        return _render_claim(request, claim, status=400)
    try:
        claim_accept(claim=claim, user=request.user, expected_version=form.cleaned_data["version"])
    except StaleObjectError as exc:
        return _stale(request, number, exc)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
        return redirect("claims_staff:claim_review", number=number)
    messages.success(request, f"Claim {number} accepted.")
    return redirect("claims_staff:claim_review", number=number)


@require_POST
@examiner_required
def claim_pend_view(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = _claim(number)
    form = PendForm(request.POST, prefix="pend")
    if not form.is_valid():
        return _render_claim(request, claim, status=400, pend_form=form)
    report_type = form.cleaned_data["attachment_report_type"]
    label = dict(ClaimAttachment.ReportType.choices).get(report_type, "")
    try:
        claim_pend(
            claim=claim,
            user=request.user,
            reason=form.cleaned_data["reason"],
            attachment_report_type=report_type,
            attachment_label=label,
            expected_version=form.cleaned_data["version"],
        )
    except StaleObjectError as exc:
        return _stale(request, number, exc)
    except (ClaimError, TransitionNotAllowed) as exc:
        messages.error(request, exc.message)
        return redirect("claims_staff:claim_review", number=number)
    messages.success(request, f"Claim {number} is pended; the provider sees the request.")
    return redirect("claims_staff:claim_review", number=number)


@require_POST
@examiner_required
def claim_deny_view(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = _claim(number)
    form = DenyForm(request.POST, prefix="deny")
    if not form.is_valid():
        return _render_claim(request, claim, status=400, deny_form=form)
    data = form.cleaned_data
    try:
        claim_deny(
            claim=claim,
            user=request.user,
            reason_code=data["reason_code"],
            group=data["group"],
            remark_codes=data["remark_codes"],
            note=data["note"],
            expected_version=data["version"],
        )
    except StaleObjectError as exc:
        return _stale(request, number, exc)
    except AdjudicationInvalid as exc:
        for problems in exc.errors.values():
            for problem in problems:
                form.add_error("reason_code", problem)
        return _render_claim(request, claim, status=400, deny_form=form)
    except (ClaimError, TransitionNotAllowed) as exc:
        messages.error(request, exc.message)
        return redirect("claims_staff:claim_review", number=number)
    messages.success(request, f"Claim {number} is denied.")
    return redirect("claims_staff:claim_review", number=number)


@require_GET
@examiner_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = (
        ClaimAttachment.objects.filter(pk=pk).exclude(file_key="").select_related("claim").first()
    )
    if item is None:
        raise Http404("No such attachment.")
    attachments.attachment_download_record(user=request.user, attachment=item)
    return file_download_response(
        key=item.file_key, filename=item.filename, content_type=item.content_type
    )


# ---------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------
@never_cache
@require_GET
@examiner_required
def appeal_queue(request: HttpRequest) -> HttpResponseBase:
    form = AppealQueueForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = Appeal.objects.select_related("claim", "organization")
    status = data.get("status", "")
    if status == "all":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=APPEAL_OPEN_STATUSES)
    if data.get("reason"):
        qs = qs.filter(reason=data["reason"])
    page = Paginator(qs.order_by("filed_at", "id"), 25).get_page(request.GET.get("page"))
    return render(request, "claims/staff/appeal_queue.html", {"form": form, "page_obj": page})


def _render_appeal(
    request: HttpRequest, appeal: Appeal, *, status: int = 200, **forms: Any
) -> HttpResponseBase:
    claim = _claim(appeal.claim.number)
    formset = forms.get("formset")
    if formset is None:
        decisions = appeal_review.appeal_default_decisions(appeal=appeal) or _current_decisions(
            claim
        )
        formset = LineDecisionFormSet(prefix="lines", initial=line_initial(decisions))
    version = {"version": appeal.version}
    context = {
        "appeal": appeal,
        "claim": claim,
        "formset": formset,
        "line_rows": _line_rows(claim, formset),
        "line_errors": forms.get("line_errors") or {},
        "start_form": VersionForm(prefix="start", initial=version),
        "decision_form": forms.get("decision_form") or AppealDecisionForm(initial=version),
        "is_open": appeal.status in APPEAL_OPEN_STATUSES,
        "can_start": appeal.status == AppealStatus.RECEIVED,
    }
    return render(request, "claims/staff/appeal_review.html", context, status=status)


@never_cache
@require_GET
@examiner_required
def appeal_review_view(request: HttpRequest, number: str) -> HttpResponseBase:
    appeal = _appeal(number)
    audit_record(
        action="portico.appeal.viewed_by_examiner",
        actor=request.user,
        obj=appeal,
        organization_id=appeal.organization_id,
        member_ref=appeal.claim.member_number,
    )
    return _render_appeal(request, appeal)


@require_POST
@examiner_required
def appeal_start(request: HttpRequest, number: str) -> HttpResponseBase:
    appeal = _appeal(number)
    form = VersionForm(request.POST, prefix="start")
    if not form.is_valid():
        return _render_appeal(request, appeal, status=400)
    try:
        appeal_review.appeal_review_start(
            appeal=appeal, user=request.user, expected_version=form.cleaned_data["version"]
        )
    except (ClaimError, TransitionNotAllowed) as exc:
        messages.error(request, exc.message)
        return redirect("claims_staff:appeal_review", number=number)
    messages.success(request, f"Appeal {number} is in review.")
    return redirect("claims_staff:appeal_review", number=number)


@require_POST
@examiner_required
def appeal_decide(request: HttpRequest, number: str) -> HttpResponseBase:
    appeal = _appeal(number)
    form = AppealDecisionForm(request.POST)
    formset = LineDecisionFormSet(request.POST, prefix="lines")
    if not form.is_valid():
        return _render_appeal(request, appeal, status=400, decision_form=form, formset=formset)
    decision = form.cleaned_data["decision"]
    decisions = None
    if decision != AppealStatus.UPHELD:
        if not formset.is_valid():
            return _render_appeal(request, appeal, status=400, decision_form=form, formset=formset)
        decisions = [f.decision() for f in formset.forms] or None
    try:
        appeal_review.appeal_decide(
            appeal=appeal,
            user=request.user,
            decision=decision,
            notes=form.cleaned_data["notes"],
            decisions=decisions,
            expected_version=form.cleaned_data["version"],
        )
    except StaleObjectError as exc:
        messages.error(request, exc.message)
        return redirect("claims_staff:appeal_review", number=number)
    except AdjudicationInvalid as exc:
        return _render_appeal(
            request,
            appeal,
            status=400,
            decision_form=form,
            formset=formset,
            line_errors=exc.errors,
        )
    except (ClaimError, TransitionNotAllowed) as exc:
        form.add_error(None, exc.message)
        return _render_appeal(request, appeal, status=400, decision_form=form, formset=formset)
    messages.success(
        request,
        f"Appeal {number}: {AppealStatus(decision).label}. The decision letter is queued for "
        "printing and mailing.",
    )
    return redirect("claims_staff:appeal_review", number=number)


@require_GET
@examiner_required
def appeal_attachment_download(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    appeal = _appeal(number)
    item = appeal.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404("No such attachment.")
    appeal_attachment_download_record(user=request.user, appeal=appeal, attachment=item)
    return file_download_response(
        key=item.file_key, filename=item.filename, content_type=item.content_type
    )
