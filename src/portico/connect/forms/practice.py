"""Practice self-service forms: invitations, Manage Providers, linking a legacy username."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from portico.members.models import HealthPlan
from portico.organizations.fields import NPIField
from portico.organizations.models import Membership
from portico.organizations.validators import validate_npi


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Each person needs their own email address and their own login.",
        error_messages={"invalid": "Enter an email address like name@example.org."},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        initial=Membership.Role.STAFF,
        widget=forms.RadioSelect,
    )


class ProviderConnectForm(forms.Form):
    plan = forms.ModelChoiceField(
        label="Health plan",
        queryset=HealthPlan.objects.all(),
        empty_label="- Select -",
        error_messages={"required": "Choose the health plan whose provider file lists them."},
    )
    npi = NPIField(label="NPI", required=False)
    provider_id = forms.CharField(
        label="Provider ID",
        required=False,
        max_length=30,
        help_text="The plan's Provider ID, instead of the NPI.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    provider_password = forms.CharField(
        label="Provider password (optional)",
        required=False,
        max_length=128,
        help_text=(
            "The password the plan issued with the Provider ID. With it, the provider is "
            "connected at once; without it, an administrator reviews the request."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def clean_npi(self) -> str:
        value = self.cleaned_data["npi"].strip()
        if value:
            validate_npi(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("provider_password") and not data.get("provider_id"):
            self.add_error("provider_id", "Enter the Provider ID that goes with the password.")
        elif not data.get("npi") and not data.get("provider_id") and not self.errors:
            raise ValidationError("Enter the provider's NPI or the plan's Provider ID.")
        return data


class LegacyLinkForm(forms.Form):
    METHODS = [
        ("password", "With the password of the old username"),
        ("code", "With a code sent to the email address on file"),
    ]
    username = forms.CharField(
        label="Your username on the previous portal",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    method = forms.ChoiceField(
        label="How do you want to prove it is yours?",
        choices=METHODS,
        initial="password",
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="Password of the old username",
        required=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") == "password" and not data.get("password"):
            self.add_error("password", "Enter the password, or choose to get a code by email.")
        return data


class LegacyCodeForm(forms.Form):
    code = forms.RegexField(
        label="6-digit code",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6 digits from the email."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
