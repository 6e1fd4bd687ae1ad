"""django-allauth adapters: where Portico's identity rules plug into allauth.

allauth runs sign-up, sign-in, email verification, password change/reset, passkeys, TOTP,
recovery codes and the session list. The adapters below add what allauth leaves to the
project: the profile fields and legal acceptance of sign-up, an activation *link* next to
the activation *code*, password history, the consecutive-failure lockout, Portico's login
stages (phone verification and the phone factor), TOTP encryption at rest, and the rule that
the last second factor cannot be removed while MFA is required.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import derive_login_method, get_authentication_records
from allauth.account.utils import user_display
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from portico.identity import backends, crypto, emails, selectors, services
from portico.identity.middleware import SIGNED_IN_AT_KEY
from portico.identity.models import User
from portico.identity.validators import validate_username

# One message for a wrong password, an unknown account and a locked account (no account
# enumeration): the sign-in field accepts a username or an email address either way.
CREDENTIALS_MISMATCH = (
    "The username or email address and password you entered do not match our records."
)


SIGNED_IN_MESSAGE_TEMPLATE = "account/messages/logged_in.txt"

# Removing the last passkey or authenticator app while MFA is required (and no phone codes).
LAST_FACTOR_MESSAGE = (
    "This is your last sign-in method. Add a passkey, an authenticator app or phone codes "
    "before removing it."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": CREDENTIALS_MISMATCH,
        "username_password_mismatch": CREDENTIALS_MISMATCH,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts from here. Wait a few minutes, then try again."
        ),
        "incorrect_code": "That code is not correct. Check the code and try again.",
        "username_taken": "That username is taken. Choose another.",
        "email_taken": "An account already uses this email address. Sign in, or use "
        "“Forgot username” to find it.",
    }

    # --- sign-up ------------------------------------------------------------------
    def clean_email(self, email: str) -> str:
        """Every form that takes a new address asks this (sign-up, correcting it before
        verification, My Profile). Django's EmailField accepts 320 characters; the columns
        hold allauth's ``EMAIL_MAX_LENGTH`` (254, the most an email path may carry)."""
        max_length = account_settings.EMAIL_MAX_LENGTH
        if len(email) > max_length:
            raise ValidationError(
                f"Use no more than {max_length} characters for your email address.",
                code="email_too_long",
            )
        return super().clean_email(email)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        validate_username(username)
        return super().clean_username(username, shallow=shallow)

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: Any, commit: bool = True
    ) -> AbstractBaseUser:
        data = form.cleaned_data
        assert isinstance(user, User)
        return services.account_register(
            user=user,
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            year_of_birth=data["year_of_birth"],
            phone=data["phone"],
            documents=form.legal_documents,
            ip_address=self.get_client_ip(request),
        )

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """Used when the sign-up had no ``next``: after the sign-in methods step the new user
        lands on My Profile, where their Portico ID is shown (the source document's order)."""
        return f"{reverse('identity:mfa_setup')}?{urlencode({'next': reverse('identity:profile')})}"

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if settings.PORTICO_MFA_REQUIRED and not selectors.has_mfa_factor(user=request.user):
            return reverse("identity:mfa_setup")
        return super().get_login_redirect_url(request)

    # --- email ----------------------------------------------------------------------
    def send_confirmation_mail(
        self, request: HttpRequest, emailconfirmation: Any, signup: bool
    ) -> None:
        """The activation email carries both the code (allauth) and a link (Portico).

        A change to an address that is already another account's is answered on screen as
        for any address (no enumeration), but its owner gets a notice instead of a code that
        could never work, and without the name of whoever typed their address.
        """
        address = emailconfirmation.email_address
        if address.user_id and selectors.email_owned_by_another(
            email=address.email, user_id=address.user_id
        ):
            self.send_mail(
                "account/email/email_in_use",
                address.email,
                {
                    "password_reset_url": request.build_absolute_uri(
                        reverse("account_reset_password")
                    )
                },
            )
            return
        ctx: dict[str, Any] = {
            "user": address.user,
            "code": emailconfirmation.key,
            "activate_url": emails.activation_url(request, address),
            "expires_minutes": settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT // 60,
            "idp_name": settings.PORTICO_BRAND["idp_name"],
        }
        template = (
            "account/email/email_confirmation_signup"
            if signup
            else "account/email/email_confirmation"
        )
        self.send_mail(template, address.email, ctx)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        if not getattr(user, "notify_security_email", True):
            return
        super().send_notification_mail(template_prefix, user, context, email)

    # --- passwords ----------------------------------------------------------------
    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        assert isinstance(user, User)
        services.password_change(user=user, raw_password=password)

    # --- messages -------------------------------------------------------------------
    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """allauth's, except that the message after every sign-in is made from allauth's own
        translated text instead of rendering ``account/messages/logged_in.txt`` (a template
        with the request's context processors: 0.2 ms of each sign-in's CPU). Same words, same
        translations (the template's ``blocktrans`` has the same message id)."""
        if message is None and message_template == SIGNED_IN_MESSAGE_TEMPLATE and message_context:
            message = gettext("Successfully signed in as %(name)s.") % {
                "name": user_display(message_context["user"])
            }
        super().add_message(
            request, level, message_template, message_context, extra_tags, message=message
        )

    # --- sign-in protection ---------------------------------------------------------
    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's answer, worked out once per request: a sign-in asks for it five times
        (each rate limit, the session list)."""
        try:
            return request._portico_client_ip  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            ip = super().get_client_ip(request)
            request._portico_client_ip = ip  # type: ignore[attr-defined]
            return ip

    def _login_identifier(self, credentials: dict[str, Any]) -> str:
        return str(credentials.get("username") or credentials.get("email") or "")

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)  # allauth's per-IP/per-key limits
        user = backends.user_for_login(request, self._login_identifier(credentials))
        throttle = selectors.throttle_for(user=user) if user is not None else None
        # A success resets the failure count; when there is none to reset, skip the write.
        request.portico_throttle_clean = (  # type: ignore[attr-defined]
            throttle is None
            or (
                throttle.consecutive_failures == 0
                and throttle.lockouts == 0
                and throttle.locked_until is None
            )
        )
        if user is not None and selectors.is_locked(user=user):
            services.auth_event_record(
                action="sign_in_refused_locked", user=user, actor=services.ANONYMOUS
            )
            method = derive_login_method(self._login_identifier(credentials))
            raise self.validation_error(f"{method.value}_password_mismatch")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        user = backends.user_for_login(request, self._login_identifier(credentials))
        if user is not None:
            services.login_failure_record(user=user)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A sign-in in the last few minutes counts as re-authentication (allauth asks only
        for an explicit re-entry), so that enrolling a passkey or an authenticator app right
        after sign-up or sign-in does not ask for the password a second time."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        if request is None or not request.user.is_authenticated:
            return True
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        moments = [float(r.get("at", 0)) for r in get_authentication_records(request, request.user)]
        # Completing sign-up (email and phone verified) signs the user in: that counts too.
        moments.append(float(request.session.get(SIGNED_IN_AT_KEY, 0)))
        return not any(time.time() - at < timeout for at in moments)

    # --- login stages -------------------------------------------------------------
    def get_login_stages(self) -> list[str]:
        stages = super().get_login_stages()
        # allauth's email stage (same key), asking one statement for it and the MFA stage.
        email_stage = "portico.identity.stages.EmailVerificationStage"
        stages[stages.index("allauth.account.stages.EmailVerificationStage")] = email_stage
        stages.insert(
            stages.index(email_stage) + 1, "portico.identity.stages.PhoneVerificationStage"
        )
        mfa_stage = "allauth.mfa.stages.AuthenticateStage"
        stages.insert(stages.index(mfa_stage) + 1, "portico.identity.stages.PhoneMFAStage")
        return stages


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not correct. Check your app or recovery code and "
        "try again.",
        "cannot_delete_authenticator": LAST_FACTOR_MESSAGE,
    }

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = settings.PORTICO_BRAND["idp_name"]
        return entity

    def is_mfa_enabled(self, user: AbstractBaseUser, types: Any = None) -> bool:
        """allauth's MFA AuthenticateStage asks whether the user has a passkey or an
        authenticator app right after the email stage asked the same statement
        (``selectors.sign_in_facts``): answered from there. Any other question, or a user
        instance the sign-in did not ask about, goes to the database as before."""
        known = selectors.known_app_factor(user=user)
        if known is not None and types is not None and set(types) == selectors.APP_FACTOR_TYPES:
            return known
        return super().is_mfa_enabled(user, types=types)

    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """While MFA is required, the last sign-in factor stays (recovery codes do not count)."""
        if not settings.PORTICO_MFA_REQUIRED:
            return True
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id,
            type__in=[Authenticator.Type.WEBAUTHN, Authenticator.Type.TOTP],
        ).exclude(pk=authenticator.pk)
        return others.exists() or selectors.has_phone_factor(user=authenticator.user)


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        request = context.request
        actor = request.user if request is not None else None
        services.sessions_end(sessions=list(sessions), actor=actor)
