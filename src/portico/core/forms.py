"""Forms of the shared kernel: the compliance view's audit filters."""

from __future__ import annotations

from django import forms

from portico.core.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    user = forms.CharField(
        label="User", required=False, max_length=150, help_text="User name or user number"
    )
    member = forms.CharField(
        label="Patient or member", required=False, max_length=64, help_text="Member ID"
    )
    object_type = forms.CharField(
        label="Object type", required=False, max_length=100, help_text="For example support.case"
    )
    object_id = forms.CharField(
        label="Object number or ID",
        required=False,
        max_length=64,
        help_text="A case, claim or request number (CS-2026-000002), or the internal ID",
    )
    action = forms.CharField(
        label="Action",
        required=False,
        max_length=100,
        help_text="A code or its start, for example portico.claim",
    )
    organization = forms.IntegerField(
        label="Organization number", required=False, min_value=1, max_value=2**31 - 1
    )
    date_from = forms.DateField(
        label="From date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label="To date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day is not None and not 1900 <= day.year <= 2999:
                self.add_error(name, "Enter a date between 1900 and 2999.")
                start = end = None
        if start and end and start > end:
            self.add_error("date_to", "The to date must be on or after the from date.")
        return data

    def filters(self) -> AuditFilters:
        """The filters (call after ``is_valid``; invalid fields are left out)."""
        data = getattr(self, "cleaned_data", {})
        return AuditFilters(
            user=data.get("user") or "",
            member=data.get("member") or "",
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id") or "",
            action=data.get("action") or "",
            organization_id=data.get("organization"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
