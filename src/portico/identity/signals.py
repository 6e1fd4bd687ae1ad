"""Audit events for authentication, hooked to Django's and allauth's signals.

Connected in IdentityConfig.ready. Each receiver calls a service (which writes the audit row
in its own transaction); receivers hold no rules of their own.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account import signals as account_signals
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import signals as mfa_signals
from allauth.usersessions import signals as usersessions_signals
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from portico.identity import services, sessions
from portico.identity.middleware import LAST_ACTIVITY_KEY, SIGNED_IN_AT_KEY
from portico.identity.models import User


def on_logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    now = time.time()
    if hasattr(request, "session"):
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_ACTIVITY_KEY] = now
    records = (
        request.session.get("account_authentication_methods", [])
        if hasattr(request, "session")
        else []
    )
    services.signed_in(
        user=user,
        methods=sorted({str(r.get("type") or r.get("method")) for r in records}),
        reset_failures=not getattr(request, "portico_throttle_clean", False),
    )


def on_allauth_logged_in(
    sender: Any, request: HttpRequest, response: Any, user: User, **kwargs: Any
) -> None:
    """Apply the language chosen in My Profile from the first page after sign-in."""
    if response is not None and user.preferred_language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.preferred_language, samesite="Lax")


def on_logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        services.auth_event_record(action="signed_out", user=user)


def on_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    services.auth_event_record(action="password_reset", user=user, actor=services.ANONYMOUS)


def on_email_confirmed(
    sender: Any, request: HttpRequest, email_address: Any, **kwargs: Any
) -> None:
    services.auth_event_record(
        action="email_verified", user=email_address.user, actor=email_address.user
    )


def on_email_changed(
    sender: Any,
    request: HttpRequest,
    user: User,
    from_email_address: Any,
    to_email_address: Any,
    **kwargs: Any,
) -> None:
    """allauth sends this for the sign-up's own address too (services.email_change_record
    tells a change from a first verification)."""
    services.email_change_record(
        user=user,
        from_email=getattr(from_email_address, "email", None),
        from_verified=bool(getattr(from_email_address, "verified", False)),
        to_email=getattr(to_email_address, "email", ""),
    )


def on_authenticator_added(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any
) -> None:
    services.mfa_enrolled(user=user, type=authenticator.type)
    # Activating a factor proves possession of it: the session counts as MFA-verified.
    record_authentication(request, user, method="mfa", type=authenticator.type, enrolled=True)


def on_authenticator_removed(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any
) -> None:
    services.auth_event_record(action="mfa_removed", user=user, type=authenticator.type)


def on_authenticator_reset(
    sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any
) -> None:
    services.auth_event_record(action="mfa_reset_codes", user=user, type=authenticator.type)


def on_mfa_failed(
    sender: Any, request: HttpRequest, user: User, authenticator: Any = None, **kwargs: Any
) -> None:
    services.auth_event_record(
        action="mfa_failed",
        user=user,
        actor=services.ANONYMOUS,
        type=getattr(authenticator, "type", ""),
    )


def connect() -> None:
    # on_logged_in stamps last_login (services.signed_in): it takes the place, and the dispatch
    # UID, of Django's update_last_login, whichever of the two apps is ready first.
    auth_signals.user_logged_in.disconnect(dispatch_uid="update_last_login")
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="update_last_login")
    # The session list's entry for a new sign-in: Portico's receiver purges the stale entries
    # with one query instead of two or three per session (identity/sessions.py says why).
    account_signals.user_logged_in.disconnect(receiver=usersessions_signals.on_user_logged_in)
    account_signals.user_logged_in.connect(
        sessions.on_user_logged_in, dispatch_uid="portico.identity.usersessions"
    )
    account_signals.user_logged_in.connect(
        on_allauth_logged_in, dispatch_uid="portico.identity.lang"
    )
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="portico.identity.out")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid="portico.identity.pr")
    account_signals.email_confirmed.connect(on_email_confirmed, dispatch_uid="portico.identity.ec")
    account_signals.email_changed.connect(on_email_changed, dispatch_uid="portico.identity.ech")
    mfa_signals.authenticator_added.connect(
        on_authenticator_added, dispatch_uid="portico.identity.ma"
    )
    mfa_signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="portico.identity.mr"
    )
    mfa_signals.authenticator_reset.connect(
        on_authenticator_reset, dispatch_uid="portico.identity.mx"
    )
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid="portico.identity.mf")
