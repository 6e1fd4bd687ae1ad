"""The two access forms (Claims Online Portal, Physician Info Portal) and signing them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.template.defaultfilters import filesizeformat

from portico.connect import content
from portico.core.text import names_match
from portico.core.uploads import (
    ALLOWED_DESCRIPTION,
    JPEG,
    PDF,
    PNG,
    TIFF,
    UploadField,
    check_upload,
    max_upload_bytes,
)
from portico.organizations.fields import NPIField
from portico.organizations.models import AccessRequest, Application
from portico.organizations.validators import (
    US_STATES,
    normalize_phone,
    parse_tin_list,
    validate_npi,
    validate_state,
    validate_zip,
)
from portico.support.validators import normalize_pfi, normalize_user_id

YES_NO = [("yes", "Yes"), ("no", "No")]
RT = AccessRequest.RequestType
COP_REQUEST_TYPES = [
    (str(t.value), str(t.label))
    for t in (RT.NEW, RT.UPDATE, RT.ADD_TIN, RT.DEACTIVATE, RT.REACTIVATE)
]
PIP_ROLES = [("staff", "Staff"), ("pcp", "PCP"), ("specialist", "Specialist")]
PIP_ACTIONS = [
    ("new_access", "New Access"),
    ("update_report_access", "Update Report Access"),
    ("add", "Add"),
    ("remove", "Remove Access"),
    ("update_contact", "Update Phone / Address / Email"),
]
_LOGIN_ID_RE = re.compile(r"^[A-Za-z0-9._@-]{4,50}$")
_WORD_RE = re.compile(r"[a-z]+")


def _text(
    label: str, *, required: bool = True, max_length: int = 100, **attrs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
    )


def _phone(label: str, *, required: bool = True, autocomplete: str = "tel") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=25,
        help_text="For example, (212) 555-0100.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": autocomplete}),
    )


def _email(label: str, *, autocomplete: str = "off") -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        error_messages={"invalid": "Enter an email address like name@example.org."},
        widget=forms.EmailInput(attrs={"autocomplete": autocomplete}),
    )


def _yes_no(label: str, *, initial: str | None = None) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial=initial,
        error_messages={"required": f"Answer “{label}” with Yes or No."},
    )


def is_management_title(title: str) -> bool:
    words = set(_WORD_RE.findall(title.lower()))
    return bool(words & set(content.MANAGEMENT_TITLE_WORDS))


class _AccessFormBase(forms.Form):
    """The Portico ID (read-only, from the session) and the double-submit guard."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    portico_id = forms.CharField(label="Portico ID", required=False, disabled=True)

    def __init__(self, *args: Any, user: Any, idp_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["portico_id"].label = idp_name
        self.fields["portico_id"].initial = user.get_username()
        self.fields["portico_id"].help_text = f"The {idp_name} you are signed in with."
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def to_data(self) -> dict[str, Any]:
        """The form's values as stored on the request (``data``), with the Portico ID."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "idempotency_key"}
        data["portico_id"] = self.user.get_username()
        return data

    def _clean_phone(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        return normalize_phone(value) if value else ""

    def clean_zip(self) -> str:
        value = self.cleaned_data["zip"].strip()
        validate_zip(value)
        return value


class ClaimsAccessForm(_AccessFormBase):
    """CLAIMS ONLINE PORTAL ACCESS FORM — every field of the document, required as marked."""

    request_type = forms.ChoiceField(
        label="Request type",
        choices=COP_REQUEST_TYPES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a request type."},
    )
    contact_name = _text("Contact name", autocomplete="name")
    contact_phone = _phone("Contact phone")
    practice_name = _text("Practice / Group name", max_length=200, autocomplete="organization")
    tins = forms.CharField(
        label="Billing Provider TINs",
        max_length=400,
        help_text=(
            "Enter every TIN with its dashes, separated by commas. Example: 12-3456789 or "
            "123-45-6789."
        ),
    )
    address = _text("Address", max_length=200, autocomplete="address-line1")
    suite = _text("Suite", required=False, autocomplete="address-line2")
    city = _text("City", autocomplete="address-level2")
    state = forms.ChoiceField(
        label="State",
        choices=[("", "- Select -"), *[(s, s) for s in US_STATES]],
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    zip = _text("Zip", max_length=10, autocomplete="postal-code", inputmode="numeric")
    telephone = _phone("Telephone number")
    front_office_email = _email("Front office email address")
    fax = _phone("Fax number", required=False, autocomplete="off")
    officer_first_name = _text("Authorizing Officer first name")
    officer_last_name = _text("Authorizing Officer last name")
    officer_email = _email("Authorizing Officer email address")
    officer_title = _text("Authorizing Officer title")
    user_first_name = _text("User first name", autocomplete="given-name")
    user_last_name = _text("User last name", autocomplete="family-name")
    user_email = _email("User email address", autocomplete="email")
    submit_claims = _yes_no("Allow submit claims online?")
    user_title = _text("User title", autocomplete="organization-title")
    login_user_id = _text("Login user ID", max_length=50, autocomplete="off", spellcheck="false")

    field_groups = {
        "request": ["request_type", "contact_name", "contact_phone"],
        "practice": [
            "practice_name",
            "tins",
            "address",
            "suite",
            "city",
            "state",
            "zip",
            "telephone",
            "front_office_email",
            "fax",
        ],
        "officer": ["officer_first_name", "officer_last_name", "officer_email", "officer_title"],
        "user": [
            "user_first_name",
            "user_last_name",
            "user_email",
            "submit_claims",
            "user_title",
            "login_user_id",
        ],
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The section states the rule once (content.MANAGEMENT_TITLE_RULE); the field shows
        # what a title looks like.
        self.fields[
            "officer_title"
        ].help_text = (
            "A management title, for example Office Manager, Practice Administrator or Owner."
        )
        self.fields["login_user_id"].help_text = (
            "4 to 50 letters, digits, dots, hyphens, underscores or @; your current "
            "username if you are updating an existing account."
        )
        if not self.is_bound:
            self.initial.setdefault("user_email", self.user.email)
            self.initial.setdefault("user_first_name", self.user.first_name)
            self.initial.setdefault("user_last_name", self.user.last_name)
            self.initial.setdefault("login_user_id", self.user.get_username())

    def clean_contact_phone(self) -> str:
        return self._clean_phone("contact_phone")

    def clean_telephone(self) -> str:
        return self._clean_phone("telephone")

    def clean_fax(self) -> str:
        return self._clean_phone("fax")

    def clean_tins(self) -> list[dict[str, str]]:
        return [
            {"digits": t.digits, "kind": t.kind, "display": t.display}
            for t in parse_tin_list(self.cleaned_data["tins"])
        ]

    def clean_state(self) -> str:
        value = self.cleaned_data["state"].upper()
        validate_state(value)
        return value

    def clean_officer_title(self) -> str:
        title = self.cleaned_data["officer_title"].strip()
        if not is_management_title(title):
            raise ValidationError(content.MANAGEMENT_TITLE_RULE, code="officer_title")
        return title

    def clean_login_user_id(self) -> str:
        value = self.cleaned_data["login_user_id"].strip()
        # The form fills in the user's own username, which its rules may let have symbols
        # (! $ = ? |) that older portal user IDs could not.
        if value.casefold() == self.user.get_username().casefold():
            return value
        if not _LOGIN_ID_RE.match(value):
            raise ValidationError(
                "Use 4 to 50 letters, digits, dots, hyphens, underscores or @, with no spaces.",
                code="login_user_id",
            )
        return value

    def submission(self) -> dict[str, Any]:
        """``access_request_submit``'s arguments for this valid form (page and API alike)."""
        data = self.to_data()
        return {
            "application": Application.CLAIMS,
            "request_type": data["request_type"],
            "practice_name": data["practice_name"],
            "contact_email": data["user_email"],
            "tins": [t["digits"] for t in data["tins"]],
            "data": data,
        }


def claims_form_initial(*, request_type: str = "", organization: Any = None) -> dict[str, Any]:
    """What the claims access form starts with when a practice administrator opens it for
    their practice ("Add Tax ID" on the practice pages): the request type, and the practice's
    name, address and contact details as the plan has them. An unknown type is left out."""
    initial: dict[str, Any] = {}
    if request_type in dict(COP_REQUEST_TYPES):
        initial["request_type"] = request_type
    if organization is not None:
        values = {
            "practice_name": organization.name,
            "address": organization.address_line1,
            "suite": organization.address_line2,
            "city": organization.city,
            "state": organization.state,
            "zip": organization.zip_code,
            "telephone": organization.phone,
            "fax": organization.fax,
            "front_office_email": organization.email,
        }
        initial.update({k: v for k, v in values.items() if v})
    return initial


class PipRowForm(forms.Form):
    """One physician/staff row of the Physician Info Portal access form."""

    name = _text("Physician / Staff name", required=True)
    email = _email("Email address")
    npi = NPIField(label="Physician NPI", required=False)
    existing_username = _text("Existing username", required=False, autocomplete="off")
    cap_report = _yes_no("Cap Report", initial="no")
    add_terms = _yes_no("Add/Terms (AC only)", initial="no")

    def clean_npi(self) -> str:
        value = self.cleaned_data["npi"].strip()
        if value:
            validate_npi(value)
        return value


class _PipRowFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": (
            "List at most 4 physicians or staff on one form; send another form for more."
        ),
        "too_few_forms": "List at least one physician or staff member.",
    }

    def clean(self) -> None:
        if any(self.errors):
            return
        emails = [f.cleaned_data["email"].lower() for f in self.forms if f.cleaned_data]
        if len(emails) != len(set(emails)):
            raise ValidationError("Each row needs a different email address.", code="duplicate")


