"""The provider side of the Claims Online Portal: home, claims, X12 files, attachments,
appeals. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portico.claims import selectors, services
from portico.claims.forms import (
    AppealFilesForm,
    AppealForm,
    AppealSearchForm,
    AttachmentForm,
    ClaimFileForm,
    ClaimForm,
    ClaimSearchForm,
    LineFormSet,
    UnsolicitedAttachmentForm,
    WithdrawForm,
    apply_errors,
    claim_data_from_forms,
    error_list,
    initial_from_data,
    submission_errors,
)
from portico.claims.models import Claim, ClaimKind, ClaimStatus
from portico.claims.transitions import EDITABLE_CLAIM_STATUSES, TransitionNotAllowed
from portico.claims.views.access import access_of, claims_required
from portico.core.audit import audit_record
from portico.core.text import as_int
from portico.core.uploads import file_download_response
from portico.members.models import HealthPlan

NAV = [
    ("home", "Claims Home", "claims:home"),
    ("help", "Help & FAQs", "/help/"),
    ("contact", "Contact Us", "/contact/"),
]


def _ctx(request: HttpRequest, current: str = "", **extra: Any) -> dict[str, Any]:
    access = access_of(request)
    nav = [
        {
            "label": label,
            "url": reverse(target) if ":" in target else target,
            "current": key == current,
        }
        for key, label, target in NAV
    ]
    return {"claims_nav": nav, "can_submit": access.can_submit, "claims_access": access, **extra}


def _audit_view(request: HttpRequest, action: str, obj: Any, member_ref: str = "", **changes: Any):
    audit_record(
        action=action,
        actor=request.user,
        obj=obj,
        organization_id=getattr(obj, "organization_id", None),
        member_ref=member_ref,
        changes=changes,
    )


# ---------------------------------------------------------------------------
# Home
# ---------------------------------------------------------------------------
@require_GET
@claims_required
def home(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    recent = selectors.recent_claims_for_user(user=user, limit=10)
    appeals = list(selectors.appeals_for_user(user=user).order_by("-filed_at")[:5])
    actions = selectors.action_items_for_user(user=user)
    files = list(selectors.claim_files_for_user(user=user)[:5])
    audit_record(
        action="portico.claim.searched",
        actor=user,
        object_type="claims.claim",
        object_repr="Claims home",
        changes={"claims": [c.number for c in recent]},
    )
    return render(
        request,
        "claims/home.html",
        _ctx(
            request,
            "home",
            recent=recent,
            appeals=appeals,
            actions=actions,
            files=files,
            counts=selectors.claim_status_counts_for_user(user=user),
        ),
    )


# ---------------------------------------------------------------------------
# Claim search and detail
# ---------------------------------------------------------------------------
@require_GET
@claims_required
def claim_list(request: HttpRequest) -> HttpResponseBase:
    access = access_of(request)
    form = ClaimSearchForm(request.GET or None, tins=sorted(access.tins))
    page = None
    search = selectors.ClaimSearch()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        search = selectors.ClaimSearch(
            number=d["number"],
            patient_account_number=d["patient_account_number"],
            member_id=d["member_id"],
            patient_name=d["patient_name"],
            dos_from=d["dos_from"],
            dos_to=d["dos_to"],
            status=d["status"],
            billed_min=d["billed_min"],
            billed_max=d["billed_max"],
            tin=d["tin"],
            sort=d["sort"],
        )
    if not form.is_bound or form.is_valid():
        page = selectors.claims_search(
            user=request.user, search=search, cursor=request.GET.get("cursor", ""), limit=25
        )
        audit_record(
            action="portico.claim.searched",
            actor=request.user,
            object_type="claims.claim",
            object_repr="Claim search",
            changes={
                "filters": {k: str(v) for k, v in vars(search).items() if v},
                "claims": [c.number for c in page.items],
            },
        )
    params: dict[str, str] = {k: v for k, v in request.GET.dict().items() if k != "cursor"}

    def link(cursor: str) -> str:
        return "?" + urlencode({**params, "cursor": cursor}) if cursor else ""

    return render(
        request,
        "claims/claim_list.html",
        _ctx(
            request,
            "claims",
            form=form,
            page=page,
            next_url=link(page.next_cursor) if page else "",
            prev_url=link(page.prev_cursor) if page else "",
        ),
    )


@require_GET
@claims_required(object_view=True)
def claim_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = selectors.claim_detail_for_user(user=request.user, number=number)
    _audit_view(request, "portico.claim.viewed", claim, claim.member_number)
    return render(
        request,
        "claims/claim_detail.html",
        _ctx(
            request,
            "claims",
            claim=claim,
            appeal_blocked=services.appeal_may_be_filed(claim),
            editable=claim.status in EDITABLE_CLAIM_STATUSES,
        ),
    )


# ---------------------------------------------------------------------------
# Web submission
# ---------------------------------------------------------------------------
def _payers() -> list[tuple[str, str]]:
    return [(p.payer_id, f"{p.name} ({p.payer_id})") for p in HealthPlan.objects.order_by("name")]


def _no_submit(request: HttpRequest) -> HttpResponse:
    return render(request, "claims/no_submit.html", _ctx(request, "claims"))


def _forms(
    request: HttpRequest,
    *,
    kind: str,
    initial: dict[str, Any] | None = None,
    lines: list[dict[str, Any]] | None = None,
) -> tuple[ClaimForm, Any]:
    access = access_of(request)
    tins = sorted(access.submit_tins)
    if request.method == "POST":
        form = ClaimForm(request.POST, tins=tins, payers=_payers())
        formset = LineFormSet(request.POST, prefix="lines", form_kwargs={"kind": kind})
    else:
        init = {"kind": kind, **(initial or {})}
        if len(tins) == 1:
            init.setdefault("billing_tin", tins[0])
        form = ClaimForm(initial=init, tins=tins, payers=_payers())
        rows = list(lines or [])
        rows += [{} for _ in range(max(0, 6 - len(rows)) or 2)]
        formset = LineFormSet(initial=rows, prefix="lines", form_kwargs={"kind": kind})
        formset.extra = 0
    return form, formset


def _save(request: HttpRequest, form: ClaimForm, formset: Any, claim: Claim | None):
    """Validate the forms and save a draft, then submit when asked. Returns a response or
    None when the forms must be shown again with errors."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    data = claim_data_from_forms(form, formset)
    version = as_int(request.POST.get("version"))
    if claim is not None and version is None:
        # An edit always says which version it was made on; without it the save could
        # overwrite a colleague's changes unseen.
        form.add_error(None, services.StaleObjectError().message)
        return None
    try:
        draft = services.claim_save_draft(
            user=request.user,
            data=data,
            claim=claim,
            expected_version=version,
            idempotency_key=form.cleaned_data.get("idempotency_key") or "",
        )
        if draft.status != ClaimStatus.DRAFT:
            # The same form sent again (a double click) after its claim was submitted.
            messages.info(request, f"Claim {draft.number} was already submitted.")
            return redirect("claims:claim_detail", number=draft.number)
        if request.POST.get("action") == "submit":
            try:
                submitted = services.claim_submit(user=request.user, claim=draft)
            except services.ClaimInvalid as exc:
                apply_errors(form, formset, submission_errors(form, exc.errors))
                form.saved_draft = draft  # type: ignore[attr-defined]
                return None
            messages.success(
                request, f"Claim {submitted.number} was submitted. Its status is Received."
            )
            return redirect("claims:claim_detail", number=submitted.number)
        messages.success(request, f"Draft {draft.number} was saved.")
        return redirect("claims:claim_edit", number=draft.number)
    except services.ClaimInvalid as exc:
        apply_errors(form, formset, exc.errors)
    except services.StaleObjectError as exc:
        form.add_error(None, exc.message)
        # The page keeps the version it was made on: saving again must not quietly overwrite
        # what the colleague changed; reloading shows it.
        form.stale_version = version  # type: ignore[attr-defined]
    except services.ClaimError as exc:
        form.add_error(None, exc.message)
    return None


