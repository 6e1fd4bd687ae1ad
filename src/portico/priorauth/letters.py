"""Determination and non-determination letters as PDFs (ReportLab via ``portico.core.pdf``).

Letter types are the FAQ's: Approval, Expedited/Urgent, Initial Adverse Determination (full
and partial), Administrative Withdrawal, Pend, Lack of Information, posted to the portal,
and the member letter, which is mailed. Each names the plan, the P.O. Box return address and
fax number, the member, the provider, the services, the decision, the reasons and the rights.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from portico.codes.selectors import icd10_texts
from portico.core import pdf
from portico.priorauth.models import LineDecision, PlanPriorAuthSettings, PriorAuthRequest


@dataclass(frozen=True)
class LetterType:
    kind: str
    title: str
    mailed: bool = False


APPROVAL = LetterType("pa_approval", "Approval")
EXPEDITED = LetterType("pa_expedited", "Expedited/Urgent Approval")
ADVERSE_FULL = LetterType("pa_adverse_full", "Initial Adverse Determination")
ADVERSE_PARTIAL = LetterType("pa_adverse_partial", "Initial Adverse Determination (Partial)")
WITHDRAWAL = LetterType("pa_withdrawal", "Administrative Withdrawal")
PEND = LetterType("pa_pend", "Pend")
LACK_OF_INFO = LetterType("pa_lack_of_info", "Lack of Information")
MEMBER = LetterType("pa_member", "Member Notice of Determination", mailed=True)

ALL = (APPROVAL, EXPEDITED, ADVERSE_FULL, ADVERSE_PARTIAL, WITHDRAWAL, PEND, LACK_OF_INFO, MEMBER)

_INTRO = {
    APPROVAL.kind: "We reviewed the request for prior authorization below. The services are "
    "approved as listed.",
    EXPEDITED.kind: "We reviewed the expedited/urgent request for prior authorization below "
    "within the expedited time frame. The services are approved as listed.",
    ADVERSE_FULL.kind: "We reviewed the request for prior authorization below. The requested "
    "services are not approved (adverse determination). The reasons and the clinical criteria "
    "used are listed for each service.",
    ADVERSE_PARTIAL.kind: "We reviewed the request for prior authorization below. Some services "
    "are approved and others are not, or fewer units or dates are approved than requested "
    "(partial adverse determination). Each line shows its decision.",
    WITHDRAWAL.kind: "The request for prior authorization below was administratively withdrawn "
    "without a clinical determination.",
    PEND.kind: "The request for prior authorization below is pended: its review cannot be "
    "completed yet.",
    LACK_OF_INFO.kind: "We cannot complete our review of the request for prior authorization "
    "below because information is missing. Send the information requested below through the "
    "portal (answer the Send back and resubmit) or by fax.",
    MEMBER.kind: "Your provider asked your health plan to approve the services below. This "
    "letter tells you what was decided and what you can do if you disagree.",
}


def _date(value: dt.date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def _line_rows(request: PriorAuthRequest) -> list[list[str]]:
    rows = []
    for line in request.lines.all():
        if line.decision == LineDecision.APPROVED:
            units = line.approved_units if line.approved_units is not None else line.units
            start = line.approved_start or line.start_date
            end = line.approved_end or line.end_date
            label = "Partially approved" if line.is_partial else "Approved"
            decision = (
                f"{label}: {units} unit(s), {_date(start)}-{_date(end)}, auth # {line.auth_number}"
            )
        elif line.decision == LineDecision.DENIED:
            decision = f"Denied: {line.deny_reason}"
            if line.criteria:
                decision += f" (criteria: {line.criteria})"
        elif line.decision == LineDecision.NOT_REQUIRED:
            decision = "Submission not required"
        else:
            decision = "Not decided"
        rows.append(
            [
                str(line.line_no),
                line.code + (f"-{line.modifier}" if line.modifier else ""),
                str(line.units),
                f"{_date(line.start_date)}-{_date(line.end_date)}",
                decision,
            ]
        )
    return rows


def _rights(letter: LetterType, settings_row: PlanPriorAuthSettings) -> list[str]:
    address = settings_row.letter_return_address.replace("\n", ", ")
    fax = settings_row.request_fax
    if letter.kind in (ADVERSE_FULL.kind, ADVERSE_PARTIAL.kind, MEMBER.kind):
        return [
            "You, the member, or someone acting for the member may appeal this decision within "
            "60 days of the date of this letter. Send the appeal and any supporting records to "
            f"{address}, or fax them to {fax}.",
            "The ordering provider may ask for a peer-to-peer discussion with the reviewer "
            f"by calling Provider Services at {settings_row.services_phone}.",
            "If waiting for a standard appeal could seriously harm the member's health, ask for "
            "an expedited appeal: it is decided within 72 hours.",
            "You may ask for a free copy of the clinical criteria used in this decision.",
        ]
    if letter.kind in (PEND.kind, LACK_OF_INFO.kind):
        return [
            "If the information is not received in time, the request may be denied for lack of "
            "information. You may then submit a new request or appeal.",
            f"Questions: Provider Services {settings_row.services_phone} "
            f"({settings_row.services_hours}).",
        ]
    return [
        "Approval is not a guarantee of payment: payment depends on the member's eligibility and "
        "benefits on the date of service and on the plan's claim rules.",
        f"Questions: Provider Services {settings_row.services_phone} "
        f"({settings_row.services_hours}).",
    ]


def recipient(request: PriorAuthRequest, letter: LetterType) -> str:
    """Whom the letter is addressed to, as the address block: the member for the mailed
    member letter, else the requesting provider ("" when there is neither). A mailed letter
    goes to this address."""
    member, provider = request.member, request.requesting_provider
    if letter.mailed and member is not None:
        return (
            f"{member.full_name}\n{member.address_line1}\n"
            f"{member.city} {member.state} {member.zip_code}".strip()
        )
    if provider is not None:
        return (
            f"{provider.display_name}\n{provider.address_line1}\n"
            f"{provider.city} {provider.state} {provider.zip_code}".strip()
        )
    return ""


def render_letter(
    request: PriorAuthRequest,
    letter: LetterType,
    *,
    settings_row: PlanPriorAuthSettings,
    message: str = "",
    today: dt.date | None = None,
) -> bytes:
    today = today or timezone.localdate()
    plan = request.plan
    member = request.member
    provider = request.requesting_provider
    servicing = request.servicing_provider
    sender = settings_row.um_organization_name or plan.name
    content: list[pdf.Flowable] = [
        pdf.paragraph(sender, bold=True),
        pdf.paragraph(settings_row.letter_return_address),
        pdf.paragraph(f"Prior authorization fax: {settings_row.request_fax}"),
        pdf.spacer(10),
        pdf.paragraph(today.strftime("%B %d, %Y")),
        pdf.spacer(6),
    ]
    addressee = recipient(request, letter)
    if addressee:
        content.append(pdf.paragraph(addressee))
    content += [
        pdf.spacer(8),
        pdf.heading(f"{letter.title}", level=1),
        pdf.key_value_table(
            [
                ("Health plan", plan.name),
                ("Reference number", request.reference),
                ("Member", member.full_name if member else request.member_id_entered),
                ("Member ID", member.member_id if member else request.member_id_entered),
                ("Date of birth", _date(member.date_of_birth) if member else ""),
                (
                    "Requesting provider",
                    f"{provider.display_name} (NPI {provider.npi})" if provider else "",
                ),
                (
                    "Servicing provider",
                    f"{servicing.display_name} (NPI {servicing.npi})"
                    if servicing
                    else "Same as requesting",
                ),
                ("Facility", request.facility_name),
                ("Service category", str(request.service_category or "")),
                ("Urgency", request.get_urgency_display()),
                (
                    "Diagnoses (ICD-10-CM)",
                    "; ".join(
                        f"{dx.code} {dx.description}".strip()
                        for dx in icd10_texts(codes=request.diagnoses)
                    ),
                ),
                (
                    "Received",
                    timezone.localtime(request.submitted_at).strftime("%m/%d/%Y %I:%M %p")
                    if request.submitted_at
                    else "",
                ),
            ]
        ),
        pdf.spacer(8),
        pdf.paragraph(_INTRO[letter.kind]),
    ]
    if message:
        label = {
            WITHDRAWAL.kind: "Reason for withdrawal",
            PEND.kind: "Reason the request is pended",
            LACK_OF_INFO.kind: "Information needed",
        }.get(letter.kind, "Reviewer's note")
        content += [pdf.heading(label, level=2), pdf.paragraph(message)]
    content += [
        pdf.heading("Services and decision", level=2),
        pdf.table(
            ["Line", "Code", "Units", "Dates requested", "Decision"],
            _line_rows(request),
            col_widths=[0.45 * 72, 0.8 * 72, 0.55 * 72, 1.6 * 72, 3.6 * 72],
        ),
        pdf.heading("Your rights", level=2),
    ]
    content += [pdf.paragraph(f"{text}") for text in _rights(letter, settings_row)]
    footer = (
        f"{sender} · {settings_row.letter_return_address.replace(chr(10), ', ')} · "
        f"Fax {settings_row.request_fax}"
    )
    return pdf.render_pdf(
        title=f"{letter.title} - {request.reference}",
        header=f"{plan.name} - prior authorization",
        footer=footer,
        content=content,
        author=sender,
        subject=letter.title,
    )
