"""X12 837P/837I intake: upload, background processing, 999 and 277CA.

One streaming pass (``Claim837Reader``): claims are checked in batches of ``BATCH`` inside one
database transaction, and each batch's rows are stored by a ``RowWriter`` thread while the
next batch is read (decision 0010, item 9); the 277CA's per-claim entries go to a disk spool
(``ackspool``) and the 277CA is written from it to a file in storage, so memory holds two
batches (the one being stored, the one being read) however large the file. After the pass, the
claims of transaction sets that the 999 rejects are deleted again before commit — an
envelope-level error never leaves a partial batch.

The same file twice creates no claims twice: each claim's idempotency key is the file's
SHA-256 plus ST02, CLM01 and its position, unique per practice; a re-sent claim is answered
with the claim number it got the first time.
"""

from __future__ import annotations

import gc
import io
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portico.claims.models import (
    Claim,
    ClaimAttachment,
    ClaimDiagnosis,
    ClaimFrequency,
    ClaimKind,
    ClaimLine,
    ClaimSource,
    ClaimStatus,
    ClaimStatusEvent,
    ClaimSubmissionFile,
    DiagnosisQualifier,
    SubmissionStatus,
)
from portico.claims.selectors import claims_access
from portico.claims.services.ackspool import AcknowledgmentSpool
from portico.claims.services.attachments import claim_for_control_number
from portico.claims.services.bulkinsert import (
    PreparedInsert,
    RowWriter,
    prepare_rows,
    reserve_keys,
)
from portico.claims.services.common import CLAIM_PREFIX, numbers_allocate
from portico.claims.services.submission import apply_frequency
from portico.claims.services.validation import check_icd10
from portico.claims.transitions import REPLACEABLE_CLAIM_STATUSES
from portico.core.audit import audit_record
from portico.core.lookups import one_of
from portico.core.text import counted
from portico.members.models import HealthPlan, Member
from portico.x12.ack277ca import (
    ClaimsAcknowledgment,
    ProviderAcknowledgment,
    claim_acknowledgment,
    write_277ca,
)
from portico.x12.ack999 import build_999, reply_envelope
from portico.x12.errors import X12Error
from portico.x12.models837 import Claim as X12Claim
from portico.x12.models837 import ClaimIssue
from portico.x12.reader837 import Claim837Reader
from portico.x12.validation import ValidationResult
from portico.x12.writer import Envelope

log = logging.getLogger(__name__)

BATCH = 1000
MAX_REJECTIONS_LISTED = 500
_DX_QUALIFIER = {
    "ABK": DiagnosisQualifier.PRINCIPAL,
    "BK": DiagnosisQualifier.PRINCIPAL,
    "ABJ": DiagnosisQualifier.ADMITTING,
    "BJ": DiagnosisQualifier.ADMITTING,
    "APR": DiagnosisQualifier.REASON_FOR_VISIT,
    "PR": DiagnosisQualifier.REASON_FOR_VISIT,
}


# ---------------------------------------------------------------------------
# Processing
# ---------------------------------------------------------------------------
@dataclass
class IntakeResult:
    claims: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    acks: AcknowledgmentSpool = field(default_factory=AcknowledgmentSpool)  # close() when done
    rejections: list[str] = field(default_factory=list)
    follow_ups: list[tuple[int, int, tuple[str, str, str]]] = field(default_factory=list)
    receiver: tuple[str, str, str] = ("", "", "")  # name, id, batch reference
    kind: str = ""
    payer: HealthPlan | None = None


class _Context:
    """Caches shared by the claims of one file (plans, ICD-10 answers, allowed TINs)."""

    def __init__(self, *, item: ClaimSubmissionFile, submit_tins: frozenset[str]) -> None:
        self.item = item
        self.org_id = item.organization_id
        self.submit_tins = submit_tins
        self.plans: dict[str, HealthPlan | None] = {}
        self.icd: dict[str, str | None] = {}
        self.today = timezone.localdate()
        # Each claim key of this file -> the interchange and group (ISA13, GS06) that took it.
        self.key_owners: dict[str, tuple[str, str]] = {}

    def plan(self, payer_id: str) -> HealthPlan | None:
        if payer_id not in self.plans:
            self.plans[payer_id] = HealthPlan.objects.filter(payer_id=payer_id).first()
        return self.plans[payer_id]

    def icd_problem(self, code: str) -> str | None:
        if code not in self.icd:
            self.icd[code] = check_icd10(code)
        return self.icd[code]


