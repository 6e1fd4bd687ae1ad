"""Forms of the Claims Online Portal (validation and conversion only; rules live in services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.template.defaultfilters import filesizeformat

from portico.claims.models import (
    AppealReason,
    AppealStatus,
    ClaimAttachment,
    ClaimFrequency,
    ClaimKind,
    ClaimStatus,
    UnitType,
)
from portico.claims.services.validation import (
    MAX_DIAGNOSES,
    ClaimData,
    DiagnosisData,
    Errors,
    LineData,
)
from portico.core.forms_required import RequiredToSubmitMixin
from portico.core.idempotency import IdempotentFormMixin
from portico.core.text import as_int, tin_display
from portico.core.uploads import ALLOWED_DESCRIPTION, UploadField, max_upload_bytes
from portico.organizations.fields import NPIField

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"min": "0", "step": "0.01", "inputmode": "decimal"}


class ClaimForm(IdempotentFormMixin, RequiredToSubmitMixin):
    """The claim header (CMS-1500 / UB-04 boxes); diagnoses are dx_1..dx_12.

    The form also saves drafts, so the fields a submission needs (``services.validation``,
    ``for_submit``) are marked with the "*" but checked by the service, not refused here.
    """

    kind = forms.ChoiceField(choices=ClaimKind.choices, widget=forms.HiddenInput)
    frequency = forms.ChoiceField(
        label="Claim frequency", choices=ClaimFrequency.choices, initial=ClaimFrequency.ORIGINAL
    )
    original_claim_number = forms.CharField(
        label="Original claim number",
        required=False,
        max_length=20,
        help_text="For a replacement or void: the claim number of the claim it corrects.",
    )
    billing_tin = forms.ChoiceField(label="Billing Tax ID")
    billing_npi = NPIField(label="Billing provider NPI", required=False)
    billing_name = forms.CharField(label="Billing provider name", max_length=200, required=False)
    rendering_npi = NPIField(label="Rendering provider NPI", required=False)
    rendering_name = forms.CharField(
        label="Rendering provider name", max_length=200, required=False
    )
    referring_npi = NPIField(label="Referring provider NPI", required=False)
    referring_name = forms.CharField(
        label="Referring provider name", max_length=200, required=False
    )
    attending_npi = NPIField(label="Attending provider NPI", required=False)
    attending_name = forms.CharField(
        label="Attending provider name", max_length=200, required=False
    )
    facility_npi = NPIField(label="Service facility NPI", required=False)
    facility_name = forms.CharField(label="Service facility name", max_length=200, required=False)
    payer_id = forms.ChoiceField(label="Payer")
    member_id = forms.CharField(label="Member ID", max_length=30, required=False)
    patient_first_name = forms.CharField(label="Patient first name", max_length=100, required=False)
    patient_last_name = forms.CharField(label="Patient last name", max_length=100, required=False)
    patient_dob = forms.DateField(label="Patient date of birth", required=False, widget=DATE)
    patient_account_number = forms.CharField(
        label="Patient account number", max_length=38, required=False
    )
    place_of_service = forms.CharField(
        label="Place of service", max_length=2, required=False, help_text="2 digits, e.g. 11."
    )
    type_of_bill = forms.CharField(
        label="Type of bill", max_length=4, required=False, help_text="e.g. 0131."
    )
    admission_date = forms.DateField(label="Admission date", required=False, widget=DATE)
    admission_type = forms.CharField(label="Admission type", max_length=1, required=False)
    admission_source = forms.CharField(label="Admission source", max_length=1, required=False)
    patient_status = forms.CharField(label="Patient discharge status", max_length=2, required=False)
    discharge_date = forms.DateField(label="Discharge date", required=False, widget=DATE)
    service_date_from = forms.DateField(label="Date of service from", required=False, widget=DATE)
    service_date_to = forms.DateField(label="Date of service to", required=False, widget=DATE)
    total_charge = forms.DecimalField(
        label="Total charge ($)",
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text="The sum of the line charges. Left empty, it is added up for you.",
        # claims/claim_form.js keeps it equal to the lines' sum until the user types another.
        widget=forms.NumberInput(attrs={**MONEY, "data-claim-total": True}),
    )
    prior_auth_number = forms.CharField(
        label="Prior authorization number", max_length=50, required=False
    )
    referral_number = forms.CharField(label="Referral number", max_length=50, required=False)
    note = forms.CharField(label="Claim note", max_length=80, required=False)

    def __init__(self, *args: Any, tins: list[str], payers: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["billing_tin"]).choices = [
            (t, tin_display(t)) for t in sorted(tins)
        ]
        cast(forms.ChoiceField, self.fields["payer_id"]).choices = [("", "Choose a payer"), *payers]
        if len(payers) == 1:  # the usual case: the only plan the office bills is chosen for it
            self.fields["payer_id"].initial = payers[0][0]
        for i in range(1, MAX_DIAGNOSES + 1):
            self.fields[f"dx_{i}"] = forms.CharField(
                label=f"Diagnosis {i}" + (" (principal)" if i == 1 else ""),
                max_length=8,
                required=False,
            )
        self._mark_required()

    def required_to_submit(self) -> list[str]:
        """What ``validate_claim(for_submit=True)`` asks for whatever else is entered (the
        Tax ID, payer and frequency are required by the form itself)."""
        names = [
            "billing_npi",
            "billing_name",
            "member_id",
            "patient_account_number",
            "service_date_from",
            "dx_1",
        ]
        if self.is_institutional:
            return [*names, "attending_npi", "type_of_bill"]
        return [*names, "place_of_service"]

    @property
    def dx_fields(self) -> list[forms.BoundField]:
        return [self[f"dx_{i}"] for i in range(1, MAX_DIAGNOSES + 1)]

    @property
    def is_institutional(self) -> bool:
        return (self.data.get("kind") or self.initial.get("kind")) == ClaimKind.INSTITUTIONAL


class LineForm(RequiredToSubmitMixin):
    """One service line. On the first line, what a submission needs is marked with the "*"
    (a claim needs at least one line; the others may stay empty)."""

    service_date = forms.DateField(label="From", required=False, widget=DATE)
    service_date_to = forms.DateField(label="To", required=False, widget=DATE)
    revenue_code = forms.CharField(label="Revenue code", max_length=4, required=False)
    procedure_code = forms.CharField(label="CPT/HCPCS", max_length=5, required=False)
    modifiers = forms.CharField(
        label="Modifiers", max_length=11, required=False, help_text="Up to 4, e.g. 25 LT."
    )
    diagnosis_pointers = forms.CharField(
        label="Diagnosis pointers", max_length=11, required=False, help_text="e.g. 1,2."
    )
    units = forms.DecimalField(
        label="Units", required=False, max_digits=9, decimal_places=3, min_value=Decimal("0")
    )
    unit_type = forms.ChoiceField(label="Unit type", choices=UnitType.choices, required=False)
    charge = forms.DecimalField(
        label="Charge ($)",
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={**MONEY, "data-line-charge": True}),
    )
    place_of_service = forms.CharField(label="POS", max_length=2, required=False)
    ndc = forms.CharField(label="NDC", max_length=13, required=False)
    rendering_npi = NPIField(label="Rendering NPI", required=False)

    def __init__(
        self, *args: Any, first: bool = False, kind: str = ClaimKind.PROFESSIONAL, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first = first
        self.kind = kind
        self._mark_required()

    def required_to_submit(self) -> list[str]:
        if not self.first:
            return []
        if self.kind == ClaimKind.INSTITUTIONAL:
            return ["revenue_code", "charge"]
        return ["procedure_code", "diagnosis_pointers", "charge"]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        keys = ("procedure_code", "revenue_code", "charge", "service_date")
        return not any(data.get(k) not in (None, "") for k in keys)


class BaseLineFormSet(forms.BaseFormSet):
    """Tells each line whether it is the first (pass ``form_kwargs={"kind": ...}``)."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "first": index == 0}


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=0, max_num=50, validate_max=True
)