PipRowFormSet = formset_factory(
    PipRowForm,
    formset=_PipRowFormSet,
    extra=3,
    min_num=1,
    max_num=4,
    absolute_max=4,
    validate_min=True,
    validate_max=True,
)


class PhysicianInfoAccessForm(_AccessFormBase):
    """PHYSICIAN INFORMATION PORTAL ACCESS FORM (the rows are ``PipRowFormSet``)."""

    physician_name = _text("Physician name", autocomplete="off")
    address = _text("Address", max_length=200, autocomplete="address-line1")
    city = _text("City", autocomplete="address-level2")
    zip = _text("Zip", max_length=10, autocomplete="postal-code", inputmode="numeric")
    telephone = _phone("Physician telephone number", autocomplete="off")
    fax = _phone("Fax number", required=False, autocomplete="off")
    practice_name = _text("Practice / Group name", max_length=200, autocomplete="organization")
    regions = forms.MultipleChoiceField(
        label="Indicate Region/Area",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one region or area."},
    )
    roles = forms.MultipleChoiceField(
        label="Request type: who is this for? (select all that apply)",
        choices=PIP_ROLES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose Staff, PCP or Specialist (one or more)."},
    )
    actions = forms.MultipleChoiceField(
        label="Request type: what is needed? (select all that apply)",
        choices=PIP_ACTIONS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one request type."},
    )
    hipaa_acknowledged = forms.BooleanField(
        label="I have read and agree to the HIPAA statement above.",
        error_messages={"required": "Agree to the HIPAA statement to continue."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = content.pip_regions()
        self.fields["regions"].choices = regions  # type: ignore[attr-defined]
        self.region_labels = dict(regions)

    def clean_telephone(self) -> str:
        return self._clean_phone("telephone")

    def clean_fax(self) -> str:
        return self._clean_phone("fax")

    def clean_roles(self) -> list[str]:
        """In the form's order, each once (the API may send them in any order)."""
        chosen = set(self.cleaned_data["roles"])
        return [value for value, _ in PIP_ROLES if value in chosen]

    def clean_actions(self) -> list[str]:
        actions = self.cleaned_data["actions"]
        if "remove" in actions and {"new_access", "add"} & set(actions):
            raise ValidationError(
                "“Remove Access” cannot be combined with “New Access” or “Add”.",
                code="actions",
            )
        return actions

    def submission(self, rows: Any) -> dict[str, Any]:
        """``access_request_submit``'s arguments for this valid form and its valid rows."""
        data = {**self.to_data(), "rows": [r.cleaned_data for r in rows.forms if r.cleaned_data]}
        return {
            "application": Application.PATIENT_INFO,
            "request_type": AccessRequest.RequestType.PIP,
            "practice_name": data["practice_name"],
            "contact_email": self.user.email,
            "data": data,
        }


class SupportAccessForm(_AccessFormBase):
    """Support access for a direct customer's user: who they are at the customer (the values
    of the "Customer log in" page) and a way to reach them. Access administrators check it
    against the customer file before approving."""

    company_name = _text("Company name", max_length=200, autocomplete="organization")
    pfi = forms.CharField(
        label="PFI",
        max_length=20,
        help_text="Your company's PFI (its tax ID), digits only; fewer than 9 digits are "
        "padded with zeros.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    user_id = forms.CharField(
        label="User ID",
        max_length=20,
        help_text="Your customer User ID: ZCS followed by 5 digits, for example ZCS01234.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = _text("First name", autocomplete="given-name")
    last_name = _text("Last name", autocomplete="family-name")
    title = _text("Job title", autocomplete="organization-title")
    phone = _phone("Phone number")
    email = _email("Email address", autocomplete="email")
    attest = forms.BooleanField(
        label="I work for this company and this User ID was issued to me.",
        error_messages={"required": "Confirm that you work for this company to continue."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("first_name", self.user.first_name)
            self.initial.setdefault("last_name", self.user.last_name)
            self.initial.setdefault("email", self.user.email)

    def clean_pfi(self) -> str:
        return normalize_pfi(self.cleaned_data["pfi"])

    def clean_user_id(self) -> str:
        return normalize_user_id(self.cleaned_data["user_id"])

    def clean_phone(self) -> str:
        return self._clean_phone("phone")

    def submission(self) -> dict[str, Any]:
        """``access_request_submit``'s arguments for this valid form."""
        data = self.to_data()
        return {
            "application": Application.SUPPORT,
            "request_type": AccessRequest.RequestType.SUPPORT,
            "practice_name": data["company_name"],
            "contact_email": data["email"],
            "tins": [data["pfi"]],
            "data": data,
        }


# ---------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------
SIGNED_FORM_KINDS = (PDF, TIFF, PNG, JPEG)


SIGNED_FORM_TYPES = "Upload the signed form as a PDF, TIFF, PNG or JPEG file."


def validate_signed_form(file: Any) -> None:
    """``check_upload``'s checks, naming the types a signed form may be (not every type an
    upload may be: plain text and X12 are no signed form)."""
    try:
        checked = check_upload(file)
    except ValidationError as exc:
        if getattr(exc, "code", None) != "type_not_allowed":
            raise
        # Why it was refused, then the types a signed form may be.
        message = exc.messages[0].replace(f"Attach a {ALLOWED_DESCRIPTION} file.", "")
        raise ValidationError(
            f"{message.strip()} {SIGNED_FORM_TYPES}".strip(), code="type_not_allowed"
        ) from None
    if checked.kind not in SIGNED_FORM_KINDS:
        raise ValidationError(SIGNED_FORM_TYPES, code="type_not_allowed")


class SignedFormField(UploadField):
    """A signed access form: checked once, by ``validate_signed_form`` (with the upload
    field's own check as well, a refused file was named twice)."""

    default_validators = [validate_signed_form]


class SignedFormUploadForm(forms.Form):
    file = SignedFormField(label="Signed access form")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = (
            "A scan or photo of the signed form: PDF, TIFF, PNG or JPEG; at most "
            f"{filesizeformat(max_upload_bytes())}."
        )
        field.widget.attrs["accept"] = ".pdf,.tif,.tiff,.png,.jpg,.jpeg"


class SignerSignatureForm(forms.Form):
    """A signature in the browser: the typed name must be the signer's as the form has it
    (case and spacing aside), with the attestation."""

    typed_name = forms.CharField(
        label="Type your full name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    attest = forms.BooleanField(
        label=content.BROWSER_SIGNATURE_ATTESTATION,
        error_messages={"required": "Confirm the statement to sign."},
    )
    name_is_on = "the form"

    def __init__(self, *args: Any, expected_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_name = " ".join(expected_name.split())

    def clean_typed_name(self) -> str:
        typed = " ".join(self.cleaned_data["typed_name"].split())
        if self.expected_name and not names_match(typed, self.expected_name):
            raise ValidationError(
                f"Type your name as it is on {self.name_is_on}: {self.expected_name}.",
                code="name_mismatch",
            )
        if len(typed) < 3:
            raise ValidationError("Type your full name.", code="name_short")
        return typed


class BrowserSignatureForm(SignerSignatureForm):
    """The signed-in requester's signature: their name as their profile has it."""

    name_is_on = "your profile"

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, expected_name=user.get_full_name(), **kwargs)
        self.user = user


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="Your answer",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
