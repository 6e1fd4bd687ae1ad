"""Who may open the payment pages, declared once per view.

* ``payments_required``: signed in (MFA by the identity gate) with an active Claims grant —
  the payment pages are part of the Claims Online Portal. Views of one payment pass
  ``object_view=True`` and answer 404 (not 403) to users without access.
* ``examiner_required``: staff with the claims examiner role (payment runs); 403 otherwise,
  like the other back offices.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from portico.claims.selectors import ClaimsAccess, claims_access
from portico.identity.roles import StaffRole, has_staff_role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def payments_required(view: View | None = None, *, object_view: bool = False) -> Any:
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

        return cast(View, wrapper)

    return decorate(view) if view is not None else decorate


def access_of(request: HttpRequest) -> ClaimsAccess:
    return request.claims_access  # type: ignore[attr-defined,no-any-return]


def examiner_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_staff_role(request.user, StaffRole.CLAIMS_EXAMINER):
            raise PermissionDenied("Claims examiners only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
