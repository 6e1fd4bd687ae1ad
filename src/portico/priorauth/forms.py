"""HTML forms of the prior-authorization portal: input parsing only.

The rules (eligibility, connected providers, codes, units, dates, attestation) live in
``services.requests.validate_request`` and come back as field errors keyed by these names.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import formset_factory

from portico.core.forms_required import RequiredToSubmitMixin
from portico.core.idempotency import IdempotentFormMixin
from portico.core.uploads import MultipleUploadField, UploadField
from portico.organizations.fields import NPIField
from portico.priorauth.models import YES_NO, LineDecision, ServiceCategory, Urgency, state_choices
from portico.priorauth.selectors import categories, plans_for_priorauth
from portico.priorauth.services import LineInput, RequestInput

DATE = forms.DateInput(attrs={"type": "date"})


class StartForm(forms.Form):
    """Step 1: which plan and which kind of service (decides the clinical questions)."""

    plan = forms.ModelChoiceField(
        queryset=plans_for_priorauth(), label="Health plan", empty_label="Choose the member's plan"
    )
    category = forms.ModelChoiceField(
        queryset=categories(),
        to_field_name="code",
        label="Service category",
        empty_label="Choose a service category",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans_for_priorauth()  # type: ignore[attr-defined]
        self.fields["category"].queryset = categories()  # type: ignore[attr-defined]


class RequiredCheckForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=plans_for_priorauth(), label="Health plan", empty_label="Choose a plan"
    )
    code = forms.CharField(
        label="Procedure code (CPT or HCPCS)",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans_for_priorauth()  # type: ignore[attr-defined]


class LineForm(RequiredToSubmitMixin):
    code = forms.CharField(label="Procedure code (CPT/HCPCS)", required=False, max_length=10)
    modifier = forms.CharField(label="Modifier", required=False, max_length=2)
    # The same bounds and words as validate_request (before: "greater than or equal to 0" for
    # -5, then "1 or more" for 0; "less than or equal to 9999", then "at most 999").
    units = forms.IntegerField(
        label="Units",
        required=False,
        min_value=1,
        max_value=999,
        error_messages={
            "min_value": "Enter the number of units (1 or more).",
            "max_value": "Enter at most 999 units.",
        },
    )
    start_date = forms.DateField(label="From", required=False, widget=DATE)
    end_date = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args: Any, first: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first = first
        self._mark_required()

    def required_to_submit(self) -> list[str]:
        # A request needs at least one code with its units (the dates default to the date
        # of service); the other lines may stay empty.
        return ["code", "units"] if self.first else []

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in ("code", "units", "start_date", "end_date"))


class BaseLineFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "first": index == 0}


LineFormSet = formset_factory(
    LineForm, formset=BaseLineFormSet, extra=0, min_num=3, max_num=20, validate_max=True
)

_SPLIT = re.compile(r"[\s,;]+")


class RequestForm(RequiredToSubmitMixin, IdempotentFormMixin):
    # What validate_request refuses a submission without (the category's required questions
    # are added per category). Expedited requests also need the attestation and the reason.
    REQUIRED_TO_SUBMIT = (
        "plan",
        "member_id",
        "member_birth_date",
        "service_date",
        "requesting_provider",
        "diagnoses",
        "urgency",
    )

    plan = forms.ModelChoiceField(
        queryset=plans_for_priorauth(),
        label="Health plan",
        required=False,
        empty_label="Choose the member's plan",
    )
    service_category = forms.ModelChoiceField(
        queryset=categories(),
        to_field_name="code",
        label="Service category",
        required=False,
        empty_label="Choose a service category",
    )
    member_id = forms.CharField(
        label="Member ID",
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    member_birth_date = forms.DateField(label="Member's date of birth", required=False, widget=DATE)
    service_date = forms.DateField(
        label="Date of service",
        required=False,
        widget=DATE,
        help_text="Eligibility is checked on this date.",
    )
    requesting_provider = forms.ChoiceField(label="Requesting provider", required=False)
    servicing_provider = forms.ChoiceField(label="Servicing provider", required=False)
    facility_name = forms.CharField(label="Facility name", max_length=200, required=False)
    facility_npi = NPIField(label="Facility NPI", required=False)
    diagnoses = forms.CharField(
        label="Diagnosis codes (ICD-10-CM)",
        required=False,
        max_length=200,
        help_text="Up to 12 codes separated by commas or spaces, for example M54.50, M48.061.",
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.STANDARD,
        required=False,
    )
    expedited_attestation = forms.BooleanField(
        required=False,
        label="I attest that applying the standard review time frame could seriously jeopardize "
        "the member's life or health or ability to regain maximum function.",
        help_text="Required for an expedited/urgent request.",
    )
    expedited_reason = forms.CharField(
        label="Why is this request expedited/urgent?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text="Required for an expedited/urgent request.",
    )
    clinical_notes = forms.CharField(
        label="Other clinical information",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    attachments = MultipleUploadField(label="Clinical attachments", required=False)
    confirm_duplicate = forms.BooleanField(
        required=False,
        label="I checked the open request(s) above; this is a different request. Submit anyway.",
    )

    def __init__(
        self, *args: Any, providers: list[Any], category: ServiceCategory | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans_for_priorauth()  # type: ignore[attr-defined]
        self.fields["service_category"].queryset = categories()  # type: ignore[attr-defined]
        choices = [(p.npi, f"{p.display_name} (NPI {p.npi})") for p in providers]
        for name, empty in (
            ("requesting_provider", "Choose a connected provider"),
            ("servicing_provider", "Same as requesting / not known"),
        ):
            choice_field = self.fields[name]
            if isinstance(choice_field, forms.ChoiceField):
                choice_field.choices = [("", empty), *choices]
        self.category = category
        self.question_fields: list[str] = []
        self.required_questions: list[str] = []
        for question in category.questions if category else []:
            name = f"q_{question['key']}"
            label = question["text"]
            required = bool(question.get("required"))
            if question.get("kind") == "yesno":
                field: forms.Field = forms.ChoiceField(
                    label=label,
                    required=False,
                    widget=forms.RadioSelect,
                    choices=YES_NO,
                )
            elif question.get("kind") == "number":
                field = forms.CharField(
                    label=label,
                    required=False,
                    max_length=6,
                    widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                )
            else:
                field = forms.CharField(
                    label=label,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            self.fields[name] = field
            self.question_fields.append(name)
            if required:
                self.required_questions.append(name)
        self._mark_required()

    def required_to_submit(self) -> list[str]:
        return [
            *(name for name in self.REQUIRED_TO_SUBMIT if name in self.fields),
            *self.required_questions,
        ]

    def questions(self) -> list[forms.BoundField]:
        return [self[name] for name in self.question_fields]

    def to_input(self, lines: list[LineForm]) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            plan=data.get("plan"),
            member_id=data.get("member_id", ""),
            member_birth_date=data.get("member_birth_date"),
            requesting_provider_npi=data.get("requesting_provider", ""),
            servicing_provider_npi=data.get("servicing_provider", ""),
            facility_name=data.get("facility_name", ""),
            facility_npi=data.get("facility_npi", ""),
            service_category=data.get("service_category") or self.category,
            service_date=data.get("service_date"),
            diagnoses=[c for c in _SPLIT.split(data.get("diagnoses", "")) if c],
            urgency=data.get("urgency") or Urgency.STANDARD,
            expedited_attestation=bool(data.get("expedited_attestation")),
            expedited_reason=data.get("expedited_reason", ""),
            clinical_answers={name[2:]: str(data.get(name) or "") for name in self.question_fields},
            clinical_notes=data.get("clinical_notes", ""),
            lines=[
                LineInput(
                    code=ln.cleaned_data.get("code", ""),
                    units=ln.cleaned_data.get("units"),
                    start_date=ln.cleaned_data.get("start_date"),
                    end_date=ln.cleaned_data.get("end_date"),
                    modifier=ln.cleaned_data.get("modifier", ""),
                )
                for ln in lines
                if not ln.is_blank()
            ],
        )


def apply_errors(form: RequestForm, formset: Any, errors: dict[str, list[str]]) -> None:
    """Put service field errors on the form's fields (lines-<i>-<field> on the formset)."""
    for key, messages in errors.items():
        match = re.fullmatch(r"lines-(\d+)-(\w+)", key)
        if match:
            index, name = int(match.group(1)), match.group(2)
            forms_with_data = [f for f in formset.forms if not f.is_blank()]
            if index < len(forms_with_data):
                for message in messages:
                    forms_with_data[index].add_error(name, message)
                continue
        target = key if key in form.fields else None
        for message in messages:
            form.add_error(target, message)


