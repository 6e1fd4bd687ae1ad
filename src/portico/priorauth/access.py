"""Who may open which prior-authorization page, declared once per view.

* ``office_required``: a Prior Authorization grant for a practice the user belongs to
  (403 for other signed-in users; ``object_view=True`` answers 404 so nobody learns which
  references exist).
* ``reviewer_required``: staff with the UM reviewer or clinical reviewer role.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from portico.priorauth import selectors, transitions

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def office_required(*, object_view: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not selectors.has_priorauth_access(user=request.user):
                if object_view:
                    raise Http404("No such request.")
                raise PermissionDenied("No access to the Prior Authorization Portal.")
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def reviewer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if transitions.staff_actor(request.user) is None:
            raise PermissionDenied("Utilization-management reviewers only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
