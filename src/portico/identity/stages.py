"""Portico's stages in allauth's login flow (allauth.account.stages.LoginStage).

allauth's own phone support verifies by text message only and cannot be skipped; the source
document's flow also verifies by voice call, lets the user update the number and lets them
skip. And allauth's MFA has no phone factor. These two stages add both.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage
from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response
from django.contrib import messages
from django.http import HttpRequest

from portico.identity import selectors

VERIFY_PHONE_KEY = "portico_verify_phone"
MFA_PHONE_KEY = "portico_mfa_phone"


def mfa_done_in_session(request: HttpRequest, user: object) -> bool:
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, user))  # type: ignore[arg-type]


class PhoneVerificationStage(LoginStage):
    """Right after sign-up: verify the phone by text or call (or skip). At later sign-ins an
    unverified phone only earns a reminder."""

    key = VERIFY_PHONE_KEY
    urlname = "identity:verify_phone"

    def handle(self) -> tuple:
        user = self.login.user
        if user is None or not user.phone or user.phone_verified:
            return None, True
        if self.login.signup and not self.state.get("skipped"):
            return headed_redirect_response("identity:verify_phone"), True
        messages.warning(
            self.request,
            "Your phone number is not verified. Verify it from My Profile so that you can "
            "receive sign-in codes by text or call.",
        )
        return None, True


class PhoneMFAStage(LoginStage):
    """Second factor by a code sent by text or call to the verified phone.

    Runs after allauth's AuthenticateStage: a user who already passed a passkey or
    authenticator-app check (or signed in with a passkey) is not asked again.
    """

    key = MFA_PHONE_KEY
    urlname = "identity:mfa_phone"

    def handle(self) -> tuple:
        user = self.login.user
        if user is None or mfa_done_in_session(self.request, user):
            return None, True
        if not selectors.has_phone_factor(user=user):
            return None, True
        return headed_redirect_response("identity:mfa_phone"), True


class EmailVerificationStage(AllauthEmailVerificationStage):
    """allauth's stage (same key), asking with ``selectors.sign_in_facts`` — one statement that
    also answers the MFA stage's question, next — instead of ``has_verified_email``. A verified
    address needs nothing, whatever the verification mode; otherwise allauth's stage runs as
    before (it asks again and sends the code)."""

    def handle(self) -> tuple:
        login = self.login
        known = login.user is not None and login.user.pk is not None
        if known and selectors.sign_in_facts(user=login.user, email=login.email).verified_email:
            return None, True
        return super().handle()
