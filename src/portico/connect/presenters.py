"""How an access request's values read on screen and on paper (one source for both)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from portico.connect import content
from portico.connect.forms.access import COP_REQUEST_TYPES, PIP_ACTIONS, PIP_ROLES
from portico.core.models import AuditEvent
from portico.core.text import tin_display
from portico.organizations.models import AccessRequest, Application, ApplicationGrant, pip_roles
from portico.organizations.selectors import access_request_signatures


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]]
    table_header: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)


def _yes_no(value: Any) -> str:
    return "Yes" if value else "No"


def pip_roles_display(values: dict[str, Any]) -> str:
    """A PIP request's or grant's roles as people read them: "Staff, PCP"."""
    labels = dict(PIP_ROLES)
    return ", ".join(labels.get(role, role) for role in pip_roles(values))


def access_request_sections(access_request: AccessRequest) -> list[Section]:
    data = access_request.data
    idp = settings.PORTICO_BRAND["idp_name"]
    if access_request.application == Application.CLAIMS:
        return [
            Section(
                "Request",
                [
                    (idp, data.get("portico_id", "")),
                    ("Request type", dict(COP_REQUEST_TYPES).get(data.get("request_type", ""), "")),
                    ("Contact name", data.get("contact_name", "")),
                    ("Contact phone", data.get("contact_phone", "")),
                ],
            ),
            Section(
                "Practice / group",
                [
                    ("Practice / Group name", data.get("practice_name", "")),
                    (
                        "Billing Provider TINs",
                        ", ".join(t["display"] for t in data.get("tins", [])),
                    ),
                    ("Address", data.get("address", "")),
                    ("Suite", data.get("suite", "")),
                    ("City", data.get("city", "")),
                    ("State", data.get("state", "")),
                    ("Zip", data.get("zip", "")),
                    ("Telephone number", data.get("telephone", "")),
                    ("Front office email address", data.get("front_office_email", "")),
                    ("Fax number", data.get("fax", "")),
                ],
            ),
            Section(
                "Authorizing Officer",
                [
                    (
                        "Name",
                        f"{data.get('officer_first_name', '')} {data.get('officer_last_name', '')}",
                    ),
                    ("Email address", data.get("officer_email", "")),
                    ("Title", data.get("officer_title", "")),
                ],
            ),
            Section(
                "User",
                [
                    ("Name", f"{data.get('user_first_name', '')} {data.get('user_last_name', '')}"),
                    ("Email address", data.get("user_email", "")),
                    ("Allow submit claims online?", _yes_no(data.get("submit_claims"))),
                    ("Title", data.get("user_title", "")),
                    ("Login user ID", data.get("login_user_id", "")),
                ],
            ),
        ]
    if access_request.application == Application.SUPPORT:
        return [
            Section(
                "Direct customer",
                [
                    (idp, data.get("portico_id", "")),
                    ("Company name", data.get("company_name", "")),
                    ("PFI", data.get("pfi", "")),
                    ("User ID", data.get("user_id", "")),
                ],
            ),
            Section(
                "User",
                [
                    ("Name", f"{data.get('first_name', '')} {data.get('last_name', '')}"),
                    ("Job title", data.get("title", "")),
                    ("Phone number", data.get("phone", "")),
                    ("Email address", data.get("email", "")),
                    ("Works for this company", _yes_no(data.get("attest"))),
                ],
            ),
        ]
    regions = dict(content.pip_regions())
    return [
        Section(
            "Physician and practice",
            [
                (idp, data.get("portico_id", "")),
                ("Physician name", data.get("physician_name", "")),
                ("Address", data.get("address", "")),
                ("City", data.get("city", "")),
                ("Zip", data.get("zip", "")),
                ("Physician telephone number", data.get("telephone", "")),
                ("Fax number", data.get("fax", "")),
                ("Practice / Group name", data.get("practice_name", "")),
            ],
        ),
        Section(
            "Request",
            [
                ("Region/Area", "; ".join(regions.get(r, r) for r in data.get("regions", []))),
                ("Staff / PCP / Specialist", pip_roles_display(data)),
                (
                    "Request type",
                    "; ".join(dict(PIP_ACTIONS).get(a, a) for a in data.get("actions", [])),
                ),
                ("HIPAA statement", "Agreed" if data.get("hipaa_acknowledged") else "Not agreed"),
            ],
        ),
        Section(
            "Physicians and staff",
            [],
            table_header=[
                "Physician / Staff name",
                "Email address",
                "Physician NPI",
                "Existing username",
                "Cap Report",
                "Add/Terms (AC only)",
            ],
            table_rows=[
                [
                    row.get("name", ""),
                    row.get("email", ""),
                    row.get("npi", ""),
                    row.get("existing_username", ""),
                    _yes_no(row.get("cap_report")),
                    _yes_no(row.get("add_terms")),
                ]
                for row in data.get("rows", [])
            ],
        ),
    ]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%m/%d/%Y %I:%M %p") if value else ""


@dataclass
class SignatureLine:
    """One signer's e-signature line as the request pages show it."""

    pk: int
    role: str
    name: str
    email: str
    signed: bool
    signed_name: str
    signed_at: str
    signed_ip: str
    sent_at: str
    expired: bool
    status: str
    can_resend: bool


