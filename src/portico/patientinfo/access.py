"""Who may open which PIP page, declared once per view.

* ``pip_required``: a PIP grant. Patient pages (``object_view=True``) answer 404 to users
  without one, the same "not found" as for a patient outside their view.
* ``cap_report_required``: a PIP grant with the Cap Report flag.
* ``practice_admin_required``: a practice administrator (the practice's access log).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from portico.patientinfo.selectors import (
    admin_organization_ids,
    cap_report_scopes,
    pip_scopes_for_user,
)

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def _gate(
    check: Callable[[Any], Any], *, denied: str, object_view: bool = False
) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            found = check(request.user)
            if not found:
                if object_view:
                    raise Http404("Patient not found.")
                raise PermissionDenied(denied)
            request.pip_scopes = found  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def pip_required(*, object_view: bool = False) -> Callable[[View], View]:
    return _gate(
        lambda user: pip_scopes_for_user(user=user),
        denied="No access to the Physician Info Portal.",
        object_view=object_view,
    )


cap_report_required = _gate(
    lambda user: cap_report_scopes(user=user),
    denied="The Cap Report is for users with Cap Report access.",
)

practice_admin_required = _gate(
    lambda user: admin_organization_ids(user=user),
    denied="The access log is for practice administrators.",
)
