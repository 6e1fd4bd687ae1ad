"""Portico's stages in allauth's login flow (allauth.account.stages.LoginStage).

allauth's own phone support verifies by text message only and cannot be skipped; the source
document's flow also verifies by voice call, lets the user update the number and lets them
skip. And allauth's MFA has no phone factor. These two stages add both.
"""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.email_verification import get_address_for_login
from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
    EmailVerificationProcess,
)
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.userkit import user_id_to_str
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage
from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response
from django.contrib import messages
from django.http import HttpRequest

from portico.core.text import wait_text
from portico.identity import ratelimits, selectors

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
    before (it asks again and sends the code).

    Signing in again while the activation email may not be sent again yet (allauth's
    ``confirm_email`` limit) showed the bare "Too many requests" page: the user now lands on the
    activation-code page, told to use the email sent moments ago, and no email is sent."""

    def handle(self) -> tuple:
        login = self.login
        known = login.user is not None and login.user.pk is not None
        if known and selectors.sign_in_facts(user=login.user, email=login.email).verified_email:
            return None, True
        if known and (response := self._email_sent_moments_ago()) is not None:
            return response, True
        return super().handle()

    def _email_sent_moments_ago(self) -> object | None:
        login = self.login
        if not (
            account_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
            and login.email_verification == account_settings.EmailVerificationMethod.MANDATORY
        ):
            return None
        address = get_address_for_login(login)
        if address is None or address.verified:
            return None
        email = address.email
        wait = ratelimits.wait_seconds(self.request, action="confirm_email", key=email.lower())
        if not wait:
            return None
        state = self.request.session.get(EMAIL_VERIFICATION_CODE_SESSION_KEY)
        process = (
            EmailVerificationProcess(request=self.request, state=state, user=login.user)
            if isinstance(state, dict)
            else None
        )
        same_code = (
            process is not None
            and state.get("user_id") == user_id_to_str(login.user)
            and state.get("email") == email
            and process.is_valid()
        )
        if same_code:
            messages.info(
                self.request,
                "We sent you a code moments ago. Use the code in that email; a new code can "
                f"be sent in {wait_text(wait)}.",
            )
        else:
            # The code sent moments ago belongs to another browser's sign-in (codes are kept
            # in the session); its link works anywhere. This code is sent on "Send a new code".
            process = EmailVerificationProcess(
                request=self.request,
                state=EmailVerificationProcess.initial_state(login.user, email),
                user=login.user,
            )
            process.generate_code()
            process.persist()
            messages.info(
                self.request,
                f"We sent an activation email to {email} moments ago. Select the link in that "
                f"email, or wait {wait_text(wait)}, then select “Send a new code”.",
            )
        return get_adapter(self.request).respond_email_verification_sent(self.request, login.user)
