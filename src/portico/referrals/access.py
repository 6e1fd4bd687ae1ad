"""Who may open which referrals page, declared once per view with these decorators.

* ``office_required``: a signed-in user with a Referrals grant. Pages about one object
  (``object_view=True``) answer 404 rather than 403 to users without Referrals access, so
  nobody learns which referral numbers exist.
* ``reviewer_required``: staff with the UM reviewer role (the plan's referral reviewers).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from portico.referrals.selectors import user_has_referrals_access, user_is_reviewer

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def office_required(*, object_view: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_referrals_access(user=request.user):
                if object_view:
                    raise Http404("No such referral.")
                raise PermissionDenied("No access to the Referrals Portal.")
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def reviewer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_reviewer(user=request.user):
            raise PermissionDenied("Referral reviewers only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