def _issue(
    claim: X12Claim, message: str, status: str, entity: str = "", category: str = "A7"
) -> None:
    claim.issues.append(
        ClaimIssue(
            message=message,
            segment_id="CLM",
            position=claim.position,
            status_code=status,
            category=category,
            entity_code=entity,
            loop_id="2300",
        )
    )


def _business_checks(claim: X12Claim, ctx: _Context) -> None:
    """The payer's front-end edits on top of the reader's syntax checks."""
    bp = claim.billing_provider
    tin = (bp.tax_id or bp.ssn) if bp else ""
    if tin not in ctx.submit_tins:
        _issue(
            claim,
            f"Billing provider Tax ID {tin or '(none)'} is not one of the practice's "
            "Tax IDs allowed to submit.",
            "128",
            "85",
        )
    sub = claim.subscriber
    if sub is None or ctx.plan(sub.payer.payer_id) is None:
        _issue(claim, "Unknown payer ID.", "116", category="A3")
    for dx in claim.diagnoses:
        if dx.qualifier in _DX_QUALIFIER or dx.qualifier in ("ABF", "BF"):
            problem = ctx.icd_problem(dx.code)
            if problem:
                _issue(claim, problem, "255")
    start = (claim.service_period or (None, None))[0]
    if start is not None and start > ctx.today:
        _issue(claim, "Date of service is in the future.", "187")


@dataclass
class _Enrolled:
    """A member of the batch's look-up: its primary key and coverage spans, newest first
    (the order of ``member.coverages.all()``)."""

    pk: int
    coverages: list[tuple[int, date, date | None]]  # pk, start, end


def _members(wanted: dict[int, set[str]]) -> dict[tuple[int, str], _Enrolled]:
    """The batch's members by (plan, member ID), with their coverage: one query per plan (the
    members joined to their coverage spans, newest first)."""
    members: dict[tuple[int, str], _Enrolled] = {}
    for plan_id, ids in wanted.items():
        rows = (
            Member.objects.filter(one_of("member_id", ids), plan_id=plan_id)
            .order_by("pk", "-coverages__start_date", "-coverages__pk")
            .values_list(
                "pk",
                "member_id",
                "coverages__pk",
                "coverages__start_date",
                "coverages__end_date",
            )
        )
        for pk, member_id, cov_pk, start, end in rows:
            enrolled = members.get((plan_id, member_id))
            if enrolled is None:
                enrolled = members[(plan_id, member_id)] = _Enrolled(pk, [])
            if cov_pk is not None:
                enrolled.coverages.append((cov_pk, start, end))
    return members


def _pick_member(
    claim: X12Claim, members: dict[tuple[int, str], _Enrolled], ctx: _Context
) -> tuple[int | None, int | None]:
    """The matched member's and coverage's primary keys (``None`` when not matched)."""
    sub = claim.subscriber
    if sub is None:
        return None, None
    plan = ctx.plan(sub.payer.payer_id)
    if plan is None:
        return None, None
    member = members.get((plan.pk, sub.member_id.upper()))
    if member is None:
        _issue(claim, f"Member {sub.member_id} is not enrolled with this payer.", "33", "IL")
        return None, None
    start = (claim.service_period or (None, None))[0]
    coverage = None
    if start is not None:
        # Coverage.covers(), on the looked-up spans.
        coverage = next(
            (pk for pk, s, e in member.coverages if s <= start and (e is None or start <= e)),
            None,
        )
        if coverage is None:
            _issue(claim, f"The member had no coverage on {start:%m/%d/%Y}.", "109", "IL")
    return member.pk, coverage


def _original(claim: X12Claim, ctx: _Context) -> Claim | None:
    if claim.frequency_code not in (ClaimFrequency.REPLACEMENT, ClaimFrequency.VOID):
        return None
    ref = claim.original_claim_number.strip().upper()
    original = Claim.objects.filter(organization_id=ctx.org_id, number=ref).first() if ref else None
    if original is None:
        _issue(claim, f"Original claim {ref or '(missing)'} was not found.", "464")
    elif original.status not in REPLACEABLE_CLAIM_STATUSES:
        _issue(claim, f"Original claim {ref} is {original.get_status_display()}.", "464")
        return None
    return original


