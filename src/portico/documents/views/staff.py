"""Staff: the print-and-mail queue (appeal and member letters are mailed, not posted)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.core.uploads import file_download_response
from portico.documents import selectors, services
from portico.documents.access import mail_room_required
from portico.documents.models import MailStatus


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("open", "Waiting to be printed or mailed"),
            (MailStatus.QUEUED, "Queued for printing"),
            (MailStatus.PRINTED, "Printed, not yet mailed"),
            (MailStatus.MAILED, "Mailed"),
        ],
    )


@never_cache
@require_GET
@mail_room_required
def mail_queue(request: HttpRequest) -> HttpResponseBase:
    form = QueueFilterForm(request.GET or None)
    status = (
        form.cleaned_data["status"] if form.is_valid() and form.cleaned_data["status"] else "open"
    )
    page = Paginator(selectors.mail_queue(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/staff/mail_queue.html",
        {"form": form, "page_obj": page, "status": status},
    )


@require_POST
@mail_room_required
def mark_printed(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = selectors.document_get_for_staff(pk=pk)
    try:
        services.document_mark_printed(document=document, actor=request.user)
    except services.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{document.title}” is marked printed.")
    return redirect("documents:staff_mail_queue")


@require_POST
@mail_room_required
def mark_mailed(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = selectors.document_get_for_staff(pk=pk)
    try:
        services.document_mark_mailed(document=document, actor=request.user)
    except services.DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{document.title}” is marked mailed.")
    return redirect("documents:staff_mail_queue")


@never_cache
@require_GET
@mail_room_required
def staff_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = selectors.document_get_for_staff(pk=pk)
    if not document.is_available():
        return render(request, "documents/expired.html", {"document": document}, status=410)
    services.document_record_download(document=document, user=request.user, staff=True)
    return file_download_response(
        key=document.storage_key, filename=document.file_name, content_type="application/pdf"
    )
