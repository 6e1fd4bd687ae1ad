"""Practice users: the letters inbox and the permission-checked, audited download."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portico.core.uploads import file_download_response
from portico.documents import selectors, services
from portico.documents.access import signed_in
from portico.documents.kinds import DEFAULT_RETENTION_YEARS


@never_cache
@require_GET
@signed_in
def inbox(request: HttpRequest) -> HttpResponseBase:
    unread_only = request.GET.get("show") == "unread"
    documents = selectors.documents_for_user(user=request.user, unread_only=unread_only)
    page = Paginator(documents, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/inbox.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread_count": selectors.unread_count_for_user(user=request.user),
            "now": timezone.now(),
            "retention_years": DEFAULT_RETENTION_YEARS,
        },
    )


@never_cache
@require_GET
@signed_in
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = selectors.document_get_for_user(user=request.user, pk=pk)
    if not document.is_available():
        return render(
            request,
            "documents/expired.html",
            {"document": document, "retention_years": DEFAULT_RETENTION_YEARS},
            status=410,
        )
    services.document_record_download(document=document, user=request.user)
    return file_download_response(
        key=document.storage_key, filename=document.file_name, content_type="application/pdf"
    )