def _set_key(claim: X12Claim) -> tuple[str, str, str]:
    t = claim.transaction
    if t is None:
        return ("", "", "")
    return (t.interchange_control_number, t.group_control_number, t.transaction_control_number)


# What a claim's row gets from the database once the batch is checked (``_flush``): its key and
# number, the matched member and coverage, the original it replaces, and the payer's plan.
_CLAIM_LATER = ("id", "number", "member_id", "coverage_id", "original_id", "health_plan_id")


def _claim_row(claim: X12Claim, *, key: str, ctx: _Context, now: datetime) -> dict[str, Any]:
    """The claim's row for ``bulkinsert`` (field attnames, as ``Claim(**row)`` would take),
    but for the ``_CLAIM_LATER`` columns: built without the database."""
    sub = claim.subscriber
    pat = claim.patient
    bp = claim.billing_provider
    period = claim.service_period or (None, None)
    institutional = claim.kind is ClaimKind.INSTITUTIONAL or claim.kind == "institutional"
    admission = claim.dates.get("435")
    discharge = claim.dates.get("096")

    def prov(p: Any) -> tuple[str, str]:
        return (p.npi[:10], p.display_name[:200]) if p else ("", "")

    rendering, referring = prov(claim.rendering_provider), prov(claim.referring_provider)
    attending, facility = prov(claim.attending_provider), prov(claim.service_facility)
    txn = claim.transaction
    return dict(
        organization_id=ctx.org_id,
        billing_tin=((bp.tax_id or bp.ssn) if bp else "")[:9],
        kind=ClaimKind.INSTITUTIONAL if institutional else ClaimKind.PROFESSIONAL,
        frequency=claim.frequency_code if claim.frequency_code in ("1", "7", "8") else "1",
        original_claim_ref=claim.original_claim_number[:50],
        status=ClaimStatus.ACCEPTED,
        created_at=now,  # the batch's moment, converted once (a default is converted per row)
        status_changed_at=now,
        billing_npi=(bp.npi if bp else "")[:10],
        billing_name=(bp.display_name if bp else "")[:200],
        billing_taxonomy=(bp.taxonomy if bp else "")[:10],
        billing_address=(
            f"{bp.address.line1}, {bp.address.city} {bp.address.state} {bp.address.postal_code}"
            if bp and bp.address
            else ""
        )[:300],
        rendering_npi=rendering[0],
        rendering_name=rendering[1],
        referring_npi=referring[0],
        referring_name=referring[1],
        attending_npi=attending[0],
        attending_name=attending[1],
        facility_npi=facility[0],
        facility_name=facility[1],
        payer_id=(sub.payer.payer_id if sub else "")[:20],
        member_number=(sub.member_id.upper() if sub else "")[:30],
        patient_first_name=(pat.first_name if pat else sub.first_name if sub else "")[:100],
        patient_last_name=(pat.last_name if pat else sub.last_name if sub else "")[:100],
        patient_dob=pat.birth_date if pat else sub.birth_date if sub else None,
        patient_sex=(pat.sex if pat else sub.sex if sub else "")[:1],
        relationship=(pat.relationship if pat else "18")[:2],
        patient_account_number=claim.patient_account_number[:38],
        place_of_service="" if institutional else claim.facility_code[:2],
        type_of_bill=claim.type_of_bill[:4] if institutional else "",
        admission_date=admission[0] if admission else None,
        admission_type=claim.admission_type[:1],
        admission_source=claim.admission_source[:1],
        patient_status=claim.patient_status[:2],
        discharge_date=discharge[0] if discharge else None,
        service_date_from=period[0],
        service_date_to=max(period[1], period[0]) if period[0] and period[1] else period[0],
        total_charge=claim.total_charge,
        prior_auth_number=claim.prior_authorization[:50],
        referral_number=claim.referral_number[:50],
        medical_record_number=claim.medical_record_number[:50],
        note=claim.note[:80],
        source=ClaimSource.X12,
        submitted_by_id=ctx.item.uploaded_by_id,
        submitted_at=now,
        submission_file_id=ctx.item.pk,
        idempotency_key=key,
        x12_control=(
            f"{txn.interchange_control_number}/{txn.transaction_control_number}/"
            f"{claim.patient_account_number}"
            if txn
            else ""
        )[:80],
    )


