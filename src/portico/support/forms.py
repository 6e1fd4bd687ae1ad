"""Forms of the support portal and the agents' console: input validation only."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from portico.core.idempotency import IdempotentFormMixin
from portico.core.uploads import MultipleUploadField
from portico.support import conf
from portico.support.models import CaseStatus
from portico.support.selectors import AGE_FILTERS, support_agents
from portico.support.services import ClaimDetails
from portico.support.validators import (
    normalize_account_number,
    normalize_member_id,
    normalize_payer_id,
    normalize_pfi,
    normalize_user_id,
    parse_billed_amount,
)

NO_NEW_CASE = "none"


def _set_choices(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    cast(forms.ChoiceField, field).choices = choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CustomerLoginForm(forms.Form):
    first_name = forms.CharField(
        label="First Name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last Name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    user_id = forms.CharField(
        label="User ID",
        max_length=20,
        help_text=(
            "ZCS followed by 5 digits, for example ZCS01234. After you log in, "
            "“Show Details” next to your name shows it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    pfi = forms.CharField(
        label="PFI",
        max_length=20,
        help_text=(
            "Your Tax ID (PFI): 9 digits. Fewer digits are filled with leading zeros, "
            "for example 123456 becomes 000123456."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    case_type = forms.ChoiceField(
        label="Type of case to create",
        help_text="Choose “No new case” to search and comment on existing cases.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["case_type"],
            [
                *conf.case_type_choices(),
                (NO_NEW_CASE, "No new case – search and comment"),
            ],
        )
        self.fields["case_type"].initial = conf.CLAIM_CASE_TYPE

    def clean_user_id(self) -> str:
        return normalize_user_id(self.cleaned_data["user_id"])

    def clean_pfi(self) -> str:
        return normalize_pfi(self.cleaned_data["pfi"])


class CaseTypeForm(forms.Form):
    case_type = forms.ChoiceField(label="Type of case")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["case_type"], conf.case_type_choices())


class CaseForm(IdempotentFormMixin, forms.Form):
    """Create Case. The claim fields exist only for the Claim case type."""

    CLAIM_FIELDS = (
        "payer_id",
        "patient_name",
        "member_id",
        "service_date",
        "statement_from",
        "statement_to",
        "billed_amount",
        "date_submitted",
        "ect_number",
        "patient_account_number",
    )

    case_type = forms.CharField(widget=forms.HiddenInput)
    payer_id = forms.CharField(
        label="Payer ID",
        max_length=15,
        help_text="NYSPARCS",
        error_messages={"required": "Enter the payer ID."},
    )
    patient_name = forms.CharField(
        label="Patient Name",
        max_length=120,
        help_text="Subscriber or Patient Name",
        error_messages={"required": "Enter the patient’s name."},
    )
    member_id = forms.CharField(
        label="Member ID",
        max_length=30,
        help_text="Plan’s member identifier for the subscriber",
        error_messages={"required": "Enter the member ID."},
    )
    service_date = forms.DateField(
        label="Date of Service",
        required=False,
        widget=DateInput(),
        help_text="Date of Service (a single day), or the Statement Dates below",
    )
    statement_from = forms.DateField(
        label="Statement From",
        required=False,
        widget=DateInput(),
        help_text="Statement Dates: first day",
    )
    statement_to = forms.DateField(
        label="Statement To",
        required=False,
        widget=DateInput(),
        help_text="Statement Dates: last day",
    )
    billed_amount = forms.CharField(
        label="Billed Amount",
        max_length=20,
        help_text="Total Claim Charge Amount, for example 1250.00",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": "Enter the billed amount."},
    )
    date_submitted = forms.DateField(
        label="Date Submitted",
        widget=DateInput(),
        help_text="Date the transaction was submitted",
        error_messages={"required": "Enter the date the claim was submitted."},
    )
    ect_number = forms.CharField(
        label="ECT Number",
        required=False,
        help_text="DO NOT USE",
        widget=forms.TextInput(attrs={"disabled": True, "placeholder": "DO NOT USE"}),
    )
    patient_account_number = forms.CharField(
        label="Patient Account Number",
        max_length=38,
        required=False,
        help_text=(
            "Provider/Facility generated unique number used for retrieval of an "
            "individual’s records"
        ),
    )
    subject = forms.CharField(
        label="Subject",
        max_length=255,
        help_text="High level description of the issue",
        error_messages={"required": "Enter a subject."},
    )
    description = forms.CharField(
        label="Description",
        max_length=10000,
        help_text="Brief description of the issue",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter a description of the issue."},
    )

    def __init__(self, *args: Any, case_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selected_type = case_type
        self.fields["case_type"].initial = case_type
        if case_type == conf.CLAIM_CASE_TYPE:
            self.fields["payer_id"].initial = conf.default_payer_id()
            self.fields["payer_id"].help_text = conf.default_payer_id()
        else:
            for name in self.CLAIM_FIELDS:
                del self.fields[name]

    @property
    def is_claim(self) -> bool:
        return self.selected_type == conf.CLAIM_CASE_TYPE

    def claim_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CLAIM_FIELDS if name in self.fields]

    def clean_case_type(self) -> str:
        value = self.cleaned_data["case_type"]
        if value != self.selected_type or not conf.is_case_type(value):
            raise ValidationError("Choose a type of case.")
        return value

    def clean_payer_id(self) -> str:
        return normalize_payer_id(self.cleaned_data["payer_id"])

    def clean_member_id(self) -> str:
        return normalize_member_id(self.cleaned_data["member_id"])

    def clean_billed_amount(self) -> Any:
        return parse_billed_amount(self.cleaned_data["billed_amount"])

    def clean_patient_account_number(self) -> str:
        return normalize_account_number(self.cleaned_data.get("patient_account_number", ""))

    def clean_ect_number(self) -> str:
        if (self.data.get(self.add_prefix("ect_number")) or "").strip():
            raise ValidationError("ECT Number is not used. Leave it empty.", code="ect_not_used")
        return ""

    def _not_future(self, name: str, today: dt.date, message: str) -> None:
        value = self.cleaned_data.get(name)
        if value and value > today:
            self.add_error(name, message)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.is_claim:
            return data
        today = timezone.localdate()
        for name in ("service_date", "statement_from", "statement_to", "date_submitted"):
            value = data.get(name)
            if value and value.year < 1900:  # the service's rule, shown next to the field
                self.add_error(name, "Enter a date in 1900 or later.")
        self._not_future("service_date", today, "The date of service can't be in the future.")
        self._not_future("statement_from", today, "The statement dates can't be in the future.")
        self._not_future("statement_to", today, "The statement dates can't be in the future.")
        self._not_future("date_submitted", today, "The date submitted can't be in the future.")
        service, start, end = (
            data.get("service_date"),
            data.get("statement_from"),
            data.get("statement_to"),
        )
        date_errors = any(
            n in self.errors for n in ("service_date", "statement_from", "statement_to")
        )
        if not date_errors:
            if not service and not (start and end):
                if start or end:
                    missing = "statement_to" if start else "statement_from"
                    self.add_error(missing, "Enter both statement dates.")
                else:
                    self.add_error(
                        "service_date", "Enter the date of service, or both statement dates."
                    )
            elif start and end and start > end:
                self.add_error(
                    "statement_to", "The statement 'to' date can't be before the 'from' date."
                )
        submitted = data.get("date_submitted")
        earliest = min((d for d in (service, start) if d), default=None)
        if submitted and earliest and submitted < earliest and "date_submitted" not in self.errors:
            self.add_error(
                "date_submitted", "The date submitted can't be before the date of service."
            )
        return data

    def claim_details(self) -> ClaimDetails | None:
        if not self.is_claim:
            return None
        d = self.cleaned_data
        return ClaimDetails(
            payer_id=d["payer_id"],
            patient_name=d["patient_name"],
            member_id=d["member_id"],
            billed_amount=d["billed_amount"],
            date_submitted=d["date_submitted"],
            service_date=d.get("service_date"),
            statement_from=d.get("statement_from"),
            statement_to=d.get("statement_to"),
            patient_account_number=d.get("patient_account_number", ""),
        )


class CaseSearchForm(forms.Form):
    SCOPES = [("all", "All Cases"), ("mine", "My Cases"), ("number", "Case Number")]
    scope = forms.ChoiceField(
        label="Show", choices=SCOPES, initial="all", widget=forms.RadioSelect, required=False
    )
    number = forms.CharField(
        label="Case Number",
        max_length=20,
        required=False,
        help_text="For example CS-2026-000123",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["scope"] = data.get("scope") or "all"
        number = (data.get("number") or "").strip().upper()
        data["number"] = number
        if data["scope"] == "number" and not number:
            self.add_error("number", "Enter a case number, for example CS-2026-000123.")
        elif number and data["scope"] != "number":
            data["scope"] = "number"
        return data


class CommentForm(IdempotentFormMixin, forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write your comment."},
    )


class AttachForm(IdempotentFormMixin, forms.Form):
    """Attach ("Upload Files"): one or several files, saved all together or not at all."""

    file = MultipleUploadField(
        label="Upload Files", error_messages={"required": "Choose one or more files to attach."}
    )


# ---------------------------------------------------------------------------
# Agents' console
# ---------------------------------------------------------------------------


def _not_understood(what: str) -> dict[str, str]:
    return {"invalid_choice": f"“%(value)s” is not one of the {what}. Choose one from the list."}


class QueueFilterForm(forms.Form):
    """The queue's filters, from the address (a link, a bookmark). A value that is not one of
    the choices is an error shown next to its field, and only that filter is left out."""

    status = forms.ChoiceField(
        label="Status", required=False, error_messages=_not_understood("statuses")
    )
    case_type = forms.ChoiceField(
        label="Type", required=False, error_messages=_not_understood("types")
    )
    age = forms.ChoiceField(label="Age", required=False, error_messages=_not_understood("ages"))
    assignee = forms.ChoiceField(
        label="Assignee", required=False, error_messages=_not_understood("assignees")
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["status"],
            [
                ("open", "Open (New, Working, Waiting)"),
                ("all", "All statuses"),
                *CaseStatus.choices,
            ],
        )
        _set_choices(self.fields["case_type"], [("", "All types"), *conf.case_type_choices()])
        _set_choices(
            self.fields["age"],
            [("", "Any age")] + [(code, label) for code, (label, _, _) in AGE_FILTERS.items()],
        )
        _set_choices(
            self.fields["assignee"],
            [
                ("", "Anyone"),
                ("me", "Me"),
                ("unassigned", "Unassigned"),
            ]
            + [(str(u.pk), u.get_full_name() or u.get_username()) for u in support_agents()],
        )

    def filters(self) -> dict[str, Any]:
        """The filters understood; one that is not falls back to its default (open cases,
        any type, age or assignee) while the form shows its error."""
        if not self.is_bound:
            return {"status": "open"}
        self.is_valid()
        d = self.cleaned_data
        return {
            "status": d.get("status") or "open",
            "case_type": d.get("case_type") or "",
            "age": d.get("age") or "",
            "assignee": d.get("assignee") or "",
            "overdue": bool(d.get("overdue")),
        }


class SeenVersionMixin(forms.Form):
    """The case's ``updated_at`` when the agent's page was rendered (ISO 8601, microseconds
    kept), so a decision on a case someone changed meanwhile is refused, not applied."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_seen(self) -> dt.datetime:
        # The page always sends it; a missing, unreadable or future value would skip the check.
        value = self.cleaned_data.get("seen", "").strip()
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or parsed > timezone.now():
            raise forms.ValidationError("Reload the page and try again.", code="seen")
        return parsed


