"""Practices (organisations with TINs), providers (NPIs), memberships and application grants.

Application grants are the "SSO database" of the source document: what each user may use,
for which practice, with which scope. Connect's access requests write them when approved.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q

from portico.core.models import TimeStampedModel
from portico.core.text import names_match
from portico.organizations.validators import validate_npi


class Organization(TimeStampedModel):
    class Kind(models.TextChoices):
        PRACTICE = "practice", "Practice / group"
        FACILITY = "facility", "Facility"
        IPA = "ipa", "Independent physician association"
        DIRECT_CUSTOMER = "direct_customer", "Direct customer (submitter)"

    name = models.CharField("practice / group name", max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRACTICE)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("suite", max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField("ZIP code", max_length=10, blank=True)
    phone = models.CharField("telephone number", max_length=20, blank=True)
    fax = models.CharField("fax number", max_length=20, blank=True)
    email = models.EmailField("front office email address", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationTIN(TimeStampedModel):
    class Kind(models.TextChoices):
        EIN = "ein", "EIN"
        SSN = "ssn", "SSN"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tins")
    tin = models.CharField("Tax ID", max_length=9, db_index=True)
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.EIN)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "tin"], name="org_tin_unique"),
            models.CheckConstraint(condition=Q(tin__regex=r"^[0-9]{9}$"), name="org_tin_9_digits"),
        ]
        ordering = ["tin"]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        t = self.tin
        return f"{t[:3]}-{t[3:5]}-{t[5:]}" if self.kind == self.Kind.SSN else f"{t[:2]}-{t[2:]}"


class Provider(TimeStampedModel):
    """A rendering/billing provider identified by NPI (individual or organisation)."""

    class EntityType(models.TextChoices):
        INDIVIDUAL = "1", "Individual"
        ORGANIZATION = "2", "Organization"

    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    entity_type = models.CharField(
        max_length=1, choices=EntityType.choices, default=EntityType.INDIVIDUAL
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organization_name = models.CharField(max_length=200, blank=True)
    credential = models.CharField(max_length=20, blank=True, help_text="MD, DO, NP, PT, …")
    taxonomy_code = models.CharField(max_length=10, blank=True)
    specialty = models.CharField(max_length=100, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "organization_name"]

    def __str__(self) -> str:
        return f"{self.display_name} (NPI {self.npi})"

    @property
    def display_name(self) -> str:
        if self.entity_type == self.EntityType.ORGANIZATION:
            return self.organization_name
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name}, {self.credential}" if self.credential else name


class OrganizationProvider(TimeStampedModel):
    """A provider connected to a practice's account ("Manage Providers")."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        PENDING = "pending", "Awaiting approval"
        REMOVED = "removed", "Removed"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="provider_links"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="practice_links")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "provider"], name="org_provider_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization} ↔ {self.provider}"


class Membership(TimeStampedModel):
    """A user's place in a practice. Each person has their own login (no shared accounts)."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Practice administrator"
        STAFF = "staff", "Office staff"
        CLINICIAN = "clinician", "Physician / clinician"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    title = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class Application(models.TextChoices):
    """The applications a Portico ID can be granted (Connect routes by these)."""

    CLAIMS = "claims", "Claims Online Portal"
    PATIENT_INFO = "patientinfo", "Physician Info Portal"
    REFERRALS = "referrals", "Referrals Portal"
    PRIOR_AUTH = "priorauth", "Prior Authorization Portal"
    SUPPORT = "support", "Support Cases"


class ApplicationGrant(TimeStampedModel):
    """One user's access to one application for one practice, with its scope.

    Scope by application — claims: ``{"tins": [...], "submit_claims": bool}``;
    patientinfo: ``{"regions": [...], "roles": ["staff|pcp|specialist", ...], "cap_report": bool,
    "add_terms": bool}`` (grants written before a form could name several roles have
    ``"role": "..."``: read it with ``pip_roles``); others: ``{}``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants"
    )
    application = models.CharField(max_length=20, choices=Application.choices, db_index=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="grants", null=True, blank=True
    )
    scope = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application", "organization"],
                condition=Q(is_active=True),
                name="grant_one_active_per_app_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_application_display()} ({self.organization or 'all'})"


