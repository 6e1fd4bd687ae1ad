"""Writes for the code-set app: loading the shipped reference files into the tables.

``code_sets_load`` reads and checks every requested file before it writes anything, then
upserts all of them in one transaction with the audit event, so a load either fully succeeds
or leaves the tables exactly as they were. Rows missing from a newer file are kept, not
deleted: claims and letters from earlier years still point at them, and the ICD-10-CM
``fiscal_year`` tells current codes from retired ones.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models, transaction

from portico.codes import datafiles
from portico.codes.models import AdjustmentReason, Icd10Code, PlaceOfService, RemarkCode, Taxonomy
from portico.core.audit import audit_record

#: The code sets in load order, by the name ``load_codes --only`` takes.
CODE_SETS: tuple[str, ...] = ("icd10", "pos", "carc", "rarc", "taxonomy")

#: Rows per INSERT; small enough for SQLite's bound-parameter limit with four columns.
BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class LoadCounts:
    """What one code set's load did: rows in the file, of which new and already present."""

    total: int
    created: int
    updated: int


@dataclass(frozen=True, slots=True)
class _Plan:
    model: type[models.Model]
    objects: list[Any]
    update_fields: list[str]


def _plan_icd10(data_dir: Path) -> _Plan:
    release = datafiles.read_icd10(data_dir / datafiles.ICD10_FILE)
    return _Plan(
        Icd10Code,
        [
            Icd10Code(
                code=row.code,
                description=row.description,
                billable=row.billable,
                fiscal_year=release.fiscal_year,
            )
            for row in release.rows
        ],
        ["description", "billable", "fiscal_year"],
    )


def _plan_pos(data_dir: Path) -> _Plan:
    rows = datafiles.read_place_of_service(data_dir / datafiles.PLACE_OF_SERVICE_FILE)
    return _Plan(PlaceOfService, [PlaceOfService(code=r.code, name=r.name) for r in rows], ["name"])


def _dated_plan(model: type[AdjustmentReason] | type[RemarkCode], rows: Sequence[Any]) -> _Plan:
    return _Plan(
        model,
        [
            model(
                code=r.code,
                description=r.description,
                start_date=r.start_date,
                stop_date=r.stop_date,
            )
            for r in rows
        ],
        ["description", "start_date", "stop_date"],
    )


def _plan_carc(data_dir: Path) -> _Plan:
    return _dated_plan(AdjustmentReason, datafiles.read_carc(data_dir / datafiles.CARC_FILE))


def _plan_rarc(data_dir: Path) -> _Plan:
    return _dated_plan(RemarkCode, datafiles.read_rarc(data_dir / datafiles.RARC_FILE))


def _plan_taxonomy(data_dir: Path) -> _Plan:
    rows = datafiles.read_taxonomy(data_dir / datafiles.TAXONOMY_FILE)
    return _Plan(
        Taxonomy,
        [
            Taxonomy(
                code=r.code,
                grouping=r.grouping,
                classification=r.classification,
                specialization=r.specialization,
            )
            for r in rows
        ],
        ["grouping", "classification", "specialization"],
    )


_PLANNERS: dict[str, Callable[[Path], _Plan]] = {
    "icd10": _plan_icd10,
    "pos": _plan_pos,
    "carc": _plan_carc,
    "rarc": _plan_rarc,
    "taxonomy": _plan_taxonomy,
}


def _upsert(plan: _Plan) -> LoadCounts:
    existing = set(plan.model._default_manager.values_list("pk", flat=True))
    created = sum(1 for obj in plan.objects if obj.pk not in existing)
    plan.model._default_manager.bulk_create(
        plan.objects,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=plan.update_fields,
    )
    return LoadCounts(total=len(plan.objects), created=created, updated=len(plan.objects) - created)


def code_sets_load(
    *, data_dir: Path = datafiles.DATA_DIR, only: Collection[str] | None = None
) -> dict[str, LoadCounts]:
    """Load the named code sets (all by default) from ``data_dir``; idempotent.

    Raises :class:`~portico.codes.datafiles.CodeSetDataError` listing every problem found in
    the files before any row is written, and ``ValueError`` for an unknown code-set name.
    """
    names = CODE_SETS if only is None else tuple(name for name in CODE_SETS if name in only)
    unknown = set(only or ()) - set(CODE_SETS)
    if unknown:
        raise ValueError(f"unknown code set(s): {', '.join(sorted(unknown))}")
    errors: list[str] = []
    plans: dict[str, _Plan] = {}
    for name in names:  # read and check everything first: nothing is written on bad data
        try:
            plans[name] = _PLANNERS[name](data_dir)
        except datafiles.CodeSetDataError as exc:
            errors.extend(exc.errors)
    if errors:
        raise datafiles.CodeSetDataError(errors)
    with transaction.atomic():
        counts = {name: _upsert(plan) for name, plan in plans.items()}
        audit_record(
            action="portico.codes.loaded",
            object_type="codes.codeset",
            object_id=",".join(names),
            object_repr="Code sets",
            changes={
                name: {"total": c.total, "created": c.created, "updated": c.updated}
                for name, c in counts.items()
            },
        )
    return counts
