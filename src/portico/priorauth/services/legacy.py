"""Import of cases submitted in a plan's legacy portal before cut-over (read-only here).

File format (CSV with a header row, UTF-8; or JSON: a list of objects with the same keys) —
see ``examples/priorauth-legacy-cases.csv`` and docs/priorauth.md:

``plan_payer_id, legacy_reference, practice_tin, member_id, member_name, member_birth_date
(YYYY-MM-DD), provider_npi, provider_name, codes (space-separated), service_description,
status (one of the seven statuses, by name or code), submitted_on, decided_on, auth_number``

Rows are validated first; a file with any bad row imports nothing. Re-importing updates the
cases with the same plan and legacy reference.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from portico.core.audit import audit_record
from portico.members.models import HealthPlan
from portico.organizations.models import OrganizationTIN
from portico.priorauth.models import LegacyCase, Status

FIELDS = [
    "plan_payer_id", "legacy_reference", "practice_tin", "member_id", "member_name",
    "member_birth_date", "provider_npi", "provider_name", "codes", "service_description",
    "status", "submitted_on", "decided_on", "auth_number",
]  # fmt: skip
REQUIRED = [
    "plan_payer_id",
    "legacy_reference",
    "member_id",
    "member_name",
    "status",
    "submitted_on",
]


class LegacyImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:10]))
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _status(value: str) -> str | None:
    text = value.strip().lower()
    for code, label in Status.choices:
        if code == Status.DRAFT:
            continue
        if text in (code, str(label).lower()):
            return code
    return None


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value.strip()) if value and value.strip() else None


def parse_rows(content: str) -> list[dict[str, str]]:
    text = content.lstrip("\ufeff")
    if text.lstrip().startswith("["):
        data = json.loads(text)
        if not isinstance(data, list):
            raise LegacyImportError(["A JSON file must hold a list of cases."])
        return [{k: str(v) if v is not None else "" for k, v in item.items()} for item in data]
    return [dict(row) for row in csv.DictReader(io.StringIO(text))]


@transaction.atomic
def legacy_cases_import(
    *, content: str, legacy_portal: str = "", actor: Any = None
) -> ImportResult:
    try:
        rows = parse_rows(content)
    except (json.JSONDecodeError, csv.Error, AttributeError) as exc:
        raise LegacyImportError([f"The file could not be read: {exc}"]) from None
    errors: list[str] = []
    plans = {p.payer_id: p for p in HealthPlan.objects.all()}
    prepared: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):
        missing = [name for name in REQUIRED if not (row.get(name) or "").strip()]
        if missing:
            errors.append(f"row {number}: missing {', '.join(missing)}")
            continue
        plan = plans.get(row["plan_payer_id"].strip())
        status = _status(row["status"])
        if plan is None:
            errors.append(f"row {number}: no plan with payer ID {row['plan_payer_id']!r}")
            continue
        if status is None:
            errors.append(f"row {number}: unknown status {row['status']!r}")
            continue
        try:
            submitted = _date(row["submitted_on"])
            decided = _date(row.get("decided_on", ""))
            born = _date(row.get("member_birth_date", ""))
        except ValueError:
            errors.append(f"row {number}: dates must be YYYY-MM-DD")
            continue
        tin = "".join(c for c in row.get("practice_tin", "") if c.isdigit())
        link = OrganizationTIN.objects.filter(tin=tin, is_active=True).first() if tin else None
        prepared.append(
            {
                "plan": plan,
                "legacy_reference": row["legacy_reference"].strip()[:40],
                "defaults": {
                    "organization": link.organization if link else None,
                    "legacy_portal": legacy_portal
                    or (
                        plan.programs.exclude(legacy_portal_name="")
                        .values_list("legacy_portal_name", flat=True)
                        .first()
                        or ""
                    ),
                    "member_id": row["member_id"].strip()[:24],
                    "member_name": row["member_name"].strip()[:200],
                    "member_birth_date": born,
                    "provider_npi": (row.get("provider_npi") or "").strip()[:10],
                    "provider_name": (row.get("provider_name") or "").strip()[:200],
                    "codes": (row.get("codes") or "").strip()[:200],
                    "service_description": (row.get("service_description") or "").strip()[:200],
                    "status": status,
                    "submitted_on": submitted,
                    "decided_on": decided,
                    "auth_number": (row.get("auth_number") or "").strip()[:30],
                },
            }
        )
    if errors:
        raise LegacyImportError(errors)
    created = updated = 0
    for item in prepared:
        _, was_created = LegacyCase.objects.update_or_create(
            plan=item["plan"], legacy_reference=item["legacy_reference"], defaults=item["defaults"]
        )
        created += was_created
        updated += not was_created
    audit_record(
        action="portico.priorauth.legacy_imported",
        actor=actor,
        object_type="priorauth.legacycase",
        changes={"created": created, "updated": updated},
    )
    return ImportResult(created, updated)


def legacy_cases_record_list(*, cases: Iterable[LegacyCase], user: Any) -> None:
    """Audit the list of legacy cases shown (it names the members, as the cases do)."""
    with transaction.atomic():
        audit_record(
            action="portico.priorauth.legacy_listed",
            actor=user,
            object_type="priorauth.legacycase",
            object_repr="Legacy cases",
            changes={"cases": [c.legacy_reference for c in cases]},
        )


def legacy_case_record_view(*, case: LegacyCase, user: Any) -> None:
    """Audit a view of a legacy case (it names the member: a PHI view, like a request's)."""
    with transaction.atomic():
        audit_record(
            action="portico.priorauth.legacy_viewed",
            actor=user,
            obj=case,
            organization_id=case.organization_id,
            member_ref=case.member_id,
        )
