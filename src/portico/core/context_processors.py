"""Template context shared by every page: the configured brand and its links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def _url(*names: str) -> str:
    """The first of ``names`` that resolves; "" (the link is hidden) when none does."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def brand(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = dict(settings.PORTICO_BRAND)
    data.update(
        login_url=_url("account_login"),
        logout_url=_url("account_logout"),
        signup_url=_url("account_signup"),
        profile_url=_url("identity:profile", "account_email"),
        help_url=_url("connect:help"),
        contact_url=_url("connect:contact"),
        terms_url=_url("identity:terms"),
        privacy_url=_url("identity:privacy"),
    )
    return {"brand": data}