def line_charges_total(lines: list[LineData]) -> Decimal | None:
    """The lines' sum, when every line has its charge (None otherwise)."""
    charges = [ln.charge for ln in lines]
    if not charges or any(c is None for c in charges):
        return None
    return sum((c for c in charges if c is not None), Decimal(0))


def _pointers(value: str) -> list[int]:
    out = []
    for part in value.replace(" ", ",").split(","):
        part = part.strip()
        if (number := as_int(part, max_digits=2)) is not None:
            out.append(number)
        elif part and len(part) == 1 and part.isalpha():
            out.append(ord(part.upper()) - 64)  # CMS-1500 box 24E letters A-L
    return out


def claim_data_from_forms(form: ClaimForm, lines: Any) -> ClaimData:
    """Build the service input from cleaned forms (blank line rows are skipped)."""
    c = form.cleaned_data
    values: dict[str, Any] = {
        k: (c.get(k) if c.get(k) is not None else "")
        for k in (
            "kind",
            "frequency",
            "original_claim_number",
            "billing_tin",
            "billing_npi",
            "billing_name",
            "rendering_npi",
            "rendering_name",
            "referring_npi",
            "referring_name",
            "attending_npi",
            "attending_name",
            "facility_npi",
            "facility_name",
            "payer_id",
            "member_id",
            "patient_first_name",
            "patient_last_name",
            "patient_account_number",
            "place_of_service",
            "type_of_bill",
            "admission_type",
            "admission_source",
            "patient_status",
            "prior_auth_number",
            "referral_number",
            "note",
        )
    }
    data = ClaimData(**values)
    for k in (
        "patient_dob",
        "admission_date",
        "discharge_date",
        "service_date_from",
        "service_date_to",
        "total_charge",
    ):
        setattr(data, k, c.get(k))
    data.diagnoses = [
        DiagnosisData(code=c.get(f"dx_{i}", "") or "", qualifier="principal" if i == 1 else "other")
        for i in range(1, MAX_DIAGNOSES + 1)
        if c.get(f"dx_{i}")
    ]
    for lf in lines.forms:
        if not hasattr(lf, "cleaned_data") or lf.is_blank():
            continue
        lc = lf.cleaned_data
        data.lines.append(
            LineData(
                procedure_code=lc.get("procedure_code") or "",
                modifiers=(lc.get("modifiers") or "").replace(",", " ").split()[:5],
                revenue_code=lc.get("revenue_code") or "",
                diagnosis_pointers=_pointers(lc.get("diagnosis_pointers") or ""),
                units=lc.get("units") if lc.get("units") is not None else Decimal("1"),
                unit_type=lc.get("unit_type") or "UN",
                charge=lc.get("charge"),
                service_date=lc.get("service_date"),
                service_date_to=lc.get("service_date_to"),
                place_of_service=lc.get("place_of_service") or "",
                ndc=lc.get("ndc") or "",
                rendering_npi=lc.get("rendering_npi") or "",
            )
        )
    if data.total_charge is None:
        # Left empty, the total is the lines' sum (claim_form.js shows it as the user types),
        # so a blank total is never saved as $0.00 and then refused as not adding up.
        data.total_charge = line_charges_total(data.lines)
    return data