def pip_roles(values: dict[str, Any]) -> list[str]:
    """The Physician Info Portal roles (staff, pcp, specialist) of a PIP access request's
    ``data`` or a PIP grant's ``scope``: ``roles``, or ``[role]`` for those stored before the
    form's "select all that apply" (one role, a string). Every reader goes through here."""
    if "roles" in values:
        return [str(r) for r in values["roles"] or []]
    role = values.get("role")
    return [str(role)] if role else []


# ---------------------------------------------------------------------------
# Access requests: the enrolment ("access") forms of the Claims Online Portal and the
# Physician Info Portal. Connect renders the forms; approval writes ApplicationGrants.
# ---------------------------------------------------------------------------
class Signer(NamedTuple):
    """A signature line of an access form."""

    role: str
    name: str
    email: str


def _full_name(first: Any, last: Any) -> str:
    return " ".join(str(part).strip() for part in (first, last) if part and str(part).strip())


class AccessRequest(TimeStampedModel):
    """One submitted access form, its signature and the access administrator's decision.

    The form's values live in ``data`` (JSON, normalised by the form) because the two forms
    share almost nothing; the columns hold what the staff queue filters and searches on.
    ``idempotency_key`` comes from a hidden field of the form, so a double click or the Back
    button cannot create a second request.
    """

    class Status(models.TextChoices):
        AWAITING_SIGNATURE = "awaiting_signature", "Awaiting signature"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        MORE_INFO = "more_info", "More information needed"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    class RequestType(models.TextChoices):
        # Claims Online Portal
        NEW = "new", "New Request"
        UPDATE = "update", "Update Existing Account"
        ADD_TIN = "add_tin", "Add Tax ID"
        DEACTIVATE = "deactivate", "Deactivate Account"
        REACTIVATE = "reactivate", "Reactivate Account"
        # Physician Info Portal (its own "select all that apply" actions live in data)
        PIP = "pip", "Physician Info Portal access"
        # Support (direct customers): access to a customer's support cases
        SUPPORT = "support", "Support access (direct customer)"

    class SignatureMethod(models.TextChoices):
        UPLOAD = "upload", "Signed form uploaded"
        BROWSER = "browser", "Signed in the browser"
        FAX = "fax", "Faxed form attached by staff"

    reference = models.CharField(max_length=12, unique=True)
    application = models.CharField(max_length=20, choices=Application.choices, db_index=True)
    request_type = models.CharField(max_length=12, choices=RequestType.choices)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_SIGNATURE, db_index=True
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests"
    )
    idempotency_key = models.UUIDField(unique=True)
    practice_name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    tins = models.CharField(
        max_length=400, blank=True, help_text="Normalised 9-digit TINs, space-separated (search)."
    )
    data = models.JSONField(default=dict)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_requests",
        help_text="The practice the approval granted access for.",
    )
    # Signature: one of three ways (upload, browser, staff-attached fax).
    signature_method = models.CharField(max_length=10, choices=SignatureMethod.choices, blank=True)
    signed_form_key = models.CharField(
        max_length=255, blank=True, help_text="Key of the signed form in the private storage."
    )
    signed_form_name = models.CharField(max_length=120, blank=True)
    signed_form_content_type = models.CharField(max_length=100, blank=True)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    # Review.
    staff_message = models.TextField(
        blank=True, help_text="Reason for a denial or the information asked for."
    )
    requester_reply = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_application_display()} ({self.get_status_display()})"

    @property
    def is_signed(self) -> bool:
        return bool(self.signature_method)

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.APPROVED, self.Status.DENIED}

    def signers(self) -> list[Signer]:
        """Everyone whose signature the printed form asks for, in the form's order: the
        Authorizing Officer and the User (claims), the physician and each listed physician
        or staff member (Physician Info), the user (Support)."""
        data = self.data or {}
        if self.application == Application.CLAIMS:
            return [
                Signer(
                    "Authorizing Officer",
                    _full_name(data.get("officer_first_name"), data.get("officer_last_name")),
                    data.get("officer_email", ""),
                ),
                Signer(
                    "User",
                    _full_name(data.get("user_first_name"), data.get("user_last_name")),
                    data.get("user_email", ""),
                ),
            ]
        if self.application == Application.SUPPORT:
            name = _full_name(data.get("first_name"), data.get("last_name"))
            return [Signer("User", name, data.get("email", ""))]
        return [
            Signer("Physician", str(data.get("physician_name", "")), ""),
            *(
                Signer("Physician / staff", str(row.get("name", "")), row.get("email", ""))
                for row in data.get("rows", [])
            ),
        ]

    def is_requesters_line(self, signer: Signer) -> bool:
        """Whether a signature line is the requester's own: its email is the requester's (a
        line without an email, the physician of a Physician Info form, by the name)."""
        user = self.requester
        if signer.email:
            return signer.email.casefold() == (user.email or "").casefold()
        return names_match(user.get_full_name(), signer.name)

    def signed_by_requester_alone(self) -> bool:
        """Whether the requester is everyone the form must be signed by, so that their own
        signature in the browser is enough: each signer's email is the requester's (the
        physician of a Physician Info form has none on it, so their name must be the
        requester's). Otherwise the printed form goes round for the others' signatures, or
        is signed electronically by each of them (``AccessRequestSignature``). The Support
        form is always the requester's own (its attestation is theirs)."""
        if self.application == Application.SUPPORT:
            return True
        return all(self.is_requesters_line(signer) for signer in self.signers())


