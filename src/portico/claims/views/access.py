"""Who may open which Claims Online Portal page, declared once per view.

* ``claims_required``: signed in (MFA by the identity gate) with an active Claims grant.
  Pages of one object pass ``object_view=True`` and answer 404 (not 403) to users without
  access, so nobody learns which claim numbers exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from portico.claims.selectors import ClaimsAccess, claims_access

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def claims_required(view: View | None = None, *, object_view: bool = False) -> Any:
    def decorate(fn: View) -> View:
        @wraps(fn)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = claims_access(user=request.user)
            if not access.has_access:
                if object_view:
                    raise Http404("Not found.")
                raise PermissionDenied("You don't have access to the Claims Online Portal.")
            request.claims_access = access  # type: ignore[attr-defined]
            return fn(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def access_of(request: HttpRequest) -> ClaimsAccess:
    return request.claims_access  # type: ignore[attr-defined,no-any-return]
