"""The printable access form ("Print Portal Access Form"), rendered with core.pdf."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from portico.connect import content
from portico.connect.presenters import access_request_sections, signature_summary
from portico.core import pdf
from portico.organizations.models import AccessRequest, Application
from portico.organizations.services.signatures import esign_plan


def access_form_pdf(access_request: AccessRequest) -> bytes:
    brand = settings.PORTICO_BRAND
    is_claims = access_request.application == Application.CLAIMS
    is_support = access_request.application == Application.SUPPORT
    titles: dict[str, str] = {
        Application.CLAIMS: "Claims Online Portal Access Form",
        Application.SUPPORT: "Support Access Form (Direct Customers)",
    }
    title = titles.get(access_request.application, "Physician Information Portal Access Form")
    story: list[pdf.Flowable] = [pdf.heading(title.upper())]
    if access_request.application == Application.PATIENT_INFO:
        story.append(pdf.paragraph("NOTE: " + content.PIP_REFERRALS_NOTE, bold=True))
    story += [
        pdf.key_value_table(
            [
                ("Reference number", access_request.reference),
                (
                    "Submitted",
                    timezone.localtime(access_request.created_at).strftime("%m/%d/%Y %I:%M %p"),
                ),
                ("Status", access_request.get_status_display()),
                ("Signature", signature_summary(access_request)),
            ]
        ),
        pdf.spacer(),
    ]
    for section in access_request_sections(access_request):
        story.append(pdf.heading(section.title, level=2))
        if section.rows:
            story.append(pdf.key_value_table(section.rows))
        if section.table_header:
            story.append(
                pdf.table(
                    [*section.table_header, "Signature"], [[*r, " "] for r in section.table_rows]
                )
            )
    if is_claims:
        story += [pdf.spacer(), pdf.paragraph(content.MANAGEMENT_TITLE_RULE, small=True)]
    elif is_support:
        story += [pdf.spacer(), pdf.paragraph(content.SUPPORT_ACCESS_NOTE, small=True)]
    else:
        story += [pdf.spacer(), pdf.paragraph(content.HIPAA_TEXT, small=True)]
    signers = [f"{signer.role}: {signer.name}" for signer in access_request.signers()]
    story += [
        pdf.spacer(12),
        pdf.signature_lines(
            signers,
            note=(
                "Sign and date below, then fax this form to the Service Desk at "
                f"{brand['service_desk_fax']} — or upload it from the request's page"
                + (
                    ", where it can also be signed in the browser."
                    if access_request.signed_by_requester_alone()
                    or esign_plan(access_request).possible
                    else "."
                )
            ),
        ),
    ]
    return pdf.render_pdf(
        title=title,
        content=story,
        header=f"{brand['site_name']} · {brand['organization_name']}",
        footer=(
            f"Reference {access_request.reference} · Service Desk fax {brand['service_desk_fax']}"
        ),
        author=brand["organization_name"],
        subject=f"Access request {access_request.reference}",
    )