class RespondForm(forms.Form):
    answer = forms.CharField(
        label="Your answer to the reviewer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    attachments = MultipleUploadField(label="Attach the requested records", required=False)


class AttachForm(forms.Form):
    attachments = MultipleUploadField(label="Add clinical attachments", required=True)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Reference, member ID, last name or code", required=False, max_length=40
    )
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *state_choices()]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------
class VersionForm(forms.Form):
    """A reviewer's action form: the version it showed (optimistic locking).

    The review page shows several of these forms, each with a ``version`` field (and pend
    and withdrawal each with a ``reason``): each class's element ids start with its own
    ``id_prefix`` (``id_pend_reason``), so that no two elements share an id and every label
    names its own field. The field names, and so what the forms post, stay the same.
    """

    id_prefix = "actions"
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class SendBackForm(VersionForm):
    id_prefix = "send_back"
    message = forms.CharField(
        label="What information is needed?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class PendForm(VersionForm):
    id_prefix = "pend"
    reason = forms.CharField(
        label="Reason for pending", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class WithdrawForm(VersionForm):
    id_prefix = "withdraw"
    reason = forms.CharField(
        label="Reason for administrative withdrawal",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class AssignForm(VersionForm):
    id_prefix = "assign"
    assignee = forms.ChoiceField(label="Assign to", required=False)


class DecisionLineForm(forms.Form):
    line_no = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Decision",
        required=False,
        widget=forms.RadioSelect,
        choices=[(LineDecision.APPROVED, "Approve"), (LineDecision.DENIED, "Deny")],
    )
    approved_units = forms.IntegerField(label="Approved units", required=False, min_value=1)
    approved_start = forms.DateField(label="Approved from", required=False, widget=DATE)
    approved_end = forms.DateField(label="Approved to", required=False, widget=DATE)
    deny_reason = forms.CharField(
        label="Denial reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    criteria = forms.CharField(label="Criteria cited", required=False, max_length=200)


DecisionFormSet = formset_factory(DecisionLineForm, extra=0)


class DecideForm(VersionForm):
    id_prefix = "decide"
    note = forms.CharField(
        label="Note for the letter (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class FaxIntakeForm(RequestForm):
    """Staff key a faxed request into the same queue; the fax itself is attached."""

    fax = UploadField(label="Faxed request (PDF or TIFF)")
    requesting_provider = forms.CharField(  # type: ignore[assignment]
        label="Requesting provider NPI", max_length=10, required=False
    )
    servicing_provider = forms.CharField(  # type: ignore[assignment]
        label="Servicing provider NPI", max_length=10, required=False
    )
    field_order = ["fax"]

    def __init__(self, *args: Any, category: ServiceCategory | None, **kwargs: Any) -> None:
        super().__init__(*args, providers=[], category=category, **kwargs)
        del self.fields["confirm_duplicate"]