def _children(
    claim: X12Claim, row: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The claim's diagnosis and line rows (``bulkinsert`` dicts, ``claim_id`` later)."""
    dx = [
        {
            "sequence": i,
            "code": d.code[:8],
            "qualifier": _DX_QUALIFIER.get(d.qualifier, DiagnosisQualifier.OTHER),
            "present_on_admission": d.present_on_admission[:1],
        }
        for i, d in enumerate(claim.diagnoses[:25], start=1)
    ]
    lines = []
    for ln in claim.lines:
        mods = [*ln.modifiers[:4], "", "", "", ""]
        lines.append(
            {
                "line_number": ln.number,
                "procedure_code": ln.procedure_code[:5],
                "modifier1": mods[0][:2],
                "modifier2": mods[1][:2],
                "modifier3": mods[2][:2],
                "modifier4": mods[3][:2],
                "revenue_code": ln.revenue_code[:4],
                "diagnosis_pointers": ",".join(str(p) for p in ln.diagnosis_pointers[:4]),
                "units": ln.units,
                "unit_type": ln.unit_basis if ln.unit_basis in ("UN", "MJ", "DA") else "UN",
                "charge": ln.charge if ln.charge >= 0 else Decimal(0),
                "service_date": ln.service_date or row["service_date_from"],
                "service_date_to": ln.service_date_end or ln.service_date or row["service_date_to"],
                "place_of_service": ln.place_of_service[:2],
                "rendering_npi": (ln.rendering_provider.npi if ln.rendering_provider else "")[:10],
                "description": ln.description[:80],
                "control_number": ln.line_item_control_number[:50],
            }
        )
    return dx, lines


@dataclass
class _Batch:
    """A batch's claims with their rows converted for the database, before any check that
    needs the database (``_prepare``); ``*_owner`` give each child row's claim index."""

    claims: list[X12Claim]
    keys: list[str]
    claim_rows: PreparedInsert
    dx_rows: PreparedInsert
    dx_owner: list[int]
    line_rows: PreparedInsert
    line_owner: list[int]
    att_rows: PreparedInsert
    att_owner: list[int]
    events: PreparedInsert  # the two status events of every claim, without their claim


def _claim_key(claim: X12Claim, ctx: _Context) -> str:
    """The claim's idempotency key: the file's content, its transaction set (ST02), its place
    in the set and its CLM01 — the same for the same file sent again.

    Interchanges concatenated in one file often number their sets alike (each starts at ST02
    0001): a claim of a later interchange or group whose key an earlier one took gets its
    ISA13/GS06 in the key as well, so it is stored as a claim of its own. The same interchange
    repeated in the file keeps the key, and its claims are duplicates (``_flush``).
    """
    interchange, group, transaction_set = _set_key(claim)
    key = (
        f"x12:{ctx.item.sha256[:24]}:{transaction_set}:{claim.position}:"
        f"{claim.patient_account_number}"
    )[:150]
    owner = ctx.key_owners.setdefault(key, (interchange, group))
    if owner == (interchange, group):
        return key
    return (
        f"x12:{ctx.item.sha256[:24]}:{interchange}/{group}/{transaction_set}:{claim.position}:"
        f"{claim.patient_account_number}"
    )[:150]


def _prepare(pending: list[X12Claim], ctx: _Context) -> _Batch:
    """Build and convert a batch's rows without touching the database, so that it runs while
    the writer stores the previous batch; ``_flush`` checks the claims and adds what the
    database decides."""
    now = timezone.now()
    keys = [_claim_key(c, ctx) for c in pending]
    rows: list[dict[str, Any]] = []
    dx_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    att_rows: list[dict[str, Any]] = []
    dx_owner: list[int] = []
    line_owner: list[int] = []
    att_owner: list[int] = []
    for i, (c, key) in enumerate(zip(pending, keys, strict=True)):
        row = _claim_row(c, key=key, ctx=ctx, now=now)
        rows.append(row)
        dx, lines = _children(c, row)
        dx_rows += dx
        dx_owner += [i] * len(dx)
        line_rows += lines
        line_owner += [i] * len(lines)
        for att in [*c.attachments, *(a for ln in c.lines for a in ln.attachments)]:
            att_rows.append(
                {
                    "organization_id": ctx.org_id,
                    "report_type": att.report_type[:2],
                    "transmission_code": att.transmission_code[:2],
                    "control_number": att.control_number[:50],
                    "uploaded_by_id": ctx.item.uploaded_by_id,
                    "description": "Declared in the 837 (PWK).",
                    "created_at": now,
                }
            )
            att_owner.append(i)
    event = {"at": now, "category_code": "", "status_code": ""}
    events = [
        {
            **event,
            "from_status": ClaimStatus.DRAFT,
            "to_status": ClaimStatus.RECEIVED,
            "note": f"Received in file {ctx.item.filename}.",
            "category_code": "A1",
            "status_code": "19",
        },
        {
            **event,
            "from_status": ClaimStatus.RECEIVED,
            "to_status": ClaimStatus.ACCEPTED,
            "note": "Accepted for processing (277CA).",
            "category_code": "A2",
            "status_code": "20",
        },
    ]
    later = ("claim_id",)
    return _Batch(
        claims=pending,
        keys=keys,
        claim_rows=prepare_rows(Claim, rows, later=_CLAIM_LATER),
        dx_rows=prepare_rows(ClaimDiagnosis, dx_rows, later=later),
        dx_owner=dx_owner,
        line_rows=prepare_rows(ClaimLine, line_rows, later=later),
        line_owner=line_owner,
        att_rows=prepare_rows(ClaimAttachment, att_rows, later=later),
        att_owner=att_owner,
        events=prepare_rows(ClaimStatusEvent, events, later=later),
    )


def _flush(batch: _Batch, ctx: _Context, result: IntakeResult, writer: RowWriter) -> None:
    """Check one batch of claims and hand its rows to ``writer``: a fixed number of queries,
    whatever its size. The previous batch is stored before this one queries."""
    pending = batch.claims
    if not pending:
        return
    writer.wait()
    # Members of the batch (and their coverage) in one look-up per plan.
    wanted: dict[int, set[str]] = {}
    for c in pending:
        if c.subscriber is not None:
            plan = ctx.plan(c.subscriber.payer.payer_id)
            if plan is not None:
                wanted.setdefault(plan.pk, set()).add(c.subscriber.member_id.upper())
    members = _members(wanted)
    existing = dict(
        Claim.objects.filter(
            one_of("idempotency_key", batch.keys),
            # "isnull=False" lets SQLite use the partial unique index (org, idempotency_key).
            organization_id=ctx.org_id,
            idempotency_key__isnull=False,
        ).values_list("idempotency_key", "number")
    )
    accepted: list[tuple[int, int | None, int | None, Claim | None]] = []
    first_of_key: dict[str, int] = {}  # a key stored by this batch -> its claim's index
    repeat_of: dict[int, int] = {}  # the same claim again in this batch -> the first's index
    for i, (c, key) in enumerate(zip(pending, batch.keys, strict=True)):
        if key in existing:
            continue
        _business_checks(c, ctx)
        member, coverage = _pick_member(c, members, ctx)
        original = _original(c, ctx)
        if c.issues:
            continue
        if key in first_of_key:  # an interchange repeated in the file: stored once
            repeat_of[i] = first_of_key[key]
            continue
        first_of_key[key] = i
        accepted.append((i, member, coverage, original))
    numbers = numbers_allocate(prefix=CLAIM_PREFIX, count=len(accepted)) if accepted else []
    claim_ids = reserve_keys(Claim, len(accepted))
    stored: dict[int, tuple[int, str]] = {}  # claim index -> its key and number
    claim_lead: list[tuple[int, list[Any]]] = []
    for (i, member, coverage, original), number, claim_id in zip(
        accepted, numbers, claim_ids, strict=True
    ):
        c = pending[i]
        plan = ctx.plan(c.subscriber.payer.payer_id) if c.subscriber else None
        original_id = original.pk if original is not None else None
        claim_lead.append(
            (i, [claim_id, number, member, coverage, original_id, plan.pk if plan else None])
        )
        stored[i] = (claim_id, number)
        if original is not None:
            result.follow_ups.append((claim_id, original.pk, _set_key(c)))

    def children(rows: PreparedInsert, owners: list[int]) -> PreparedInsert:
        return rows.lead(
            ["claim_id"], ((r, [stored[i][0]]) for r, i in enumerate(owners) if i in stored)
        )

    writer.submit(
        [
            batch.claim_rows.lead(list(_CLAIM_LATER), claim_lead),
            children(batch.dx_rows, batch.dx_owner),
            children(batch.line_rows, batch.line_owner),
            batch.events.lead(
                ["claim_id"], ((e, [claim_id]) for claim_id, _ in stored.values() for e in (0, 1))
            ),
            children(batch.att_rows, batch.att_owner),
        ]
    )
    for i, (c, key) in enumerate(zip(pending, batch.keys, strict=True)):
        result.claims += 1
        dup = existing.get(key) or (stored[repeat_of[i]][1] if i in repeat_of else None)
        number = dup or stored.get(i, (0, ""))[1]
        if dup:
            result.duplicates += 1
        elif c.issues:
            result.rejected += 1
            if len(result.rejections) < MAX_REJECTIONS_LISTED:
                first = c.issues[0]
                result.rejections.append(
                    f"Claim {c.patient_account_number or '(no CLM01)'} (line {c.line}): "
                    f"{first.message} [{first.category}:{first.status_code}"
                    f"{':' + first.entity_code if first.entity_code else ''}]"
                )
        else:
            result.accepted += 1
        _remember_ack(c, number, ctx, result)


def _remember_ack(c: X12Claim, number: str, ctx: _Context, result: IntakeResult) -> None:
    txn = c.transaction
    if not result.receiver[1] and txn is not None and txn.submitter is not None:
        result.receiver = (txn.submitter.name, txn.submitter.identifier, txn.reference)
    if result.payer is None and c.subscriber is not None:
        result.payer = ctx.plan(c.subscriber.payer.payer_id)
    if not result.kind:
        result.kind = str(c.kind.value if hasattr(c.kind, "value") else c.kind)
    bp = c.billing_provider
    npi = bp.npi if bp and bp.npi else "UNKNOWN"
    ack = claim_acknowledgment(c, number if not c.issues else "", ctx.today)
    result.acks.add(
        npi,
        ack,
        _set_key(c),
        lambda: ProviderAcknowledgment(
            name=(bp.last_or_org_name if bp else "") or "UNKNOWN",
            npi=npi,
            claims=(),
            tax_id=bp.tax_id if bp else "",
            entity_type=(bp.entity_type if bp else "2") or "2",
            first_name=bp.first_name if bp else "",
        ),
    )


@contextmanager
def _throughput_tuning() -> Iterator[None]:
    """Process-wide interpreter settings for the length of one intake, restored after.

    - The cyclic GC's youngest generation is collected every 50,000 allocations, not 700: a
      batch keeps thousands of parsed claims alive, and collecting (and promoting) them every
      700 allocations cost more than a tenth of the intake's time. Nothing is left uncollected.
    - The GIL is handed over every 0.5 ms, not 5 ms: the row writer's thread wants it back after
      each statement, and the reader should not keep it waiting.
    """
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    sys.setswitchinterval(min(interval, 0.0005))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)