class AssignForm(SeenVersionMixin):
    assignee = forms.ModelChoiceField(
        label="Assign to",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Unassigned",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = support_agents()  # type: ignore[attr-defined]
        self.fields["assignee"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.get_username()
        )


class ReplyForm(IdempotentFormMixin, forms.Form):
    VISIBILITY = [
        ("public", "Reply to the customer (the customer is emailed)"),
        ("internal", "Internal note (never shown to the customer)"),
    ]
    body = forms.CharField(
        label="Message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write the reply or note."},
    )
    visibility = forms.ChoiceField(
        label="Who sees it", choices=VISIBILITY, initial="public", widget=forms.RadioSelect
    )
    new_status = forms.ChoiceField(label="Then set the status to", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["new_status"], [("", "Leave as it is"), *CaseStatus.choices])


class StatusForm(SeenVersionMixin):
    status = forms.ChoiceField(label="New status", choices=CaseStatus.choices)
    # The note is written in the case's timeline after "Status changed from … to …", which the
    # customer reads (the status email gives only the new status). Say so, as the reply form's
    # "Who sees it" does; a note for staff only is the reply form's "Internal note".
    note = forms.CharField(
        label="Note to the customer (optional)",
        max_length=255,
        required=False,
        help_text=(
            "Shown to the customer on their case, with the status change. For a note only "
            "staff see, use “Internal note” under Reply or add a note."
        ),
    )


class MergeForm(SeenVersionMixin):
    survivor = forms.CharField(
        label="Merge into case number",
        max_length=20,
        help_text="This case is closed as a duplicate; its comments and files show on that case.",
    )

    def clean_survivor(self) -> str:
        return self.cleaned_data["survivor"].strip().upper()
