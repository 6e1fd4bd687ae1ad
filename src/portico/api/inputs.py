"""Input every API call is checked for before it reaches a schema (REST and FHIR alike)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
NUL_MESSAGE = "Text must not contain NUL (\\u0000) characters."


def contains_nul(request: HttpRequest) -> bool:
    """A NUL character in the query string or a JSON body (``\\u0000``). Django's forms refuse
    it; the API's schemas would pass it on, and PostgreSQL cannot store or compare it."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return True
    if request.method in UNSAFE and "json" in (request.content_type or ""):
        try:
            body = request.body
        except RequestDataTooBig:
            return False  # the API answers 413 for it when the operation reads the body
        return b"\\u0000" in body or b"\x00" in body
    return False
