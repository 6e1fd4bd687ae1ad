"""Forms of the Referrals Portal: input shape only; the rules live in ``services``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from portico.core.idempotency import IdempotentFormMixin
from portico.core.uploads import ALLOWED_DESCRIPTION, max_upload_bytes
from portico.members.validators import normalize_member_id
from portico.organizations.fields import NPIField
from portico.organizations.models import Organization
from portico.referrals import conf
from portico.referrals.models import ReferralStatus, ReferredToKind, Urgency
from portico.referrals.selectors import ReferralFilters, practice_providers
from portico.referrals.services import ReferralRequest, empty_file_message

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FileInput(forms.ClearableFileInput):
    """A file input that takes several files (named so the shared template renders it)."""

    allow_multiple_selected = True
    template_name = "django/forms/widgets/file.html"


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = []
        for item in files:
            try:
                cleaned.append(super().clean(item, initial))
            except ValidationError as exc:
                if getattr(exc, "code", None) == "empty":  # Django's message names no file
                    raise ValidationError(empty_file_message(item), code="empty") from exc
                raise
        return cleaned


def _split_codes(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", value or "") if part]


class ReferralForm(IdempotentFormMixin, forms.Form):
    organization = forms.ChoiceField(label="Referring practice")
    member_id = forms.CharField(
        label="Member ID", max_length=24, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    date_of_birth = forms.DateField(label="Member's date of birth", widget=DATE)
    referring_npi = forms.ChoiceField(label="Referring PCP")
    referred_to_kind = forms.ChoiceField(
        label="Refer to a", choices=ReferredToKind.choices, widget=forms.RadioSelect,
        initial=ReferredToKind.SPECIALIST,
    )  # fmt: skip
    referred_to_npi = NPIField(label="Specialist or facility NPI")
    referred_to_name = forms.CharField(
        label="Specialist or facility name",
        required=False,
        max_length=200,
        help_text="Needed only when the NPI is not in the plan's provider directory.",
    )
    reason = forms.CharField(label="Reason for the referral", max_length=500)
    diagnoses = forms.CharField(
        label="Diagnosis codes (ICD-10-CM)",
        max_length=200,
        help_text="One or more codes separated by commas, the primary first, e.g. M54.50, M51.26.",
    )
    visits_requested = forms.IntegerField(
        label="Visits requested", min_value=1, max_value=99, widget=forms.NumberInput()
    )
    start_date = forms.DateField(label="From", widget=DATE)
    end_date = forms.DateField(label="Through", widget=DATE)
    urgency = forms.ChoiceField(
        choices=Urgency.choices, widget=forms.RadioSelect, initial=Urgency.ROUTINE
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(
        label="Attachments",
        required=False,
        widget=FileInput(),
        help_text=(
            f"Up to {conf.max_attachments()} files: {ALLOWED_DESCRIPTION}; at most "
            f"{max_upload_bytes() // (1024 * 1024)} MB each."
        ),
    )

    error_messages_by_field = {
        "member_id": "Enter the member ID from the member's card.",
        "date_of_birth": "Enter the member's date of birth as a date, e.g. 05/17/1970.",
        "referring_npi": "Choose the referring PCP.",
        "referred_to_npi": "Enter the specialist's or facility's 10-digit NPI.",
        "reason": "Enter the reason for the referral.",
        "diagnoses": "Enter at least one ICD-10-CM diagnosis code, for example M54.50.",
        "visits_requested": "Enter the number of visits requested, from 1 to 99.",
        "start_date": "Enter the first date the referral covers.",
        "end_date": "Enter the last date the referral covers.",
        "urgency": "Choose the urgency.",
        "organization": "Choose the referring practice.",
        "referred_to_kind": "Choose specialist or facility.",
    }

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {str(org.pk): org for org in organizations}
        org_field = self.fields["organization"]
        assert isinstance(org_field, forms.ChoiceField)
        org_field.choices = [(str(o.pk), o.name) for o in organizations]
        if len(organizations) == 1:
            org_field.initial = str(organizations[0].pk)
            org_field.widget = forms.HiddenInput()
        chosen = self.data.get("organization") or org_field.initial
        org = self.organizations.get(str(chosen)) or (organizations[0] if organizations else None)
        npi_field = self.fields["referring_npi"]
        assert isinstance(npi_field, forms.ChoiceField)
        providers = list(practice_providers(organization=org)) if org else []
        npi_field.choices = [("", "- Select -")] + [
            (p.npi, f"{p.display_name} (NPI {p.npi})") for p in providers
        ]
        for name, message in self.error_messages_by_field.items():
            self.fields[name].error_messages.update({"required": message, "invalid": message})
        self.fields["visits_requested"].error_messages.update(
            {
                "min_value": "Request at least 1 visit.",
                "max_value": "Request at most 99 visits.",
            }
        )

    def clean_member_id(self) -> str:
        return normalize_member_id(self.cleaned_data["member_id"])

    def clean_diagnoses(self) -> list[str]:
        codes = _split_codes(self.cleaned_data["diagnoses"])
        if not codes:
            raise ValidationError(self.error_messages_by_field["diagnoses"])
        return codes

    def organization_obj(self) -> Organization:
        return self.organizations[self.cleaned_data["organization"]]

    def to_request(self) -> ReferralRequest:
        data = self.cleaned_data
        return ReferralRequest(
            member_id=data["member_id"],
            date_of_birth=data["date_of_birth"],
            referring_npi=data["referring_npi"],
            referred_to_npi=data["referred_to_npi"].strip(),
            referred_to_name=data.get("referred_to_name", ""),
            referred_to_kind=data["referred_to_kind"],
            reason=data["reason"],
            diagnoses=data["diagnoses"],
            visits_requested=data["visits_requested"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            urgency=data["urgency"],
            notes=data.get("notes", ""),
            files=data.get("attachments") or [],
        )

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            name = "attachments" if name == "files" else name
            self.add_error(name if name in self.fields else None, message)


class SearchForm(forms.Form):
    member_id = forms.CharField(label="Member ID", required=False, max_length=24)
    number = forms.CharField(label="Referral number", required=False, max_length=20)
    provider_npi = NPIField(
        label="Provider NPI",
        required=False,
        help_text="The referring PCP's or the referred-to provider's NPI.",
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ReferralStatus.choices]
    )
    date_from = forms.DateField(label="Dates from", required=False, widget=DATE)
    date_to = forms.DateField(label="Dates through", required=False, widget=DATE)

    def clean_provider_npi(self) -> str:
        value = self.cleaned_data["provider_npi"].strip()
        if value and not re.fullmatch(r"[0-9]{10}", value):
            raise ValidationError("An NPI is 10 digits.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The second date must be on or after the first.")
        return data

    def filters(self) -> ReferralFilters:
        data = self.cleaned_data
        return ReferralFilters(
            member_id=normalize_member_id(data.get("member_id") or ""),
            number=(data.get("number") or "").strip().upper(),
            provider_npi=data.get("provider_npi") or "",
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class CancelForm(forms.Form):
    note = forms.CharField(
        label="Why are you cancelling it?",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("deny", "Deny")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or deny."},
    )
    visits_approved = forms.IntegerField(
        label="Visits approved",
        required=False,
        min_value=1,
        max_value=99,
        help_text="Leave empty to approve all the visits requested.",
    )
    note = forms.CharField(
        label="Note to the office",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for a denial: the office sees it.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "deny" and not (data.get("note") or "").strip():
            self.add_error("note", "Enter the reason for the denial; the office will see it.")
        return data
