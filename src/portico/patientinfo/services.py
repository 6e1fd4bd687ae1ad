"""Writes of the Physician Info Portal: the access log (every look-up, view, print and report
is an audit event naming who looked at which patient, when and from where)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from portico.core.audit import audit_record
from portico.members.models import Member
from portico.members.validators import normalize_member_id

# What a look-up by name searched, as kept in its audit event.
NAME_CRITERIA = ("last_name", "first_name", "date_of_birth")


def patient_search_record(
    *,
    user: Any,
    organization_ids: Sequence[int],
    kind: str,
    searched: Mapping[str, Any],
    results: Sequence[Member] = (),
    refused: str = "",
) -> None:
    """Every look-up, whatever its outcome: one event per patient found (so each shows in the
    access log), one for none, or one for a refused look-up (``refused``: why, the
    ``SearchRefused`` code). Each says what was searched: the member ID as its ``member_ref``,
    or the name and date of birth in ``changes["searched"]``.

    ``audit_record`` runs in a transaction of its own; several events share one."""
    if len(results) > 1:
        with transaction.atomic():
            _search_events(user, organization_ids, kind, searched, results, refused)
    else:
        _search_events(user, organization_ids, kind, searched, results, refused)


def _search_events(
    user: Any,
    organization_ids: Sequence[int],
    kind: str,
    searched: Mapping[str, Any],
    results: Sequence[Member],
    refused: str,
) -> None:
    org = organization_ids[0] if organization_ids else None
    changes: dict[str, Any] = {"by": kind}
    member_ref = ""
    if kind == "member_id":
        member_ref = normalize_member_id(str(searched.get("member_id") or ""))
    else:
        changes["searched"] = {name: searched.get(name) for name in NAME_CRITERIA}
    if refused or not results:
        outcome = {"outcome": "refused", "reason": refused} if refused else {"results": 0}
        audit_record(
            action="portico.patientinfo.patient_searched",
            actor=user,
            organization_id=org,
            object_type="members.member",
            member_ref=member_ref,
            changes={**changes, **outcome},
        )
        return
    for member in results:
        # The practice whose grant shows this member (``pip_scope``, the index of the scope
        # the look-up annotated), so that its administrator's access log lists the look-up.
        shown_by = getattr(member, "pip_scope", None)
        audit_record(
            action="portico.patientinfo.patient_searched",
            actor=user,
            obj=member,
            organization_id=(
                organization_ids[shown_by]
                if isinstance(shown_by, int) and 0 <= shown_by < len(organization_ids)
                else org
            ),
            member_ref=member.member_id,
            changes={**changes, "results": len(results)},
        )


def patient_view_record(
    *, user: Any, member: Member, organization_id: int, view: str = "summary", **details: Any
) -> None:
    """``view``: summary, print, pdf (or api). One event (``audit_record`` is atomic)."""
    audit_record(
        action=f"portico.patientinfo.patient_{view}_viewed",
        actor=user,
        obj=member,
        organization_id=organization_id,
        member_ref=member.member_id,
        changes={key: str(value) for key, value in details.items() if value},
    )


@transaction.atomic
def cap_report_record(
    *, user: Any, organization_ids: Sequence[int], months: Sequence[Any], fmt: str
) -> None:
    for org in organization_ids:
        audit_record(
            action="portico.patientinfo.cap_report_viewed",
            actor=user,
            organization_id=org,
            object_type="patientinfo.capreport",
            changes={"format": fmt, "months": [f"{m:%Y-%m}" for m in months]},
        )