def ingest(stream: IO[bytes], *, ctx: _Context) -> tuple[ValidationResult, IntakeResult]:
    """Read, check and store every claim; the caller's transaction makes it all-or-nothing.

    The caller closes ``result.acks`` (the 277CA spool) once the 277CA is written."""
    reader = Claim837Reader(stream)
    result = IntakeResult()
    try:
        pending: list[X12Claim] = []
        with _throughput_tuning(), RowWriter() as writer:  # stores a batch while the next is read
            for claim in reader:
                pending.append(claim)
                if len(pending) >= BATCH:
                    _flush(_prepare(pending, ctx), ctx, result, writer)
                    pending = []
            _flush(_prepare(pending, ctx), ctx, result, writer)
        validation = reader.validation
        accepted_sets = validation.accepted_sets()
        _drop_rejected_sets(accepted_sets, ctx, result)
        for claim_pk, original_pk, set_key in result.follow_ups:
            if set_key not in accepted_sets:
                continue
            claim_obj = Claim.objects.filter(pk=claim_pk).first()
            if claim_obj is None:
                continue
            original = Claim.objects.get(pk=original_pk)
            apply_frequency(claim=claim_obj, original=original, user=ctx.item.uploaded_by)
        _match_unsolicited(ctx.org_id)
    except BaseException:
        result.acks.close()
        raise
    return validation, result