def initial_from_data(data: ClaimData) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {k: v for k, v in vars(data).items() if k not in ("diagnoses", "lines")}
    header["member_id"] = data.member_id
    for i, d in enumerate(data.diagnoses, start=1):
        header[f"dx_{i}"] = d.code
    lines = [
        {
            "service_date": ln.service_date,
            "service_date_to": ln.service_date_to,
            "revenue_code": ln.revenue_code,
            "procedure_code": ln.procedure_code,
            "modifiers": " ".join(ln.modifiers),
            "diagnosis_pointers": ",".join(str(p) for p in ln.diagnosis_pointers),
            "units": ln.units,
            "unit_type": ln.unit_type,
            "charge": ln.charge,
            "place_of_service": ln.place_of_service,
            "ndc": ln.ndc,
            "rendering_npi": ln.rendering_npi,
        }
        for ln in data.lines
    ]
    return header, lines


def submission_errors(form: ClaimForm, errors: Errors) -> Errors:
    """The edits' messages as the form shows them. A total left empty is the lines' sum
    (``claim_data_from_forms``); while a line still lacks its charge there is no sum, and the
    line's own "Enter the line charge." says what to do, so no "Enter the total charge." is
    added for a field the user was told may stay empty."""
    if form.cleaned_data.get("total_charge") is None:
        return {k: v for k, v in errors.items() if k != "total_charge"}
    return errors


def apply_errors(form: ClaimForm, lines: Any, errors: Errors) -> None:
    """Put service error messages on the matching form fields (rest: non-field errors)."""
    dx_index = 0
    dx_map: dict[int, int] = {}
    for i in range(1, MAX_DIAGNOSES + 1):
        if form.cleaned_data.get(f"dx_{i}"):
            dx_map[dx_index] = i
            dx_index += 1
    line_forms = [lf for lf in lines.forms if hasattr(lf, "cleaned_data") and not lf.is_blank()]
    for key, messages in errors.items():
        parts = key.split(".")
        target: tuple[Any, str | None]
        if parts[0] == "diagnoses" and len(parts) == 3 and int(parts[1]) in dx_map:
            target = (form, f"dx_{dx_map[int(parts[1])]}")
        elif parts[0] == "lines" and len(parts) == 3 and int(parts[1]) < len(line_forms):
            field = parts[2] if parts[2] in LineForm.base_fields else None
            if parts[2].startswith("modifier"):
                field = "modifiers"
            target = (line_forms[int(parts[1])], field)
        elif parts[0] in form.fields:
            target = (form, parts[0])
        else:
            target = (form, None)
        for message in messages:
            owner, field = target
            if field is None and owner is not form:
                form.add_error(None, f"Line {int(parts[1]) + 1}: {message}")
            elif field is None:
                form.add_error(None, message)
            else:
                owner.add_error(field, message)