@require_http_methods(["GET", "POST"])
@claims_required
def claim_new(request: HttpRequest) -> HttpResponseBase:
    if not access_of(request).can_submit:
        return _no_submit(request)
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in ClaimKind.values:
        return render(request, "claims/claim_kind.html", _ctx(request, "claims"))
    form, formset = _forms(request, kind=kind)
    if request.method == "POST":
        response = _save(request, form, formset, None)
        if response is not None:
            return response
    return render(
        request,
        "claims/claim_form.html",
        _ctx(
            request, "claims", form=form, formset=formset, claim=getattr(form, "saved_draft", None)
        ),
    )


@require_http_methods(["GET", "POST"])
@claims_required(object_view=True)
def claim_edit(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = selectors.claim_get_for_user(user=request.user, number=number)
    if not access_of(request).can_submit:
        return _no_submit(request)
    if claim.status not in EDITABLE_CLAIM_STATUSES:
        return redirect("claims:claim_detail", number=claim.number)
    header, lines = initial_from_data(services.claim_to_data(claim))
    form, formset = _forms(request, kind=claim.kind, initial=header, lines=lines)
    if request.method == "POST":
        response = _save(request, form, formset, claim)
        if response is not None:
            return response
        claim.refresh_from_db()
    return render(
        request,
        "claims/claim_form.html",
        _ctx(
            request,
            "claims",
            form=form,
            formset=formset,
            claim=claim,
            version=getattr(form, "stale_version", None) or claim.version,
        ),
    )


@require_POST
@claims_required
def claim_check(request: HttpRequest) -> HttpResponseBase:
    """htmx: run the front-end edits on what was typed so far; returns the check panel."""
    if not access_of(request).can_submit:
        raise Http404
    form, formset = _forms(request, kind=request.POST.get("kind", ""))
    problems: list[tuple[str, str]] = []
    if form.is_valid() and formset.is_valid():
        data = claim_data_from_forms(form, formset)
        errors = services.claim_validate(user=request.user, data=data, for_submit=False)
        problems = error_list(errors, form)
        line_total = sum((ln.charge or 0 for ln in data.lines), 0)
    else:
        for name, errs in form.errors.items():
            label = form.fields[name].label if name in form.fields else "Claim"
            problems += [(str(label), str(e)) for e in errs]
        for i, f in enumerate(formset.forms):
            for name, errs in f.errors.items():
                problems += [(f"Line {i + 1} {f.fields[name].label}", str(e)) for e in errs]
        line_total = None
    return render(
        request, "claims/_claim_check.html", {"problems": problems, "line_total": line_total}
    )


@require_POST
@claims_required(object_view=True)
def claim_delete(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = selectors.claim_get_for_user(user=request.user, number=number)
    if claim.status != ClaimStatus.DRAFT or not access_of(request).can_submit:
        raise Http404
    services.claim_draft_delete(user=request.user, claim=claim)
    messages.success(request, f"Draft {number} was deleted.")
    return redirect("claims:home")


# ---------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@claims_required(object_view=True)
def claim_attach(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = selectors.claim_get_for_user(user=request.user, number=number)
    if not access_of(request).can_submit:
        return _no_submit(request)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.claim_attachment_add(
                user=request.user,
                claim=claim,
                file=d["file"],
                report_type=d["report_type"],
                control_number=d["control_number"],
                description=d["description"],
            )
            messages.success(request, "The attachment was added to the claim.")
            return redirect("claims:claim_detail", number=claim.number)
        except services.ClaimError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
    return render(
        request, "claims/claim_attach.html", _ctx(request, "claims", form=form, claim=claim)
    )


@require_http_methods(["GET", "POST"])
@claims_required
def attachment_unsolicited(request: HttpRequest) -> HttpResponseBase:
    if not access_of(request).can_submit:
        return _no_submit(request)
    form = UnsolicitedAttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            att = services.attachment_unsolicited_add(
                user=request.user,
                file=d["file"],
                report_type=d["report_type"],
                control_number=d["control_number"],
                description=d["description"],
                organization_id=next(iter(access_of(request).submit)),
            )
            if att.claim is not None:
                number = att.claim.number
                messages.success(request, f"The attachment was matched to claim {number}.")
                return redirect("claims:claim_detail", number=number)
            messages.success(
                request,
                "The attachment was received. It will be attached when a claim naming control "
                f"number {att.control_number} arrives.",
            )
            return redirect("claims:attachment_unsolicited")
        except services.ClaimError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    waiting = selectors.unsolicited_attachments_for_user(user=request.user)[:50]
    return render(
        request,
        "claims/attachment_unsolicited.html",
        _ctx(request, "attachments", form=form, waiting=waiting),
    )


@require_GET
@claims_required(object_view=True)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    att = selectors.attachment_get_for_user(user=request.user, pk=pk)
    services.attachment_download_record(user=request.user, attachment=att)
    return file_download_response(
        key=att.file_key, filename=att.filename, content_type=att.content_type
    )


# ---------------------------------------------------------------------------
# X12 files
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@claims_required
def file_list(request: HttpRequest) -> HttpResponseBase:
    access = access_of(request)
    form = ClaimFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not access.can_submit:
            return _no_submit(request)
        if form.is_valid():
            try:
                item = services.claim_file_upload(user=request.user, file=form.cleaned_data["file"])
                # The file page says whether it is still being processed (with in-process
                # tasks it is already done by then), so the message does not.
                messages.success(request, f"{item.filename} was received.")
                return redirect("claims:file_detail", pk=item.pk)
            except services.ClaimError as exc:
                form.add_error("file" if exc.field == "file" else None, exc.message)
    files = selectors.claim_files_for_user(user=request.user)[:100]
    return render(
        request,
        "claims/file_list.html",
        _ctx(request, "files", form=form, files=files, max_bytes=services.x12_max_bytes()),
    )


@require_GET
@claims_required(object_view=True)
def file_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = selectors.claim_file_get_for_user(user=request.user, pk=pk)
    claims = list(item.claims.order_by("id")[:200])
    ack_277ca, ack_277ca_more = selectors.claim_file_ack_preview(item=item, which="277ca")
    _audit_view(request, "portico.claim_file.viewed", item)
    return render(
        request,
        "claims/file_detail.html",
        _ctx(
            request,
            "files",
            item=item,
            claims=claims,
            ack_277ca=ack_277ca,
            ack_277ca_more=ack_277ca_more,
            rejections=[r for r in item.error_summary.splitlines() if r.strip()],
        ),
    )


@require_GET
@claims_required(object_view=True)
def file_ack(request: HttpRequest, pk: int, which: str) -> HttpResponseBase:
    item = selectors.claim_file_get_for_user(user=request.user, pk=pk)
    stream = selectors.claim_file_ack_open(item=item, which=which)
    if stream is None:
        raise Http404("No acknowledgment.")
    _audit_view(request, "portico.claim_file.ack_downloaded", item, which=which)
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=f"file-{item.pk}.{which}.x12",
        content_type="application/edi-x12",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------
@require_GET
@claims_required
def appeal_list(request: HttpRequest) -> HttpResponseBase:
    form = AppealSearchForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    qs = selectors.appeals_search(user=request.user, **filters)
    page_obj = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request, "claims/appeal_list.html", _ctx(request, "appeals", form=form, page_obj=page_obj)
    )


@require_http_methods(["GET", "POST"])
@claims_required(object_view=True)
def appeal_new(request: HttpRequest, number: str) -> HttpResponseBase:
    claim = selectors.claim_detail_for_user(user=request.user, number=number)
    if not access_of(request).can_submit:
        return _no_submit(request)
    lines = [
        (
            ln.pk,
            f"Line {ln.line_number}: {ln.procedure_code or ln.revenue_code}"
            + (f" (${ln.charge:,.2f})" if ln.charge is not None else ""),
        )
        for ln in claim.lines.all()
    ]
    initial = {}
    if (wanted := as_int(request.GET.get("line"), max_digits=3)) is not None:
        initial["line"] = next(
            (ln.pk for ln in claim.lines.all() if ln.line_number == wanted), None
        )
    form = AppealForm(
        request.POST or None,
        request.FILES or None,
        lines=lines,
        initial=initial,
        max_files=services.MAX_APPEAL_ATTACHMENTS,
    )
    blocked = services.appeal_may_be_filed(claim)
    if request.method == "POST" and not blocked and form.is_valid():
        d = form.cleaned_data
        line = next((ln for ln in claim.lines.all() if ln.pk == d["line"]), None)
        try:
            appeal = services.appeal_file(
                user=request.user,
                claim=claim,
                line=line,
                reason=d["reason"],
                explanation=d["explanation"],
                files=d["documents"],
                amount_disputed=d["amount_disputed"],
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
            messages.success(request, f"Appeal {appeal.number} was filed. Its status is Received.")
            return redirect("claims:appeal_detail", number=appeal.number)
        except services.ClaimError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(
        request,
        "claims/appeal_form.html",
        _ctx(
            request,
            "appeals",
            form=form,
            claim=claim,
            blocked=blocked,
            idempotency_key=request.POST.get("idempotency_key") or uuid.uuid4().hex,
        ),
    )


@require_GET
@claims_required(object_view=True)
def appeal_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    appeal = selectors.appeal_get_for_user(user=request.user, number=number)
    _audit_view(request, "portico.appeal.viewed", appeal, appeal.claim.member_number)
    return render(
        request,
        "claims/appeal_detail.html",
        _ctx(
            request,
            "appeals",
            appeal=appeal,
            files_form=AppealFilesForm(),
            withdraw_form=WithdrawForm(initial={"version": appeal.version}),
            max_files=services.MAX_APPEAL_ATTACHMENTS,
        ),
    )


@require_POST
@claims_required(object_view=True)
def appeal_withdraw(request: HttpRequest, number: str) -> HttpResponseBase:
    appeal = selectors.appeal_get_for_user(user=request.user, number=number)
    form = WithdrawForm(request.POST)
    if not access_of(request).can_submit or not form.is_valid():
        messages.error(request, "The appeal could not be withdrawn.")
        return redirect("claims:appeal_detail", number=number)
    try:
        services.appeal_withdraw(
            user=request.user,
            appeal=appeal,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
        messages.success(request, f"Appeal {number} was withdrawn.")
    except services.ClaimError as exc:
        messages.error(request, exc.message)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("claims:appeal_detail", number=number)


@require_POST
@claims_required(object_view=True)
def appeal_add_files(request: HttpRequest, number: str) -> HttpResponseBase:
    appeal = selectors.appeal_get_for_user(user=request.user, number=number)
    form = AppealFilesForm(request.POST, request.FILES)
    if not access_of(request).can_submit:
        raise Http404
    if form.is_valid():
        try:
            services.appeal_attachment_add(
                user=request.user, appeal=appeal, files=form.cleaned_data["documents"]
            )
            messages.success(request, "The documents were added to the appeal.")
        except services.ClaimError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose at least one file.")
    return redirect("claims:appeal_detail", number=number)


@require_GET
@claims_required(object_view=True)
def appeal_attachment_download(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    att = selectors.appeal_attachment_get_for_user(user=request.user, number=number, pk=pk)
    services.appeal_attachment_download_record(user=request.user, appeal=att.appeal, attachment=att)
    return file_download_response(
        key=att.file_key, filename=att.filename, content_type=att.content_type
    )
