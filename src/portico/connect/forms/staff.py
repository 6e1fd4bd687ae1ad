"""Back-office forms of the access administrators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat

from portico.connect.forms.access import SignedFormField
from portico.core.uploads import max_upload_bytes
from portico.organizations.models import AccessRequest, Application


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Reference, practice, requester, email or a TIN.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *AccessRequest.Status.choices],
    )
    # The portals that have an access form (Claims, Physician Info, Support).
    application = forms.ChoiceField(
        label="Portal",
        required=False,
        choices=[
            ("", "Any portal"),
            (Application.CLAIMS.value, Application.CLAIMS.label),
            (Application.PATIENT_INFO.value, Application.PATIENT_INFO.label),
            (Application.SUPPORT.value, Application.SUPPORT.label),
        ],
    )


class DenyForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the denial",
        max_length=2000,
        help_text="The requester is emailed this reason.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MoreInfoForm(forms.Form):
    message = forms.CharField(
        label="What information is needed?",
        max_length=2000,
        help_text="The requester is emailed this question and answers it on the request's page.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FaxAttachForm(forms.Form):
    file = SignedFormField(label="Faxed, signed form")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "The fax as a PDF or TIFF (PNG and JPEG also accepted); at most "
            f"{filesizeformat(max_upload_bytes())}."
        )
        self.fields["file"].widget.attrs["accept"] = ".pdf,.tif,.tiff,.png,.jpg,.jpeg"


class UserSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a user",
        max_length=100,
        required=False,
        help_text="Username, email address, name or phone number.",
    )


class RemoveAccessForm(forms.Form):
    reason = forms.CharField(
        label="Reason for removing the access",
        max_length=500,
        help_text="Recorded in the audit log and emailed to the user.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
