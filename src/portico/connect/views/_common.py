"""Permission declarations shared by Connect's views (declared once, not copied)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from portico.identity.roles import StaffRole, has_staff_role
from portico.organizations.models import Application

View = Callable[..., HttpResponse]


def access_admin_required(view: View) -> View:
    """Signed in (else to the sign-in page) and an access administrator (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_staff_role(request.user, StaffRole.ACCESS_ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def application_url(application: str) -> str:
    """The application's own home if it is installed, else Connect's page for it."""
    try:
        return reverse(f"{application}:home")
    except NoReverseMatch:
        return reverse("connect:application", kwargs={"application": application})


def application_label(application: str) -> str:
    return dict(Application.choices).get(application, application)