class AccessRequestSignature(TimeStampedModel):
    """One signature line of an access form signed electronically ("Sign in the browser and
    ask the others by email"). The requester's own lines are signed when the signatures are
    started; each other signer gets a one-time link whose token is stored only as its
    SHA-256 hash. When every line is signed the request moves by the "sign" transition."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="signatures"
    )
    position = models.PositiveSmallIntegerField(help_text="The line's order on the form.")
    role = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["access_request", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_request", "position"], name="access_signature_line_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.access_request.reference} {self.role}: {self.name}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


# ---------------------------------------------------------------------------
# Legacy usernames of the previous portal, linked once to a Portico ID.
# ---------------------------------------------------------------------------
class LegacyAccount(TimeStampedModel):
    """A user of the previous portal, loaded by ``portico import-legacy-users``.

    ``applications`` and ``scope`` describe the access the old account had; when the owner
    proves the account (its password, or a code sent to ``email``) the access becomes
    ApplicationGrants of their Portico ID and ``linked_user`` is set for good: the legacy
    username can never be linked again, nor used to sign in.
    """

    username = models.CharField("legacy username", max_length=150, unique=True)
    email = models.EmailField(db_index=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    practice_tin = models.CharField(max_length=9, blank=True)
    practice_name = models.CharField(max_length=200, blank=True)
    applications = models.JSONField(default=list)
    scope = models.JSONField(default=dict, blank=True)
    password_hash = models.CharField(max_length=256, blank=True)
    failed_password_attempts = models.PositiveSmallIntegerField(default=0)
    linked_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legacy_accounts",
    )
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def is_linked(self) -> bool:
        return self.linked_at is not None


class LegacyLinkChallenge(TimeStampedModel):
    """A 6-digit code sent to a legacy account's email on file (stored hashed)."""

    legacy_account = models.ForeignKey(
        LegacyAccount, on_delete=models.CASCADE, related_name="challenges"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


# ---------------------------------------------------------------------------
# Practice self-service: invitations sent by a practice administrator.
# ---------------------------------------------------------------------------
class PracticeInvitation(TimeStampedModel):
    """An invitation to join a practice; the link carries a token whose hash is stored."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.STAFF
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Grants that take effect when the invitation is accepted: [{"application", "scope"}].
    # Set when an approved access request names a person who has no Portico ID yet.
    grants = models.JSONField(default=list, blank=True)
    access_request = models.ForeignKey(
        "AccessRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"
