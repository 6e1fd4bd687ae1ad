"""Template context shared by every page: the configured brand and its links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


def _url(*names: str) -> str:
    """The first of ``names`` that resolves; "" (the link is hidden) when none does."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


# The links depend only on the URLconf, the script prefix and the language: reversed once for
# each, not eight reverse() calls on every rendered page (and message).
_LINKS: dict[tuple[str, str, str | None], dict[str, str]] = {}


def _links() -> dict[str, str]:
    key = (str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix(), get_language())
    links = _LINKS.get(key)
    if links is None:
        if len(_LINKS) > 64:  # bounded, whatever SCRIPT_NAME a server passes
            _LINKS.clear()
        links = _LINKS[key] = {
            "login_url": _url("account_login"),
            "logout_url": _url("account_logout"),
            "signup_url": _url("account_signup"),
            "profile_url": _url("identity:profile", "account_email"),
            "access_url": _url("connect:request-list"),
            "help_url": _url("connect:help"),
            "contact_url": _url("connect:contact"),
            "terms_url": _url("identity:terms"),
            "privacy_url": _url("identity:privacy"),
        }
    return links


def brand(request: HttpRequest) -> dict[str, Any]:
    return {"brand": {**settings.PORTICO_BRAND, **_links()}}
