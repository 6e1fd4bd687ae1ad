"""Forms of the claims back office (examiners): queue filters, line-by-line adjudication,
pend / deny, appeal decisions. Validation only; the services check balancing and codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from portico.claims.models import (
    AppealReason,
    AppealStatus,
    ClaimAttachment,
    ClaimKind,
    ClaimStatus,
)
from portico.claims.services.adjudication import AdjustmentInput, LineDecision
from portico.codes.validators import validate_carc_format, validate_rarc_format
from portico.members.models import HealthPlan

WORK_STATUSES = [
    ClaimStatus.RECEIVED,
    ClaimStatus.ACCEPTED,
    ClaimStatus.IN_PROCESS,
    ClaimStatus.PENDED,
]
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
GROUPS = [("CO", "CO"), ("PR", "PR"), ("OA", "OA"), ("PI", "PI")]


class CarcField(forms.CharField):
    """A claim adjustment reason code (CARC), upper-cased. Its format check also bounds the
    length, so a wrong code gets that one message (no "at most 3 characters" beside it, and no
    ``maxlength`` that would silently cut "ZZZ9" to "ZZZ" in the browser)."""

    default_validators = [validate_carc_format]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Waiting for work"), ("all", "Any status"), *ClaimStatus.choices],
    )
    kind = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any"), *ClaimKind.choices]
    )
    health_plan = forms.ModelChoiceField(
        label="Payer", required=False, queryset=HealthPlan.objects.all(), empty_label="Any"
    )
    tin = forms.RegexField(
        label="Billing Tax ID",
        regex=r"^[0-9]{9}$",
        required=False,
        error_messages={"invalid": "Enter 9 digits."},
    )
    number = forms.CharField(label="Claim number", required=False, max_length=20)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {k: v for k, v in data.items() if v}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LineDecisionForm(forms.Form):
    line_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(
        label="Decision", choices=[("pay", "Pay"), ("deny", "Deny")], initial="pay"
    )
    allowed = forms.DecimalField(label="Allowed", required=False, **MONEY)  # type: ignore[arg-type]
    deductible = forms.DecimalField(label="Deductible (PR-1)", required=False, **MONEY)  # type: ignore[arg-type]
    coinsurance = forms.DecimalField(label="Coinsurance (PR-2)", required=False, **MONEY)  # type: ignore[arg-type]
    copay = forms.DecimalField(label="Copay (PR-3)", required=False, **MONEY)  # type: ignore[arg-type]
    other_group = forms.ChoiceField(
        label="Other adjustment group",
        required=False,
        choices=[("", "None"), *GROUPS],
    )
    other_reason = CarcField(label="Other adjustment CARC", required=False)
    other_amount = forms.DecimalField(label="Other adjustment amount", required=False, **MONEY)  # type: ignore[arg-type]
    deny_reason = CarcField(
        label="Denial CARC",
        required=False,
        help_text="For a denied line, e.g. 50 (not medically necessary).",
    )
    remark_codes = forms.CharField(
        label="Remark codes (RARC)",
        required=False,
        max_length=60,
        help_text="Space-separated, e.g. N130 M15.",
    )
    paid = forms.DecimalField(
        label="Paid",
        required=False,
        help_text="Optional: checked against allowed − patient responsibility − other.",
        **MONEY,  # type: ignore[arg-type]
    )

    def clean_remark_codes(self) -> list[str]:
        codes = [c.upper() for c in self.cleaned_data.get("remark_codes", "").split()]
        for code in codes:
            validate_rarc_format(code)
        return codes

    def clean_other_reason(self) -> str:
        return str(self.cleaned_data.get("other_reason") or "").upper()

    def clean_deny_reason(self) -> str:
        return str(self.cleaned_data.get("deny_reason") or "").upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "deny":
            # A code that failed its format check already has its error; don't add a second.
            if not data.get("deny_reason") and "deny_reason" not in self.errors:
                self.add_error("deny_reason", "Give the reason code (CARC) for the denial.")
        else:
            if data.get("allowed") is None:
                self.add_error("allowed", "Enter the allowed amount.")
            # A value refused by its own field (a negative amount) was given: its message says
            # what is wrong, not "needs its … amount".
            given = [
                data.get(name) not in (None, "") or name in self.errors
                for name in ("other_group", "other_reason", "other_amount")
            ]
            if any(given) and not all(given):
                raise ValidationError(
                    "An other adjustment needs its group, reason code and amount."
                )
        return data

    def decision(self) -> LineDecision:
        d = self.cleaned_data
        if d["action"] == "deny":
            return LineDecision(
                line_number=d["line_number"],
                deny_reason=d["deny_reason"],
                remark_codes=d["remark_codes"],
            )
        other = []
        if d.get("other_group"):
            other.append(AdjustmentInput(d["other_group"], d["other_reason"], d["other_amount"]))
        return LineDecision(
            line_number=d["line_number"],
            allowed=d["allowed"],
            deductible=d.get("deductible") or Decimal(0),
            coinsurance=d.get("coinsurance") or Decimal(0),
            copay=d.get("copay") or Decimal(0),
            other=other,
            remark_codes=d["remark_codes"],
            paid=d.get("paid"),
        )


LineDecisionFormSet = formset_factory(LineDecisionForm, extra=0)


def line_initial(decisions: list[LineDecision]) -> list[dict[str, Any]]:
    out = []
    for d in decisions:
        row: dict[str, Any] = {"line_number": d.line_number}
        if d.deny_reason:
            row.update(action="deny", deny_reason=d.deny_reason)
        else:
            row.update(
                action="pay",
                allowed=d.allowed,
                deductible=d.deductible or None,
                coinsurance=d.coinsurance or None,
                copay=d.copay or None,
            )
        if d.other:
            row.update(
                other_group=d.other[0].group,
                other_reason=d.other[0].reason,
                other_amount=d.other[0].amount,
            )
        row["remark_codes"] = " ".join(d.remark_codes)
        out.append(row)
    return out


class PendForm(VersionForm):
    reason = forms.CharField(
        label="What information is needed", max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment_report_type = forms.ChoiceField(
        label="Request an attachment",
        required=False,
        choices=[("", "No attachment"), *ClaimAttachment.ReportType.choices],
    )


class DenyForm(VersionForm):
    reason_code = CarcField(label="Denial reason (CARC)")
    group = forms.ChoiceField(label="Adjustment group", choices=GROUPS, initial="CO")
    remark_codes = forms.CharField(label="Remark codes (RARC)", required=False, max_length=60)
    note = forms.CharField(label="Note", required=False, max_length=200)

    def clean_reason_code(self) -> str:
        return str(self.cleaned_data["reason_code"]).upper()

    def clean_remark_codes(self) -> list[str]:
        codes = [c.upper() for c in self.cleaned_data.get("remark_codes", "").split()]
        for code in codes:
            validate_rarc_format(code)
        return codes


class AppealQueueForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Open (received or in review)"), ("all", "Any"), *AppealStatus.choices],
    )
    reason = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "Any"), *AppealReason.choices]
    )


class AppealDecisionForm(VersionForm):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            (AppealStatus.UPHELD, "Upheld (the claim's decision stands)"),
            (AppealStatus.OVERTURNED, "Overturned (re-adjudicate the claim)"),
            (AppealStatus.PARTIALLY_OVERTURNED, "Partially overturned (re-adjudicate the claim)"),
        ],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Explanation (printed in the decision letter)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
