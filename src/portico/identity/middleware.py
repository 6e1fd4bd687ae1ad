"""Identity middleware: session timeouts, the MFA-required gate and password expiry.

Django has the absolute cookie age only; allauth has no idle timeout, no "MFA before any
application page" rule and no password expiry. These three are Portico's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
)
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode

from portico.core.text import wait_text
from portico.identity import selectors, services
from portico.identity.decorators import MFA_EXEMPT_ATTR
from portico.identity.passwords import password_expires_at

LAST_ACTIVITY_KEY = "portico_last_activity"
SIGNED_IN_AT_KEY = "portico_signed_in_at"
ACTIVITY_RESOLUTION_SECONDS = 5
# Requests that must not count as activity (the idle-warning script polls this).
PASSIVE_PATHS = ("/id/session/status/",)
# Identity pages that still need an MFA-verified session.
MFA_PROTECTED_ID_PATHS = ("/id/profile/", "/id/staff/", "/id/sessions/", "/id/email/")


def _is_exempt(path: str) -> bool:
    if path == "/":
        return True
    if path.startswith(MFA_PROTECTED_ID_PATHS):
        return False
    return path.startswith(tuple(settings.PORTICO_MFA_EXEMPT_PATHS))


def _view_is_exempt(request: HttpRequest) -> bool:
    """The view declared itself MFA-exempt (``identity.decorators.mfa_exempt``)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(match.func, MFA_EXEMPT_ATTR, False))


def session_mfa_verified(request: HttpRequest) -> bool:
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, request.user))


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            started = request.session.setdefault(SIGNED_IN_AT_KEY, now)
            idle = last is not None and now - float(last) > settings.PORTICO_SESSION_IDLE_SECONDS
            expired = now - float(started) > settings.SESSION_COOKIE_AGE
            if idle or expired:
                reason = "idle" if idle else "absolute"
                services.auth_event_record(action="session_timed_out", user=user, reason=reason)
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {wait_text(settings.PORTICO_SESSION_IDLE_SECONDS)} "
                    "without activity. Sign in again."
                    if idle
                    else "Your session reached its time limit. Sign in again.",
                )
                if request.headers.get("HX-Request") or request.path.startswith(PASSIVE_PATHS):
                    return JsonResponse({"authenticated": False}, status=401)
                login = reverse("account_login")
                return HttpResponseRedirect(
                    f"{login}?{urlencode({'next': request.get_full_path()})}"
                )
            # Record activity (at most every few seconds, to spare session writes).
            stale = last is None or now - float(last) >= ACTIVITY_RESOLUTION_SECONDS
            if stale and not request.path.startswith(PASSIVE_PATHS):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class MFARequiredMiddleware:
    """A signed-in user without an MFA-verified session reaches only the exempt pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.PORTICO_MFA_REQUIRED
            and user.is_authenticated
            and not _is_exempt(request.path)
            and not session_mfa_verified(request)
            and not _view_is_exempt(request)
        ):
            next_q = urlencode({"next": request.get_full_path()})
            if getattr(user, "legacy_email_mfa", False) or not selectors.has_mfa_factor(user=user):
                return HttpResponseRedirect(f"{reverse('identity:mfa_setup')}?{next_q}")
            return HttpResponseRedirect(f"{reverse('identity:mfa_verify')}?{next_q}")
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """Once the password has expired, the user changes it before going anywhere else."""

    ALLOWED = (
        "/static/",
        "/healthz",
        "/readyz",
        "/dev/outbox/",
        "/id/2fa/",
        "/id/phone/",
        "/id/session/",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            expires = password_expires_at(user)
            allowed = (
                reverse("account_change_password"),
                reverse("account_logout"),
                reverse("identity:mfa_setup"),
                reverse("identity:mfa_verify"),
                *self.ALLOWED,
            )
            expired = expires is not None and expires <= timezone.now()
            if expired and not request.path.startswith(allowed):
                messages.warning(
                    request, "Your password has expired. Choose a new password to continue."
                )
                return HttpResponseRedirect(reverse("account_change_password"))
        return self.get_response(request)


class EmailCodeExpiryNoticeMiddleware:
    """Say why the activation-code page sends the user back to sign in.

    allauth drops an expired email-verification process and redirects to the sign-in page
    without a word; this adds the reason (signing in again sends a new code and link).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.code_page: str | None = None  # reversed at the first request, then kept

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.code_page is None:
            self.code_page = reverse("account_email_verification_sent")
        if request.path == self.code_page:
            state = request.session.get(EMAIL_VERIFICATION_CODE_SESSION_KEY)
            timeout = settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT
            if isinstance(state, dict) and time.time() - float(state.get("at", 0)) > timeout:
                messages.error(
                    request,
                    "That activation code has expired. Sign in to receive a new code and link.",
                )
        return self.get_response(request)