def error_list(errors: Errors, form: ClaimForm) -> list[tuple[str, str]]:
    """(label, message) pairs for the as-you-type check panel."""
    out: list[tuple[str, str]] = []
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2:
            label = f"Line {int(parts[1]) + 1}" + (
                f" {LineForm.base_fields[parts[2]].label}"
                if len(parts) == 3 and parts[2] in LineForm.base_fields
                else ""
            )
        elif parts[0] == "diagnoses" and len(parts) >= 2:
            label = f"Diagnosis {int(parts[1]) + 1}"
        elif parts[0] in form.fields:
            label = str(form.fields[parts[0]].label)
        else:
            label = "Claim"
        out.extend((label, m) for m in messages)
    return out


# ---------------------------------------------------------------------------
# Search, files, attachments, appeals
# ---------------------------------------------------------------------------
class ClaimSearchForm(forms.Form):
    number = forms.CharField(label="Claim number", required=False, max_length=20)
    patient_account_number = forms.CharField(
        label="Patient account number", required=False, max_length=38
    )
    member_id = forms.CharField(label="Member ID", required=False, max_length=30)
    patient_name = forms.CharField(
        label="Patient name", required=False, max_length=100, help_text="Last name, or first last."
    )
    dos_from = forms.DateField(label="Date of service from", required=False, widget=DATE)
    dos_to = forms.DateField(label="Date of service to", required=False, widget=DATE)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ClaimStatus.choices]
    )
    billed_min = forms.DecimalField(label="Billed at least ($)", required=False, min_value=0)
    billed_max = forms.DecimalField(label="Billed at most ($)", required=False, min_value=0)
    tin = forms.ChoiceField(label="Tax ID", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("", "Newest first (by date of service when you search by it)"),
            ("-submitted", "Newest submitted first"),
            ("submitted", "Oldest submitted first"),
            ("-dos", "Newest date of service first"),
            ("dos", "Oldest date of service first"),
            ("-charge", "Highest billed first"),
            ("charge", "Lowest billed first"),
            ("number", "Claim number"),
        ],
    )

    def __init__(self, *args: Any, tins: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["tin"]).choices = [("", "All my Tax IDs")] + [
            (t, tin_display(t)) for t in sorted(tins)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        a, b = data.get("dos_from"), data.get("dos_to")
        if a and b and b < a:
            self.add_error("dos_to", "The end date is before the start date.")
        lo, hi = data.get("billed_min"), data.get("billed_max")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("billed_max", "The maximum is less than the minimum.")
        return data


class ClaimFileForm(forms.Form):
    file = forms.FileField(
        label="837 file",
        help_text="An X12 837P (005010X222A1) or 837I (005010X223A2/A3) file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".837,.edi,.x12,.txt,.dat"}),
    )


class AttachmentForm(forms.Form):
    report_type = forms.ChoiceField(
        label="Report type (PWK01)",
        choices=[("", "Choose a report type"), *ClaimAttachment.ReportType.choices],
    )
    control_number = forms.CharField(
        label="Attachment control number (PWK06)",
        max_length=50,
        required=False,
        help_text="The control number sent in the claim's PWK segment, if any.",
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    file = UploadField(label="File")


class UnsolicitedAttachmentForm(AttachmentForm):
    control_number = forms.CharField(
        label="Attachment control number (PWK06)",
        max_length=50,
        help_text="We attach the file to the claim whose PWK segment names this number — now, "
        "or when the claim arrives.",
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def appeal_files_help(max_files: int) -> str:
    return (
        f"Up to {max_files} files: {ALLOWED_DESCRIPTION}; each at most "
        f"{filesizeformat(max_upload_bytes())}."
    )


class AppealForm(forms.Form):
    line = forms.TypedChoiceField(label="Appeal", coerce=int, required=False, empty_value=None)
    reason = forms.ChoiceField(
        label="Reason", choices=[("", "Choose a reason"), *AppealReason.choices]
    )
    amount_disputed = forms.DecimalField(
        label="Amount in dispute ($)", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    explanation = forms.CharField(
        label="Explanation",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why the decision should change (at most 4,000 characters).",
    )
    documents = MultipleFileField(label="Supporting documents", required=False)

    def __init__(self, *args: Any, lines: list[tuple[int, str]], max_files: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["line"]).choices = [("", "The whole claim"), *lines]
        self.fields["documents"].help_text = appeal_files_help(max_files)


class AppealFilesForm(forms.Form):
    documents = MultipleFileField(label="Add documents")


class AppealSearchForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            ("open", "Open (received or in review)"),
            *AppealStatus.choices,
        ],
    )
    reason = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "Any reason"), *AppealReason.choices]
    )
    claim_number = forms.CharField(label="Claim number", required=False, max_length=20)
    filed_from = forms.DateField(label="Filed from", required=False, widget=DATE)
    filed_to = forms.DateField(label="Filed to", required=False, widget=DATE)


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label="Reason for withdrawing (optional)", max_length=500, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
