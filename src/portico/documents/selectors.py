"""Reads of documents, scoped to what the acting user may see.

A practice user sees the documents *posted to the portal* for practices where they hold an
active grant for the application that produced the document (``subject_app`` is an
application code: ``priorauth``, ``claims``, …). Documents of other subject apps are visible
to every active member of the practice. Mailed documents are never listed in the portal.
Outside that scope every lookup answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portico.documents.models import Delivery, Document, DocumentRead, MailStatus
from portico.organizations.models import Application
from portico.organizations.selectors import grants_for_user, organization_ids_for_user


def _visibility(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    grants = grants_for_user(user=user).values_list("application", "organization_id")
    by_app: dict[str, set[int]] = {}
    for application, org_id in grants:
        if org_id is not None:
            by_app.setdefault(application, set()).add(org_id)
    for application, org_ids in by_app.items():
        condition |= Q(subject_app=application, organization_id__in=org_ids)
    member_orgs = organization_ids_for_user(user=user)
    condition |= Q(organization_id__in=member_orgs) & ~Q(subject_app__in=Application.values)
    # Grants only count for practices the user still belongs to.
    return condition & Q(organization_id__in=member_orgs)


def documents_for_user(
    *,
    user: Any,
    subject_app: str = "",
    subject_type: str = "",
    subject_id: str = "",
    unread_only: bool = False,
) -> QuerySet[Document]:
    """Posted documents the user may open, newest first, each annotated with ``is_read``."""
    qs = (
        Document.objects.filter(_visibility(user), delivery=Delivery.PORTAL)
        .select_related("organization", "member")
        .annotate(
            is_read=Exists(DocumentRead.objects.filter(document=OuterRef("pk"), user=user.pk))
        )
    )
    if subject_app:
        qs = qs.filter(subject_app=subject_app)
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    if subject_id:
        qs = qs.filter(subject_id=str(subject_id))
    if unread_only:
        qs = qs.filter(is_read=False)
    return qs.order_by("-created_at", "-id")


def document_get_for_user(*, user: Any, pk: int) -> Document:
    try:
        return documents_for_user(user=user).get(pk=pk)
    except Document.DoesNotExist:
        raise Http404("No such document.") from None


def unread_count_for_user(*, user: Any, subject_app: str = "") -> int:
    return documents_for_user(user=user, subject_app=subject_app, unread_only=True).count()


def documents_for_subject(
    *, subject_app: str, subject_type: str, subject_id: str, include_mail: bool = False
) -> QuerySet[Document]:
    """Every document of one object (the caller has already checked access to the object).

    Posted documents only, unless ``include_mail`` (staff views show mailed letters too).
    """
    qs = Document.objects.filter(
        subject_app=subject_app, subject_type=subject_type, subject_id=str(subject_id)
    )
    if not include_mail:
        qs = qs.filter(delivery=Delivery.PORTAL)
    return qs.order_by("-created_at", "-id")


def mail_queue(*, status: str = "open") -> QuerySet[Document]:
    """The print-and-mail queue for staff: ``open`` (queued or printed), or one status."""
    qs = Document.objects.filter(delivery=Delivery.MAIL).select_related("organization", "member")
    if status == "open":
        qs = qs.filter(mail_status__in=[MailStatus.QUEUED, MailStatus.PRINTED])
    elif status in MailStatus.values and status:
        qs = qs.filter(mail_status=status)
    return qs.order_by("created_at", "id")


def document_get_for_staff(*, pk: int) -> Document:
    try:
        return Document.objects.select_related("organization", "member").get(pk=pk)
    except Document.DoesNotExist:
        raise Http404("No such document.") from None