def _drop_rejected_sets(
    accepted_sets: set[tuple[str, str, str]], ctx: _Context, result: IntakeResult
) -> None:
    dropped = result.acks.set_keys() - accepted_sets
    if dropped:
        # Claims of rejected transaction sets (or of a rejected interchange) are undone.
        for icn, _gcn, stn in dropped:
            Claim.objects.filter(
                submission_file=ctx.item, x12_control__startswith=f"{icn}/{stn}/"
            ).delete()
        result.acks.drop_sets(dropped)
        kept = result.acks.totals()
        removed = result.claims - kept.accepted - kept.rejected
        result.accepted, result.rejected = kept.accepted, kept.rejected
        result.claims = kept.accepted + kept.rejected
        result.rejections.insert(
            0,
            f"{counted(removed, 'claim')} in rejected transaction sets "
            "were not processed (see the 999).",
        )


def _match_unsolicited(org_id: int) -> int:
    """Attach waiting unsolicited attachments whose control number a claim now names."""
    waiting = list(
        ClaimAttachment.objects.filter(organization_id=org_id, claim__isnull=True)
        .exclude(control_number="")
        .values_list("pk", "control_number")
    )
    matched = 0
    for pk, control in waiting:
        claim = _claim_naming_control(org_id, control)
        if claim is not None:
            ClaimAttachment.objects.filter(pk=pk).update(claim=claim, matched_at=timezone.now())
            matched += 1
    return matched


