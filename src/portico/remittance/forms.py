"""Forms of the payment pages (input validation only)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from portico.core.idempotency import IdempotentFormMixin
from portico.members.models import HealthPlan
from portico.organizations.models import Organization
from portico.remittance.models import PaymentMethod, ProviderAdjustmentReason

# A Tax ID as typed: 9 digits, or dashed as displayed (EIN 12-3456789, SSN 123-45-6789).
TIN_INPUT = re.compile(r"[0-9]{9}|[0-9]{2}-[0-9]{7}|[0-9]{3}-[0-9]{2}-[0-9]{4}")


class PaymentSearchForm(forms.Form):
    trace_number = forms.CharField(label="Check or EFT number", required=False, max_length=30)
    tin = forms.ChoiceField(label="Tax ID", required=False)
    method = forms.ChoiceField(
        label="Method",
        required=False,
        choices=[("", "Any"), *PaymentMethod.choices],
    )
    date_from = forms.DateField(
        label="Paid from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Paid to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, tins: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tin"].choices = [("", "All"), *((t, t) for t in sorted(tins or []))]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


# How far a run's check or EFT effective date (the 835's BPR16) may lie from today: a check
# written a little earlier, an EFT settling a few business days ahead.
PAYMENT_DATE_WINDOW_DAYS = 30


class PaymentRunForm(forms.Form):
    payment_date = forms.DateField(
        label="Payment date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=(
            f"The check or EFT effective date: within {PAYMENT_DATE_WINDOW_DAYS} days of today."
        ),
    )
    auto_adjudicate = forms.BooleanField(
        label="First adjudicate waiting clean claims from the fee schedules",
        required=False,
        initial=True,
    )

    def clean_payment_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["payment_date"]
        today = timezone.localdate()
        window = dt.timedelta(days=PAYMENT_DATE_WINDOW_DAYS)
        if value < today - window:
            raise forms.ValidationError(
                f"A payment date can be at most {PAYMENT_DATE_WINDOW_DAYS} days ago "
                f"(not before {today - window:%m/%d/%Y})."
            )
        if value > today + window:
            raise forms.ValidationError(
                f"A payment date can be at most {PAYMENT_DATE_WINDOW_DAYS} days ahead "
                f"(not after {today + window:%m/%d/%Y})."
            )
        return value


class ProviderAdjustmentForm(IdempotentFormMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label="Practice", queryset=Organization.objects.filter(is_active=True)
    )
    tin = forms.CharField(
        label="Payee Tax ID",
        max_length=20,
        help_text="9 digits, with or without the dash: 12-3456789.",
    )
    health_plan = forms.ModelChoiceField(label="Payer", queryset=HealthPlan.objects.all())
    reason_code = forms.ChoiceField(label="Reason", choices=ProviderAdjustmentReason.choices)
    amount = forms.DecimalField(
        label="Amount",
        max_digits=12,
        decimal_places=2,
        help_text="Positive amounts reduce the payment (recovery); negative amounts add to it "
        "(interest).",
    )
    reference = forms.CharField(label="Reference", required=False, max_length=50)

    def clean_tin(self) -> str:
        """The TIN as stored (9 digits), from the way it is displayed (12-3456789 for an EIN,
        123-45-6789 for an SSN) or typed without the dash."""
        value = "".join(str(self.cleaned_data["tin"]).split())
        if not TIN_INPUT.fullmatch(value):
            raise forms.ValidationError("Enter the 9-digit Tax ID, for example 12-3456789.")
        return value.replace("-", "")

    def clean_amount(self) -> Any:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("The amount can't be zero.")
        return amount

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org, tin = data.get("organization"), data.get("tin")
        if org is not None and tin and not org.tins.filter(tin=tin, is_active=True).exists():
            self.add_error("tin", "This Tax ID is not one of the practice's.")
        return data


class ProviderAdjustmentCancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", required=False, max_length=200)
