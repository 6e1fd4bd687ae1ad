"""The office's portal: home, "Is prior authorization required?", requests, letters, legacy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portico.codes.selectors import icd10_texts
from portico.core.text import as_int
from portico.core.uploads import UploadRejected, file_download_response
from portico.priorauth import selectors, services
from portico.priorauth.access import office_required
from portico.priorauth.forms import (
    AttachForm,
    LineFormSet,
    RequestForm,
    RequiredCheckForm,
    RespondForm,
    SearchForm,
    StartForm,
    apply_errors,
)
from portico.priorauth.models import (
    STATUS_MEANINGS,
    WITHDRAWN,
    WITHDRAWN_LABEL,
    WITHDRAWN_MEANING,
    PriorAuthRequest,
    ServiceCategory,
    Status,
)
from portico.priorauth.transitions import TransitionNotAllowed

NOT_CHANGING = [
    (
        "Prior authorization requirements",
        "Clinical criteria, authorization rules, and services requiring prior authorization remain "
        "the same.",
    ),
    (
        "How to determine if prior authorization is required",
        "Continue to refer to the member's Explanation of Benefits (EOB) for guidance.",
    ),
    (
        "Covered services and benefits",
        "There are no changes to member benefits or coverage as part of this migration.",
    ),
    (
        "Provider participation or network status",
        "Network participation and contracting are not impacted.",
    ),
    (
        "Provider contacts and escalation paths",
        "Existing Network Account Manager and Provider Services contacts remain the same.",
    ),
]


def _nav(current: str) -> list[dict[str, Any]]:
    items = [
        ("home", "Prior authorization", reverse("priorauth:home")),
        ("new", "New request", reverse("priorauth:request_new")),
        ("list", "My requests", reverse("priorauth:request_list")),
        ("letters", "Letters", reverse("priorauth:letters")),
        ("check", "Is prior authorization required?", reverse("priorauth:required_check")),
    ]
    return [{"label": lbl, "url": url, "current": key == current} for key, lbl, url in items]


def _ctx(current: str, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "nav_items": _nav(current),
        "today": today,
        "banners": selectors.cutover_banners(today=today),
        **extra,
    }


def status_meanings() -> list[tuple[str, str, str]]:
    """The seven statuses, then Withdrawn (an event that closes a request, decision 0021)."""
    return [
        *(
            (code, str(Status(code).label), STATUS_MEANINGS[code])
            for code in Status.values
            if code != Status.DRAFT
        ),
        (WITHDRAWN, WITHDRAWN_LABEL, WITHDRAWN_MEANING),
    ]


@never_cache
@require_GET
@office_required()
def home(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    recent = list(selectors.request_search(user=user)[:5])
    services.priorauth_record_list(
        user=user, where="Prior authorization home", references=[r.reference for r in recent]
    )
    plan_settings = selectors.settings_for_plans()
    return render(
        request,
        "priorauth/home.html",
        _ctx(
            "home",
            recent=recent,
            plan_settings=plan_settings,
            providers=selectors.providers_for_priorauth(user=user),
            unread=selectors.letters_inbox(user=user, unread_only=True).count(),
            meanings=status_meanings(),
            not_changing=NOT_CHANGING,
            # The lasting statement of each plan's move, after the banner's period too.
            cutover_plans=[s for s in plan_settings if s.cutover_date],
            legacy_count=selectors.legacy_cases_for_user(user=user).count(),
        ),
    )


@never_cache
@require_GET
@office_required()
def required_check(request: HttpRequest) -> HttpResponseBase:
    form = RequiredCheckForm(request.GET or None)
    answer = None
    if form.is_bound and form.is_valid():
        try:
            answer = services.priorauth_required_check(
                plan=form.cleaned_data["plan"], code=form.cleaned_data["code"]
            )
        except services.RequestInvalid as exc:
            for message in exc.errors.get("code", []):
                form.add_error("code", message)
    template = (
        "priorauth/_required_answer.html"
        if request.headers.get("HX-Request")
        else "priorauth/required_check.html"
    )
    return render(
        request,
        template,
        _ctx("check", form=form, answer=answer),
        status=400 if form.is_bound and form.errors else 200,
    )


@never_cache
@require_GET
@office_required()
def request_list(request: HttpRequest) -> HttpResponseBase:
    form = SearchForm(request.GET or None)
    status = query = ""
    if form.is_valid():
        status, query = form.cleaned_data["status"], form.cleaned_data["q"]
    qs = selectors.request_search(user=request.user, status=status, query=query)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    services.priorauth_record_list(
        user=request.user,
        where="Prior authorization requests",
        references=[r.reference for r in page.object_list],
        filters={"status": status, "query": query},
    )
    return render(
        request,
        "priorauth/request_list.html",
        _ctx(
            "list",
            form=form,
            page_obj=page,
            legacy_count=selectors.legacy_cases_for_user(user=request.user).count(),
        ),
    )


def _draft_querydict(data: dict[str, list[str]]) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, values in data.items():
        qd.setlist(key, values)
    return qd


def _form_page(
    request: HttpRequest,
    *,
    category: ServiceCategory,
    draft: PriorAuthRequest | None,
    data: QueryDict | None,
    files: Any = None,
    duplicates: list[PriorAuthRequest] | None = None,
    status: int = 200,
    prebound: tuple[RequestForm, Any] | None = None,
) -> HttpResponseBase:
    providers = selectors.providers_for_priorauth(user=request.user)
    if prebound:
        form, formset = prebound
    else:
        form = RequestForm(data, files, providers=providers, category=category)
        formset = LineFormSet(data, prefix="lines")
    return render(
        request,
        "priorauth/request_form.html",
        _ctx(
            "new",
            form=form,
            formset=formset,
            category=category,
            draft=draft,
            duplicates=duplicates or [],
            providers=providers,
            attachments=list(draft.attachments.all()) if draft else [],
            # A browser never sends a chosen file twice: say so when a refused form had some.
            files_not_kept=status >= 400 and bool(form.files) and "attachments" not in form.errors,
        ),
        status=status,
    )


def _handle_post(
    request: HttpRequest, *, category: ServiceCategory, draft: PriorAuthRequest | None
) -> HttpResponseBase:
    providers = selectors.providers_for_priorauth(user=request.user)
    form = RequestForm(request.POST, request.FILES, providers=providers, category=category)
    formset = LineFormSet(request.POST, prefix="lines")
    forms_ok = form.is_valid() and formset.is_valid()
    if "save_draft" in request.POST:
        plan = form.cleaned_data.get("plan") if hasattr(form, "cleaned_data") else None
        plan = plan or (draft.plan if draft else None)
        if plan is None:
            form.add_error("plan", "Choose the member's health plan before saving a draft.")
        if plan is None or "attachments" in form.errors:
            # A refused file is said, not dropped while "Draft saved" is shown.
            return _form_page(
                request,
                category=category,
                draft=draft,
                data=None,
                prebound=(form, formset),
                status=400,
            )
        # What was typed, less NUL characters: no field takes them and PostgreSQL's JSON
        # can't hold them (saving raised DataError).
        data = {
            k.replace("\x00", ""): [v.replace("\x00", "") for v in values]
            for k, values in request.POST.lists()
            if k != "csrfmiddlewaretoken"
        }
        data["service_category"] = [category.code]
        try:
            saved = services.priorauth_draft_save(
                user=request.user, plan=plan, draft_data=data, request=draft
            )
            files = form.cleaned_data.get("attachments") if hasattr(form, "cleaned_data") else None
            if files:
                services.priorauth_attach(request=saved, user=request.user, files=files)
        except (services.PriorAuthError, UploadRejected) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
            return redirect("priorauth:request_list")
        messages.success(request, f"Draft {saved.reference} saved. It has not been submitted.")
        return redirect("priorauth:request_edit", reference=saved.reference)
    if not forms_ok:
        return _form_page(
            request, category=category, draft=draft, data=None, prebound=(form, formset), status=400
        )
    payload = form.to_input(list(formset.forms))
    try:
        row = services.priorauth_submit(
            user=request.user,
            data=payload,
            draft=draft,
            files=form.cleaned_data.get("attachments") or [],
            confirm_duplicate=bool(form.cleaned_data.get("confirm_duplicate")),
            idempotency_key=form.cleaned_data.get("idempotency_key", ""),
        )
    except services.RequestInvalid as exc:
        apply_errors(form, formset, exc.errors)
        return _form_page(
            request, category=category, draft=draft, data=None, prebound=(form, formset), status=400
        )
    except services.PossibleDuplicate as exc:
        form.add_error("confirm_duplicate", exc.message)
        return _form_page(
            request,
            category=category,
            draft=draft,
            data=None,
            prebound=(form, formset),
            duplicates=exc.duplicates,
            status=409,
        )
    except services.PriorAuthError as exc:
        if exc.code == "already_submitted" and draft is not None:
            # The same draft sent twice (a second tab, a double click): show what was sent.
            messages.info(request, _already_submitted(draft))
            return redirect("priorauth:request_detail", reference=draft.reference)
        messages.error(request, exc.message)
        return redirect("priorauth:home")
    if row.status == Status.NOT_REQUIRED:
        messages.success(
            request,
            f"Request {row.reference}: Submission not required. "
            "The plan does not require prior authorization for these codes.",
        )
    else:
        messages.success(
            request,
            f"Request {row.reference} was submitted. Its status is {row.get_status_display()}.",
        )
    return redirect("priorauth:request_detail", reference=row.reference)


@never_cache
@require_http_methods(["GET", "POST"])
@office_required()
def request_new(request: HttpRequest) -> HttpResponseBase:
    start = StartForm(request.GET or None)
    if request.method == "GET" and not (start.is_bound and start.is_valid()):
        return render(
            request,
            "priorauth/request_start.html",
            _ctx("new", form=start, providers=selectors.providers_for_priorauth(user=request.user)),
            status=400 if start.is_bound else 200,
        )
    if request.method == "POST":
        code = request.POST.get("service_category", "")
        # No category has NUL in its code (and PostgreSQL can't compare text with it).
        category = selectors.categories().filter(code=code).first() if "\x00" not in code else None
        if category is None:
            # Only an altered page gets here (the category is a hidden field of the form).
            messages.error(
                request,
                "The form's service category was not recognised, so nothing was saved. "
                "Choose the plan and category again.",
            )
            return redirect("priorauth:request_new")
        return _handle_post(request, category=category, draft=None)
    category = start.cleaned_data["category"]
    initial = QueryDict(mutable=True)
    initial["plan"] = str(start.cleaned_data["plan"].pk)
    initial["service_category"] = category.code
    initial["urgency"] = "standard"
    providers = selectors.providers_for_priorauth(user=request.user)
    form = RequestForm(initial=initial.dict(), providers=providers, category=category)
    formset = LineFormSet(prefix="lines")
    return _form_page(request, category=category, draft=None, data=None, prebound=(form, formset))


def _already_submitted(row: PriorAuthRequest) -> str:
    return f"Request {row.reference} was already submitted; nothing was changed."


@never_cache
@require_http_methods(["GET", "POST"])
@office_required(object_view=True)
def request_edit(request: HttpRequest, reference: str) -> HttpResponseBase:
    draft = selectors.request_get_for_user(user=request.user, reference=reference)
    if draft.status != Status.DRAFT:
        if request.method == "POST":  # the draft's form sent again after it was submitted
            messages.info(request, _already_submitted(draft))
        return redirect("priorauth:request_detail", reference=draft.reference)
    code = (draft.draft_data.get("service_category") or [""])[0]
    category = selectors.categories().filter(code=code).first() or selectors.categories().first()
    if category is None:
        return redirect("priorauth:home")
    if request.method == "POST":
        return _handle_post(request, category=category, draft=draft)
    data = _draft_querydict(draft.draft_data)
    providers = selectors.providers_for_priorauth(user=request.user)
    initial = data.dict()
    form = RequestForm(initial=initial, providers=providers, category=category)
    rows = []
    total = as_int(data.get("lines-TOTAL_FORMS"), max_digits=2) or 0
    for i in range(min(total, 20)):
        rows.append(
            {
                f: data.get(f"lines-{i}-{f}", "")
                for f in ("code", "modifier", "units", "start_date", "end_date")
            }
        )
    formset = LineFormSet(prefix="lines", initial=[r for r in rows if any(r.values())] or None)
    return _form_page(request, category=category, draft=draft, data=None, prebound=(form, formset))


@require_POST
@office_required(object_view=True)
def draft_delete(request: HttpRequest, reference: str) -> HttpResponseBase:
    draft = selectors.request_get_for_user(user=request.user, reference=reference)
    try:
        services.priorauth_draft_delete(request=draft, user=request.user)
    except services.PriorAuthError as exc:
        messages.error(request, exc.message)
        return redirect("priorauth:request_detail", reference=reference)
    messages.success(request, f"Draft {reference} was deleted.")
    return redirect("priorauth:request_list")


def _office_form(row: PriorAuthRequest) -> str:
    """The form the request page offers the office: the Send back answer, more attachments,
    or none (a closed request takes no more documents)."""
    if row.state == Status.SEND_BACK:
        return "respond"
    return "attach" if row.is_open else "none"


def _detail_context(request: HttpRequest, row: PriorAuthRequest, **extra: Any) -> dict[str, Any]:
    return _ctx(
        "list",
        pa=row,
        diagnoses=icd10_texts(codes=row.diagnoses),
        lines=list(row.lines.all()),
        history=selectors.history(request=row),
        letters=selectors.letters_for_request(request=row, user=request.user),
        attachments=list(row.attachments.all()),
        meanings=status_meanings(),
        plan_settings=services.plan_settings(row.plan),
        office_form=_office_form(row),
        respond_form=extra.pop("respond_form", None) or RespondForm(),
        attach_form=extra.pop("attach_form", None) or AttachForm(),
        **extra,
    )


@never_cache
@require_GET
@office_required(object_view=True)
def request_detail(request: HttpRequest, reference: str) -> HttpResponseBase:
    row = selectors.request_get_for_user(user=request.user, reference=reference)
    if row.status == Status.DRAFT:
        return redirect("priorauth:request_edit", reference=row.reference)
    services.priorauth_record_view(request=row, user=request.user)
    return render(request, "priorauth/request_detail.html", _detail_context(request, row))


@never_cache
@require_GET
@office_required(object_view=True)
def request_status(request: HttpRequest, reference: str) -> HttpResponseBase:
    """The status block the detail page polls (htmx, every second).

    Unchanged: 204, one query. Changed: the status block and, out of band, the parts of the
    page that change with it (the services table with each line's decision, the attachments,
    and the office's form when what the office may send changed: ``form`` is the one the page
    shows). Those carry member data, so such an answer is audited like the page view.
    """
    row = selectors.request_get_for_user(user=request.user, reference=reference)
    if request.GET.get("since") == str(row.version):
        return HttpResponse(status=204)  # unchanged: htmx keeps the block as it is
    services.priorauth_record_view(request=row, user=request.user)
    office_form = _office_form(row)
    return render(
        request,
        "priorauth/_status_poll.html",
        {
            "pa": row,
            "history": selectors.history(request=row),
            "letters": selectors.letters_for_request(request=row, user=request.user),
            "lines": list(row.lines.all()),
            "attachments": list(row.attachments.all()),
            "office_form": office_form,
            "office_form_changed": request.GET.get("form") != office_form,
            "respond_form": RespondForm(),
            "attach_form": AttachForm(),
            "polling": True,
            "now": timezone.now(),
        },
    )


@require_POST
@office_required(object_view=True)
def request_respond(request: HttpRequest, reference: str) -> HttpResponseBase:
    row = selectors.request_get_for_user(user=request.user, reference=reference)
    form = RespondForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.priorauth_respond(
                request=row,
                user=request.user,
                answer=form.cleaned_data["answer"],
                files=form.cleaned_data["attachments"],
            )
        except services.RequestInvalid as exc:
            for message in exc.errors.get("answer", []):
                form.add_error("answer", message)
        except (services.PriorAuthError, TransitionNotAllowed) as exc:
            # e.g. answered twice, or the request is no longer sent back (another tab).
            messages.error(request, exc.message)
            return redirect("priorauth:request_detail", reference=reference)
        else:
            messages.success(request, "Your answer was sent. The request is back in review.")
            return redirect("priorauth:request_detail", reference=reference)
    return render(
        request,
        "priorauth/request_detail.html",
        _detail_context(request, row, respond_form=form),
        status=400,
    )


@require_POST
@office_required(object_view=True)
def request_attach(request: HttpRequest, reference: str) -> HttpResponseBase:
    row = selectors.request_get_for_user(user=request.user, reference=reference)
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.priorauth_attach(
                request=row, user=request.user, files=form.cleaned_data["attachments"]
            )
        except services.PriorAuthError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The files were attached.")
        return redirect("priorauth:request_detail", reference=reference)
    return render(
        request,
        "priorauth/request_detail.html",
        _detail_context(request, row, attach_form=form),
        status=400,
    )


@never_cache
@require_GET
@office_required(object_view=True)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = selectors.attachment_get_for_user(user=request.user, pk=pk)
    services.priorauth_record_file_download(
        request=item.request, user=request.user, file_name=item.file_name
    )
    return file_download_response(
        key=item.storage_key, filename=item.file_name, content_type=item.content_type
    )


@never_cache
@require_GET
@office_required()
def letters(request: HttpRequest) -> HttpResponseBase:
    unread_only = request.GET.get("show") == "unread"
    qs = selectors.letters_inbox(user=request.user, unread_only=unread_only)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    refs = selectors.request_references(pks=[d.subject_id for d in page.object_list])
    rows = [(doc, refs.get(doc.subject_id, "")) for doc in page.object_list]
    return render(
        request,
        "priorauth/letters.html",
        _ctx(
            "letters",
            page_obj=page,
            rows=rows,
            unread_only=unread_only,
            unread=selectors.letters_inbox(user=request.user, unread_only=True).count(),
        ),
    )


@never_cache
@require_GET
@office_required()
def legacy_list(request: HttpRequest) -> HttpResponseBase:
    page = Paginator(selectors.legacy_cases_for_user(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    services.legacy_cases_record_list(cases=page.object_list, user=request.user)
    return render(request, "priorauth/legacy_list.html", _ctx("list", page_obj=page))


@never_cache
@require_GET
@office_required(object_view=True)
def legacy_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    case = selectors.legacy_case_get_for_user(user=request.user, pk=pk)
    services.legacy_case_record_view(case=case, user=request.user)
    return render(request, "priorauth/legacy_detail.html", _ctx("list", case=case))