def signature_lines(access_request: AccessRequest) -> list[SignatureLine]:
    """The form's e-signatures, one per signer (empty when none were asked for)."""
    open_for_signing = not access_request.is_signed and access_request.status in {
        AccessRequest.Status.AWAITING_SIGNATURE,
        AccessRequest.Status.MORE_INFO,
    }
    now = timezone.now()
    lines = []
    for sig in access_request_signatures(access_request=access_request):
        expired = bool(not sig.is_signed and sig.expires_at and sig.expires_at <= now)
        if sig.is_signed:
            status = f"Signed by {sig.signed_name} on {_when(sig.signed_at)} from {sig.signed_ip}"
        elif access_request.is_signed:
            status = "Not needed: the signed form was uploaded or faxed"
        elif not open_for_signing:
            status = "Not signed"
        elif expired:
            status = f"Not signed yet: the link sent on {_when(sig.sent_at)} has expired"
        else:
            status = f"Not signed yet: link sent to {sig.email} on {_when(sig.sent_at)}"
        lines.append(
            SignatureLine(
                pk=sig.pk,
                role=sig.role,
                name=sig.name,
                email=sig.email,
                signed=sig.is_signed,
                signed_name=sig.signed_name,
                signed_at=_when(sig.signed_at),
                signed_ip=sig.signed_ip or "",
                sent_at=_when(sig.sent_at),
                expired=expired,
                status=status,
                can_resend=open_for_signing and not sig.is_signed and bool(sig.email),
            )
        )
    return lines


def signature_summary(access_request: AccessRequest) -> str:
    if not access_request.is_signed:
        lines = signature_lines(access_request)
        if lines:
            done = sum(1 for line in lines if line.signed)
            return f"Signing in the browser: {done} of {len(lines)} signatures"
        return "Not signed yet"
    if access_request.signature_method == AccessRequest.SignatureMethod.BROWSER and (
        lines := signature_lines(access_request)
    ):
        return (
            f"Signed in the browser by all {len(lines)} signers, the last on "
            f"{_when(access_request.signed_at)}"
        )
    when = _when(access_request.signed_at)
    method = access_request.get_signature_method_display()
    if access_request.signature_method == AccessRequest.SignatureMethod.BROWSER:
        return f"{method} by {access_request.signed_name} on {when} from {access_request.signed_ip}"
    return f"{method} on {when}"


@dataclass
class HistoryEntry:
    """One line of a request's history: when, and what happened in words."""

    when: str
    text: str


def _signers_text(signers: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{s.get('role', '')} ({s['email']})" if s.get("email") else str(s.get("role", ""))
        for s in signers
    )


def history_entries(events: Iterable[AuditEvent]) -> list[HistoryEntry]:
    """The request's audit events as sentences. The e-signature events name the signer and
    their line (a signer who follows an emailed link has no Portico ID, so the event has no
    actor: it is not "system" who signed), and the request's move to Submitted once the last
    line is signed is said as that."""
    entries = []
    for event in events:
        changes = event.changes or {}
        who = event.actor_label or "system"
        if event.action == "portico.access_request.e_signature_signed":
            signer = event.actor_label or changes.get("name") or "A signer"
            text = f"{signer} signed the access form in the browser as {changes.get('role', '')}"
        elif event.action == "portico.access_request.e_signatures_requested":
            text = (
                f"{who} emailed a link to sign the access form to "
                f"{_signers_text(changes.get('signers') or [])}"
            )
        elif event.action == "portico.access_request.e_signature_link_resent":
            text = f"{who} sent the link to sign again to {_signers_text([changes])}"
        elif (
            event.action == "portico.access_request.sign"
            and not event.actor_label
            and changes.get("method") == "browser"
        ):
            text = "Everyone named on the access form had signed it: the request was submitted"
        else:
            text = f"{who} {event.description}"
            detail = changes.get("reason") or changes.get("message")
            if detail:
                text += f": {detail}"
        entries.append(HistoryEntry(when=_when(event.occurred_at), text=text))
    return entries


def grant_scope_text(grant: ApplicationGrant) -> str:
    """What a grant covers, in words: Tax IDs and claim submission (Claims), regions and roles
    (Physician Info), or the whole practice."""
    scope = grant.scope or {}
    parts: list[str] = []
    tins = scope.get("tins") or []
    if tins:
        parts.append("Tax IDs " + ", ".join(tin_display(t) for t in tins))
    if grant.application == Application.CLAIMS:
        parts.append("submits claims" if scope.get("submit_claims") else "views claims")
    if scope.get("regions"):
        parts.append("regions " + ", ".join(scope["regions"]))
    if grant.application == Application.PATIENT_INFO and pip_roles(scope):
        parts.append("roles " + pip_roles_display(scope))
    if scope.get("cap_report"):
        parts.append("capitation report")
    if scope.get("add_terms"):
        parts.append("add/terms")
    return "; ".join(parts) or "The whole practice"
