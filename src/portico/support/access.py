"""Who may open which support page, declared once per view with these decorators.

* ``customer_required``: a Portico ID (MFA by the identity gate) with a Support grant, and a
  customer verified in this session (else the customer log-in page). Views of one object
  (``object_view=True``) answer 404 rather than 403 to users without Support access, so
  nobody learns which case numbers exist.
* ``agent_required``: staff with the Support agent role.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from portico.identity.roles import StaffRole, has_staff_role
from portico.support.models import CustomerUser
from portico.support.selectors import customer_for_user, user_has_support_access

SESSION_KEY = "portico_support_customer"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def remember_customer(request: HttpRequest, customer: CustomerUser) -> None:
    request.session[SESSION_KEY] = {"id": customer.pk, "user": request.user.pk}


def forget_customer(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def current_customer(request: HttpRequest) -> CustomerUser | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("user") != request.user.pk:
        return None
    customer = customer_for_user(user=request.user, customer_user_id=data.get("id"))
    if customer is None:
        forget_customer(request)
    return customer


def support_access_required(view: View) -> View:
    """Signed in with a Support grant (the customer log-in page itself).

    Without the grant the answer is 403 with the way to get it (the Support access form),
    since this is the page a direct customer's new user lands on first.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_has_support_access(user=request.user):
            return render(request, "support/no_access.html", status=403)
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def customer_required(*, object_view: bool = False) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_support_access(user=request.user):
                if object_view:
                    raise Http404("No such case.")
                raise PermissionDenied("No access to Support Cases.")
            customer = current_customer(request)
            if customer is None:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('support:customer_login')}?{query}")
            request.support_customer = customer  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def agent_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_staff_role(request.user, StaffRole.SUPPORT_AGENT):
            raise PermissionDenied("Support agents only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
