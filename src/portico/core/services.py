"""Writes of the shared kernel that views call (the audit trail's own audit)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portico.core.audit import audit_record
from portico.core.selectors import AuditFilters


@transaction.atomic
def audit_search_record(*, actor: Any, filters: AuditFilters, exported: bool = False) -> None:
    """Reading the audit trail is itself audited: who searched for what, and exports."""
    audit_record(
        action="portico.audit.exported" if exported else "portico.audit.viewed",
        actor=actor,
        member_ref=filters.member,
        changes={"filters": filters.as_dict()},
    )
