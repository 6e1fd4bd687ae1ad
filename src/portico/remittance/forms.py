"""Forms of the payment pages (input validation only)."""

from __future__ import annotations

from typing import Any

from django import forms

from portico.members.models import HealthPlan
from portico.organizations.models import Organization
from portico.remittance.models import PaymentMethod, ProviderAdjustmentReason


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


class PaymentRunForm(forms.Form):
    payment_date = forms.DateField(
        label="Payment date", widget=forms.DateInput(attrs={"type": "date"})
    )
    auto_adjudicate = forms.BooleanField(
        label="First adjudicate waiting clean claims from the fee schedules",
        required=False,
        initial=True,
    )


class ProviderAdjustmentForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="Practice", queryset=Organization.objects.filter(is_active=True)
    )
    tin = forms.RegexField(
        label="Payee Tax ID", regex=r"^[0-9]{9}$", error_messages={"invalid": "Enter 9 digits."}
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
