"""Who may open which documents page, declared once per view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from portico.identity.roles import StaffRole, has_staff_role

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

# Staff who produce letters run their print-and-mail queue.
MAIL_ROOM_ROLES = (StaffRole.UM_REVIEWER, StaffRole.CLAIMS_EXAMINER)


def may_work_mail_queue(user: Any) -> bool:
    return any(has_staff_role(user, role) for role in MAIL_ROOM_ROLES)


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def mail_room_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_work_mail_queue(request.user):
            raise PermissionDenied("Utilization-management reviewers and claims examiners only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