def _claim_naming_control(org_id: int, control: str) -> Claim | None:
    return claim_for_control_number(organization_id=org_id, control_number=control)


def _envelope(validation: ValidationResult, control: int) -> Envelope:
    """The 999's and the 277CA's envelope: addressed back to the file's sender."""
    return reply_envelope(validation, control_number=control, created=timezone.localtime())


def interchange_control_number() -> int:
    """The next ISA13/GS06 of the one sequence every X12 answer draws from
    (``core.interchange``, registered in ``ClaimsConfig.ready``)."""
    number = numbers_allocate(prefix="IC", count=1)[0]
    return int(number[2:]) % 999_999_999 or 1


def save_277ca(
    acks: AcknowledgmentSpool,
    *,
    item: ClaimSubmissionFile,
    validation: ValidationResult,
    receiver: tuple[str, str, str],
    payer: HealthPlan | None,
) -> str:
    """Write the 277CA from the spool to a file in storage; return its key ("" when no claim
    is acknowledged). Written through a temporary file, so it is never all in memory."""
    providers = acks.providers()
    if not providers:
        return ""
    ack = ClaimsAcknowledgment(
        payer_name=(payer.name if payer else "PORTICO")[:60],
        payer_id=(payer.payer_id if payer else "PORTICO"),
        receiver_name=receiver[0] or "UNKNOWN",
        receiver_id=receiver[1] or "UNKNOWN",
        batch_reference=receiver[2] or "0",
        received=timezone.localdate(item.created_at),
        processed=timezone.localdate(),
        providers=providers,
    )
    now = timezone.now()
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        write_277ca(ack, text, _envelope(validation, interchange_control_number()))
        text.flush()
        raw.seek(0)
        key = default_storage.save(
            f"claims/acks/{now:%Y/%m}/file-{item.pk}-{now:%H%M%S%f}.277ca.x12", File(raw)
        )
        text.detach()
    return key


def claim_file_process(*, file_id: int) -> ClaimSubmissionFile:
    """Process one queued file (the Celery task's body). Never raises for bad input.

    Delivery is at least once (the outbox relay; the broker redelivers when a worker dies), so
    a file an attempt left Processing is processed again: that attempt died, and its claims
    rolled back with its transaction. The claims, the 999 and 277CA and the final status
    commit together; a concurrent attempt waits for the file's row and then finds it done.
    """
    unfinished = (SubmissionStatus.QUEUED, SubmissionStatus.PROCESSING)
    if not ClaimSubmissionFile.objects.filter(pk=file_id, status__in=unfinished).update(
        status=SubmissionStatus.PROCESSING, started_at=timezone.now()
    ):
        return ClaimSubmissionFile.objects.get(pk=file_id)  # finished already
    with transaction.atomic():
        item = (
            ClaimSubmissionFile.objects.select_for_update(of=("self",))
            .select_related("uploaded_by")
            .get(pk=file_id)
        )
        if item.status != SubmissionStatus.PROCESSING:
            return item  # another attempt finished it while this one waited
        access = claims_access(user=item.uploaded_by)
        ctx = _Context(item=item, submit_tins=access.submit.get(item.organization_id, frozenset()))
        validation: ValidationResult | None = None
        result = IntakeResult()
        try:
            with transaction.atomic():
                with default_storage.open(item.file_key, "rb") as stream:
                    validation, result = ingest(stream, ctx=ctx)
                if validation.fatal is not None or not validation.accepted_sets():
                    transaction.set_rollback(True)
        except (X12Error, OSError, UnicodeError, ValueError) as exc:  # unreadable beyond the 999
            log.warning("claim file %s could not be processed: %s", item.pk, exc)
            result = IntakeResult(rejections=[f"The file could not be processed: {exc}"])
        with result.acks:
            return _finish(item, validation, result)


