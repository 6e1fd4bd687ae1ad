"""The REST API's one error shape, for every app's router (docs/api.md, "Errors").

``{"error": {"code": "...", "message": "...", "fields": [{"field": "...", "message": "..."}]},
"detail": "..."}``. Routers declare ``ErrorOut`` as their error responses and raise
``refused(...)``; the API's exception handler (``portico.api.errors``) writes the body, so an
app never builds an error dictionary by hand. ``api_user`` is the caller every operation
acts as (401 when there is none); ``api_page`` pages a list operation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import HttpError


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorBodyOut(Schema):
    code: str
    message: str
    fields: list[FieldErrorOut] = []


class ErrorOut(Schema):
    """The error answer of every API operation."""

    error: ErrorBodyOut
    detail: str


def refused(
    status: int,
    message: str,
    *,
    errors: Mapping[str, str | Sequence[str]] | None = None,
    code: str = "",
) -> HttpError:
    """An ``HttpError`` carrying field errors (``{"field": ["message", ...]}``) and a code."""
    exc = HttpError(status, message)
    exc.errors = dict(errors or {})  # type: ignore[attr-defined]
    if code:
        exc.code = code  # type: ignore[attr-defined]
    return exc


def api_user(request: HttpRequest) -> Any:
    """The user the API authentication set (token or session); 401 without one."""
    user = getattr(request, "auth", None) or request.user
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "Authentication required.")
    return user


def api_page(items: Any, number: int, per_page: int) -> Page:
    """Page ``number`` of ``items`` for a list operation. Past the last page the page is empty
    (``Paginator.get_page`` would give the last page again, so a client reading pages until
    one is empty never stops); a number below 1 is refused (400)."""
    if number < 1:
        raise refused(400, "Pages are numbered from 1.", errors={"page": "Use 1 or more."})
    paginator = Paginator(items, per_page)
    if number > paginator.num_pages:
        return Page([], number, paginator)
    return paginator.page(number)


def x12_request_body(description: str, *, file_field: bool = False) -> dict[str, Any]:
    """OpenAPI ``requestBody`` of an operation that reads a raw X12 interchange (its body is
    read as it is, so django-ninja cannot describe it from a schema); ``file_field``: it may
    also come as the ``file`` of a multipart form."""
    content: dict[str, Any] = {
        "application/edi-x12": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
    }
    if file_field:
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "organization_id": {"type": "integer"},
                },
            }
        }
    return {"required": True, "description": description, "content": content}
