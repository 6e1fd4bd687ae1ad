"""``{% mfa_setup_return as url %}``: the way back to the "Switch to faster and more secure
sign-in methods" step from allauth's passkey, authenticator-app and recovery-code pages.

The set-up step's "Setup" links carry ``?next=<the step>``; allauth's own redirects after
adding a factor drop it, and there the set-up in progress (the session flag the step sets
until its "Continue") says the same. The pages' breadcrumb and "Back to set-up" links use
it; elsewhere they lead to My Profile.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portico.identity.views.mfa import SETUP_SESSION_KEY

register = template.Library()


def _next_is_setup(request: Any, setup_path: str) -> bool:
    value = request.GET.get("next") or request.POST.get("next") or ""
    if not value or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return False
    return urlsplit(value).path == setup_path


@register.simple_tag(takes_context=True)
def mfa_setup_return(context: template.Context) -> str:
    """The set-up step's path when this page was reached from it, else ``""``."""
    request: Any = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return ""
    setup_path = reverse("identity:mfa_setup")
    if _next_is_setup(request, setup_path) or request.session.get(SETUP_SESSION_KEY):
        return setup_path
    return ""
