"""Documents: a minimal real PDF and a helper that creates a posted or mailed letter."""

from __future__ import annotations

from typing import Any

from portico.core import pdf as pdf_kit
from portico.documents.models import Document
from portico.documents.services import document_create


def make_pdf(text: str = "Test letter") -> bytes:
    return pdf_kit.render_pdf(title=text, content=[pdf_kit.paragraph(text)])


def make_document(
    *,
    organization: Any,
    member: Any = None,
    kind: str = "pa_approval",
    title: str = "Approval letter",
    subject_app: str = "priorauth",
    subject_type: str = "request",
    subject_id: str = "1",
    delivery: str = "portal",
    retention_days: int | None = None,
    text: str = "Test letter",
) -> Document:
    return document_create(
        organization=organization,
        member=member,
        kind=kind,
        title=title,
        pdf=make_pdf(text),
        subject_app=subject_app,
        subject_type=subject_type,
        subject_id=subject_id,
        delivery=delivery,
        retention_days=retention_days,
    )
