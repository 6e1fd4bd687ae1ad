"""PDFs of the Physician Info Portal (patient summary, Cap Report) on ``portico.core.pdf``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portico.core import pdf
from portico.patientinfo.selectors import CapSummaryRow, PatientSummary

FOOTER = "Confidential: protected health information. Use and disclose only as HIPAA permits."


def _d(day: dt.date | None) -> str:
    return f"{day:%m/%d/%Y}" if day else ""


def patient_summary_pdf(summary: PatientSummary, *, site: str, printed_by: str) -> bytes:
    m = summary.member
    cov = summary.current_coverage
    pcp = summary.pcp_assignment
    content = [
        pdf.heading(f"Patient summary: {m.full_name}"),
        pdf.paragraph(f"Printed {dt.datetime.now():%m/%d/%Y %I:%M %p} by {printed_by}", small=True),
        pdf.heading("Demographics and coverage", 2),
        pdf.key_value_table(
            [
                ("Member ID", m.member_id),
                ("Name", m.full_name),
                ("Date of birth", _d(m.date_of_birth)),
                ("Sex", m.get_sex_display()),
                (
                    "Address",
                    ", ".join(p for p in (m.address_line1, m.city, m.state, m.zip_code) if p),
                ),
                ("Phone", m.phone),
                ("Health plan", m.plan.name),
                (
                    "Coverage today",
                    f"{cov.get_product_display()} (group {cov.group_number})"
                    if cov
                    else "Not covered today",
                ),
                (
                    "PCP",
                    f"{pcp.provider.display_name} (NPI {pcp.provider.npi}), {pcp.organization.name}"
                    if pcp
                    else "",
                ),
            ]
        ),
        pdf.heading("Eligibility history", 2),
        pdf.table(
            ["Plan", "Product", "Group", "From", "Through"],
            [
                [
                    c.plan.name,
                    c.get_product_display(),
                    c.group_number,
                    _d(c.start_date),
                    _d(c.end_date) or "open",
                ]
                for c in summary.coverages
            ],
        ),
        pdf.heading("Referral history", 2),
        pdf.table(
            ["Referral", "Referred to", "Dates", "Visits", "Status"],
            [
                [
                    r.number,
                    f"{r.referred_to_name} ({r.referred_to_npi})",
                    f"{_d(r.start_date)}-{_d(r.end_date)}",
                    f"{r.visits_approved or r.visits_requested}",
                    r.get_status_display(),
                ]
                for r in summary.referrals
            ]
            or [["No referrals", "", "", "", ""]],
        ),
        pdf.heading("Diagnoses (ICD-10-CM)", 2),
        pdf.table(
            ["Code", "Description", "First seen", "Last seen"],
            [
                [d.display, d.description, _d(d.first_seen), _d(d.last_seen)]
                for d in summary.diagnoses
            ]
            or [["None reported", "", "", ""]],
        ),
        pdf.heading("Filled prescriptions", 2),
    ]
    if summary.rx_from or summary.rx_to:
        content.append(
            pdf.paragraph(
                f"Filled {_d(summary.rx_from) or 'any time'} "
                f"through {_d(summary.rx_to) or 'today'}",
                small=True,
            )
        )
    content.append(
        pdf.table(
            ["Filled", "Drug", "NDC", "Strength", "Qty", "Days", "Prescriber", "Pharmacy"],
            [
                [
                    _d(rx.fill_date),
                    rx.drug_name,
                    rx.ndc_display,
                    rx.strength,
                    f"{rx.quantity.normalize():f}",
                    rx.days_supply,
                    rx.prescriber_name or rx.prescriber_npi,
                    rx.pharmacy_name,
                ]
                for rx in summary.prescriptions
            ]
            or [["None", "", "", "", "", "", "", ""]],
        )
    )
    return pdf.render_pdf(title="Patient summary", header=site, footer=FOOTER, content=content)


def cap_report_pdf(
    rows: list[CapSummaryRow], *, site: str, months: list[dt.date], practices: str
) -> bytes:
    total = sum((r.amount for r in rows), Decimal("0"))
    content = [
        pdf.heading("Cap Report (capitation)"),
        pdf.paragraph(f"{practices}: {months[0]:%B %Y} through {months[-1]:%B %Y}"),
        pdf.table(
            ["Month", "Practice", "PCP", "NPI", "Members", "Capitation"],
            [
                [
                    f"{r.month:%Y-%m}",
                    r.organization,
                    r.provider_name,
                    r.provider_npi,
                    r.members,
                    f"${r.amount:,.2f}",
                ]
                for r in rows
            ]
            or [["No members assigned", "", "", "", "", ""]],
        ),
        pdf.spacer(),
        pdf.paragraph(f"Total capitation: ${total:,.2f}", bold=True),
    ]
    return pdf.render_pdf(title="Cap Report", header=site, footer=FOOTER, content=content)
