"""Forms of Portico ID: input validation only (rules live in validators, passwords, phones)."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangeEmailForm as AllauthChangeEmailForm
from allauth.account.forms import ConfirmEmailVerificationCodeForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import derive_login_method
from allauth.account.models import Login
from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY as TOTP_SECRET_SESSION_KEY
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.utils import timezone

from portico.identity import selectors
from portico.identity.models import LegalDocument, User
from portico.identity.passwords import active_policy, policy_errors
from portico.identity.phones import PhoneFieldsMixin


class SignupForm(PhoneFieldsMixin, AllauthSignupForm):
    """ "Create Portico ID": every field of the source document (§3 step 3)."""

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    year_of_birth = forms.IntegerField(
        label="Year of birth",
        help_text="Four digits, for example 1980.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "bday-year", "maxlength": "4"}
        ),
        error_messages={
            "invalid": "Enter the year you were born as four digits, for example 1980."
        },
    )
    accept_terms = forms.BooleanField(
        label="I have read and agree to the Terms of Use",
        error_messages={"required": "You must agree to the Terms of Use to create an account."},
    )
    accept_privacy = forms.BooleanField(
        label="I have read and agree to the Website Privacy Policy",
        error_messages={
            "required": "You must agree to the Website Privacy Policy to create an account."
        },
    )

    field_order = [
        "first_name",
        "last_name",
        "year_of_birth",
        "email",
        "username",
        "phone_country",
        "phone_number",
        "password1",
        "password2",
        "accept_terms",
        "accept_privacy",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        idp = settings.PORTICO_BRAND["idp_name"]
        self.fields["email"].label = "Email address"
        self.fields["email"].help_text = "Each account needs its own email address."
        self.fields["username"].label = f"Create {idp} username"
        self.fields["username"].help_text = (
            "Between 6 and 50 characters; at least one letter; no spaces; no letters with "
            "accents; not an email address; none of these symbols: "
            "% + \" & [ ] ^ ' { } < > # / , ; ( ) : * ~"
        )
        # The length rule has its own message (validators.username_errors), not Django's.
        username = self.fields["username"]
        username.validators = [
            v
            for v in username.validators
            if not isinstance(v, MinLengthValidator | MaxLengthValidator)
        ]
        username.widget.attrs.pop("minlength", None)
        username.widget.attrs.update({"maxlength": "50", "autocomplete": "username"})
        self.fields["password1"].help_text = " ".join(active_policy().hints())
        self.fields["password2"].label = "Confirm password"
        for name in ("email", "username", "password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)
        self.terms = selectors.legal_document_current(kind=LegalDocument.Kind.TERMS)
        self.privacy = selectors.legal_document_current(kind=LegalDocument.Kind.PRIVACY)

    @property
    def legal_documents(self) -> list[LegalDocument]:
        return [doc for doc in (self.terms, self.privacy) if doc is not None]

    def clean_year_of_birth(self) -> int:
        year = self.cleaned_data["year_of_birth"]
        this_year = timezone.localdate().year
        if year < this_year - 120 or year > this_year:
            raise forms.ValidationError(
                f"Enter a year between {this_year - 120} and {this_year}.", code="year_range"
            )
        if year > this_year - 13:
            raise forms.ValidationError(
                "You must be at least 13 years old to create an account.", code="too_young"
            )
        return year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password1")
        if password and "password1" not in self.errors:
            # allauth validates with a stand-in user holding the username and email; the
            # "no names in the password" rule needs the names as well.
            stand_in = User(
                first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", "")
            )
            for error in policy_errors(password, policy=active_policy(), user=stand_in):
                if error.code == "password_has_name":
                    self.add_error("password1", error)
        return cleaned


class ChangeEmailForm(AllauthChangeEmailForm):
    """ "Correct your email address" on the activation-code page, before it is verified. The
    address obeys the same rules as at sign-up (``AccountAdapter.clean_email``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].widget.attrs.pop("placeholder", None)

    def clean_email(self) -> str:
        get_adapter().clean_email(self.cleaned_data["email"])
        return super().clean_email()