def _finish(
    item: ClaimSubmissionFile, validation: ValidationResult | None, result: IntakeResult
) -> ClaimSubmissionFile:
    ack_999 = ack_277_key = ""
    payer = result.payer
    if validation is not None:
        try:
            ack_999 = build_999(validation, _envelope(validation, interchange_control_number()))
        except X12Error as exc:
            result.rejections.append(f"No 999 could be written: {exc}")
        if validation.accepted_sets():
            try:
                ack_277_key = save_277ca(
                    result.acks,
                    item=item,
                    validation=validation,
                    receiver=result.receiver,
                    payer=payer,
                )
            except X12Error as exc:
                result.rejections.append(f"No 277CA could be written: {exc}")
    set_ok = bool(validation and validation.accepted_sets())
    if not set_ok:
        status = SubmissionStatus.REJECTED
        result.accepted = result.rejected = result.duplicates = 0
        result.claims = 0
    elif validation is not None and validation.accepted and result.rejected == 0:
        status = SubmissionStatus.ACCEPTED
    else:
        status = SubmissionStatus.ACCEPTED_WITH_ERRORS
    summary = "\n".join(result.rejections)
    if validation is not None and not validation.accepted:
        summary = "\n".join([*describe_999_problems(validation), summary]).strip()
    with transaction.atomic():
        ClaimSubmissionFile.objects.filter(pk=item.pk).update(
            status=status,
            kind=result.kind if result.kind in ClaimKind.values else "",
            transaction_count=sum(len(g.transaction_sets) for g in validation.groups())
            if validation
            else 0,
            claim_count=result.claims,
            accepted_count=result.accepted,
            rejected_count=result.rejected,
            duplicate_count=result.duplicates,
            ack_999=ack_999,
            ack_277ca_key=ack_277_key,
            error_summary=summary[:20000],
            finished_at=timezone.now(),
        )
        audit_record(
            action="portico.claim_file.processed",
            actor=item.uploaded_by,
            obj=item,
            organization_id=item.organization_id,
            changes={
                "status": status,
                "accepted": result.accepted,
                "rejected": result.rejected,
                "duplicates": result.duplicates,
            },
        )
    item.refresh_from_db()
    return item


def describe_999_problems(validation: ValidationResult) -> list[str]:
    """The 999's findings in words: interchange notes, group and set errors, segment and
    element positions."""
    out: list[str] = []
    if validation.fatal is not None:
        out.append(f"The file could not be read as X12: {validation.fatal}")
    for ix in validation.interchanges:
        for msg in ix.messages:
            out.append(f"Interchange {ix.control_number}: {msg}")
        for g in ix.groups:
            for gerr in g.errors:
                out.append(
                    f"Functional group {g.control_number}: error {gerr.value} "
                    f"({gerr.name.replace('_', ' ').lower()})."
                )
            for ts in g.transaction_sets:
                for terr in ts.errors:
                    out.append(
                        f"Transaction set {ts.control_number}: error {terr.value} "
                        f"({terr.name.replace('_', ' ').lower()})."
                    )
                for se in ts.segment_errors:
                    where = f"segment {se.segment_id} at position {se.position}"
                    if se.line:
                        where += f" (line {se.line})"
                    detail = se.message or se.effective_code.name.replace("_", " ").lower()
                    elems = "; ".join(
                        f"element {e.position}{'-' + str(e.component) if e.component else ''}: "
                        f"{e.message or e.code.name.replace('_', ' ').lower()}"
                        for e in se.elements
                    )
                    out.append(
                        f"Transaction set {ts.control_number}, {where}: {detail}"
                        + (f" — {elems}" if elems else "")
                    )
    if not validation.interchanges and validation.fatal is None:
        out.append("No interchange (ISA) was found in the file.")
    return out