class LoginForm(AllauthLoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        idp = settings.PORTICO_BRAND["idp_name"]
        self.fields["login"].label = f"{idp} username or email address"
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["login"].widget.attrs["autocomplete"] = "username webauthn"
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""

    def _clean_with_password(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """allauth's, without its refusal ("Too many failed sign-in attempts") of a sign-in by
        email address while the activation email may not be sent again yet: the email stage
        (``stages.EmailVerificationStage``) answers that on the activation-code page, as for
        a sign-in by username. allauth's sign-in limits run in ``authenticate`` as before."""
        adapter = get_adapter(self.request)
        user = adapter.authenticate(self.request, **credentials)
        if user is None:
            method = derive_login_method(login=self.cleaned_data["login"])
            raise adapter.validation_error(f"{method.value}_password_mismatch")
        self._login = Login(user=user, email=credentials.get("email"))
        self.user = user
        return self.cleaned_data  # type: ignore[no-any-return]


class EmailCodeForm(ConfirmEmailVerificationCodeForm):
    """The activation code of the verification email (six digits)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Activation code"
        code.widget.attrs.pop("placeholder", None)
        code.widget.attrs.update({"inputmode": "numeric", "maxlength": "6"})


class AddPasskeyForm(AddWebAuthnForm):
    """A passkey is always a discoverable credential with user verification (sign-in without
    a username); the template keeps allauth's "passwordless" checkbox checked and hidden."""

    def clean(self) -> dict[str, Any]:
        self.cleaned_data["passwordless"] = True
        return super().clean()


# The authenticator-app set-up keeps its secret until activation or this long after it was
# first shown, so reloading the page (or a wrong code) shows the QR code already scanned.
TOTP_SETUP_MAX_AGE_SECONDS = 60 * 60
TOTP_SETUP_SESSION_KEY = "portico_totp_setup"  # {"user": pk, "at": epoch seconds}


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth's authenticator-app activation, with a secret that stays put.

    allauth keeps the pending secret in the session (``mfa.totp.secret``) but makes a new one
    every time the page is shown, and its adapter has no hook for that: a code from an app
    that scanned the first QR code then fails. Here the pending secret is shown again until
    it is activated (allauth then clears it) or is ``TOTP_SETUP_MAX_AGE_SECONDS`` old. A wrong
    code gets a message about activation: recovery codes do not apply here.
    """

    activation_messages = {
        "incorrect_code": "That code does not match. Enter the 6-digit code your authenticator "
        "app shows now for this account (it changes every 30 seconds). Not added it yet? Scan "
        "the QR code or enter the secret first.",
        "setup_expired": "This set-up has expired. Add the new QR code or secret shown here to "
        "your app (remove the old entry), then enter the code it shows.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        session = context.request.session
        user_pk = getattr(kwargs.get("user"), "pk", None)
        marker = session.get(TOTP_SETUP_SESSION_KEY)
        pending = session.get(TOTP_SECRET_SESSION_KEY)
        if pending and marker:
            stale = time.time() - float(marker.get("at", 0)) >= TOTP_SETUP_MAX_AGE_SECONDS
            if stale or marker.get("user") != user_pk:
                pending = None
        # allauth's __init__ makes a new secret whenever the form is shown (not bound).
        super().__init__(*args, **kwargs)
        self.setup_expired = False
        if pending:
            self.secret = session[TOTP_SECRET_SESSION_KEY] = pending
            if not marker:
                session[TOTP_SETUP_SESSION_KEY] = {"user": user_pk, "at": time.time()}
            return
        if self.is_bound:
            # Sent after the set-up expired (or without one): the code cannot be for a secret
            # worth keeping. Start again with a new one, and say so.
            self.setup_expired = True
            self.secret = session[TOTP_SECRET_SESSION_KEY] = generate_totp_secret()
        session[TOTP_SETUP_SESSION_KEY] = {"user": user_pk, "at": time.time()}

    def clean_code(self) -> str:
        if self.setup_expired:
            raise forms.ValidationError(
                self.activation_messages["setup_expired"], code="setup_expired"
            )
        try:
            return super().clean_code()
        except forms.ValidationError as exc:
            if exc.code == "incorrect_code":
                raise forms.ValidationError(
                    self.activation_messages["incorrect_code"], code="incorrect_code"
                ) from exc
            raise


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())
        if len(digits) != 6:
            raise forms.ValidationError("Enter the 6-digit code.", code="code_format")
        return digits


class PhoneForm(PhoneFieldsMixin, forms.Form):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class ForgotUsernameForm(forms.Form):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class UsernameForm(forms.Form):
    username = forms.CharField(
        label="New username",
        max_length=50,
        help_text="Between 6 and 50 characters; at least one letter; no spaces or accented "
        "letters; not an email address; none of % + \" & [ ] ^ ' { } < > # / , ; ( ) : * ~",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["preferred_language", "notify_security_email", "notify_password_expiry_email"]
        labels = {"preferred_language": "Language"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Browser default"), *settings.LANGUAGES]
        self.fields["preferred_language"].choices = choices  # type: ignore[attr-defined]


class StaffSearchForm(forms.Form):
    MAX_LENGTH = 100
    q = forms.CharField(
        label="Username, name, email address or phone",
        required=False,
        max_length=MAX_LENGTH,
        error_messages={"max_length": "Search with at most 100 characters."},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit log, for example the support ticket number.",
    )


class LockForm(forms.Form):
    minutes = forms.IntegerField(
        label="Lock for (minutes)",
        min_value=1,
        max_value=7 * 24 * 60,
        help_text="1 minute to 7 days (10,080 minutes).",
        error_messages={
            "required": "Enter how many minutes to lock the account for.",
            "invalid": "Enter the minutes as a whole number, for example 30.",
            "min_value": "Lock the account for at least 1 minute.",
            "max_value": "Lock the account for at most 7 days (10,080 minutes).",
        },
    )
