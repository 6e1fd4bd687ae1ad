"""Reads of the Claims Online Portal, scoped to the user's Claims grants (practice + TINs).

A claim is visible to a user when its practice is the practice of one of the user's active
Claims grants *and* its billing TIN is one of that grant's TINs. Anything else answers 404.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.http import Http404

from portico.claims.models import (
    Appeal,
    AppealStatus,
    Claim,
    ClaimAttachment,
    ClaimDiagnosis,
    ClaimLine,
    ClaimStatus,
    ClaimSubmissionFile,
    FeeSchedule,
    FeeScheduleRate,
)
from portico.codes.selectors import icd10_description_of
from portico.core.lookups import same_ignoring_case
from portico.members.models import Member
from portico.organizations.models import Application, ApplicationGrant
from portico.organizations.selectors import grants_for_user


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimsAccess:
    """What one user may see and do in the Claims Online Portal."""

    view: dict[int, frozenset[str]] = field(default_factory=dict)  # org id -> TINs
    submit: dict[int, frozenset[str]] = field(default_factory=dict)  # org id -> TINs

    @property
    def has_access(self) -> bool:
        return bool(self.view)

    @property
    def can_submit(self) -> bool:
        return any(self.submit.values())

    @property
    def tins(self) -> set[str]:
        return {t for tins in self.view.values() for t in tins}

    @property
    def submit_tins(self) -> set[str]:
        return {t for tins in self.submit.values() for t in tins}

    def q(self, prefix: str = "") -> Q:
        """A filter matching the claims this user may see (``prefix`` e.g. ``"claim__"``)."""
        q = Q(pk__in=[])
        for org_id, tins in self.view.items():
            q |= Q(**{f"{prefix}organization_id": org_id, f"{prefix}billing_tin__in": list(tins)})
        return q

    def org_for_tin(self, tin: str, *, submit: bool = False) -> int | None:
        source = self.submit if submit else self.view
        for org_id, tins in source.items():
            if tin in tins:
                return org_id
        return None


def claims_access(*, user: Any) -> ClaimsAccess:
    view: dict[int, set[str]] = {}
    submit: dict[int, set[str]] = {}
    grants: QuerySet[ApplicationGrant] = grants_for_user(user=user, application=Application.CLAIMS)
    for grant in grants:
        if grant.organization is None or not grant.organization.is_active:
            continue
        tins = {str(t) for t in (grant.scope or {}).get("tins", []) if t}
        if not tins:
            continue
        org_id = grant.organization.pk
        view.setdefault(org_id, set()).update(tins)
        if (grant.scope or {}).get("submit_claims"):
            submit.setdefault(org_id, set()).update(tins)
    return ClaimsAccess(
        view={k: frozenset(v) for k, v in view.items()},
        submit={k: frozenset(v) for k, v in submit.items()},
    )


def user_has_claims_access(*, user: Any) -> bool:
    return claims_access(user=user).has_access


def user_may_submit(*, user: Any) -> bool:
    return claims_access(user=user).can_submit


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------
def claims_for_user(*, user: Any) -> QuerySet[Claim]:
    access = claims_access(user=user)
    if not access.has_access:
        return Claim.objects.none()
    return Claim.objects.filter(access.q())


def claim_get_for_user(*, user: Any, number: str) -> Claim:
    claim = (
        claims_for_user(user=user)
        .filter(number=number)
        .select_related("health_plan", "member", "coverage", "original", "submission_file")
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def diagnoses_with_descriptions() -> Prefetch:
    """A claim's diagnoses, each with its ICD-10-CM description (``description``), for the
    pages that show them (in the same query)."""
    return Prefetch(
        "diagnoses",
        queryset=ClaimDiagnosis.objects.annotate(description=icd10_description_of("code")),
    )


def claim_detail_for_user(*, user: Any, number: str) -> Claim:
    """The claim with everything the detail page shows, prefetched."""
    claim = claim_get_for_user(user=user, number=number)
    return (
        Claim.objects.filter(pk=claim.pk)
        .select_related("health_plan", "member", "coverage", "original", "submission_file")
        .prefetch_related(
            diagnoses_with_descriptions(),
            Prefetch("lines", queryset=ClaimLine.objects.prefetch_related("adjustments")),
            "status_events__by",
            "attachments",
            Prefetch("appeals", queryset=Appeal.objects.select_related("line")),
            "replacements",
        )
        .get()
    )


def claim_get(*, pk: int) -> Claim:
    """Unscoped read by id (back office, tasks). Never call from a provider-facing view."""
    claim = Claim.objects.filter(pk=pk).first()
    if claim is None:
        raise Http404("No such claim.")
    return claim


def claim_get_by_number(*, number: str) -> Claim:
    """Unscoped read by claim number (back office, tasks)."""
    claim = Claim.objects.filter(number=number).first()
    if claim is None:
        raise Http404("No such claim.")
    return claim


def drafts_for_user(*, user: Any) -> QuerySet[Claim]:
    return claims_for_user(user=user).filter(status=ClaimStatus.DRAFT, submitted_by=user)


# -- search ----------------------------------------------------------------------------------
SORTS: dict[str, tuple[str, str]] = {
    # key -> (field, direction); ties broken by id in the same direction.
    "-submitted": ("submitted_at", "desc"),
    "submitted": ("submitted_at", "asc"),
    "-dos": ("service_date_from", "desc"),
    "dos": ("service_date_from", "asc"),
    "-charge": ("total_charge", "desc"),
    "charge": ("total_charge", "asc"),
    "-number": ("number", "desc"),
    "number": ("number", "asc"),
}
DEFAULT_SORT = "-submitted"
# Searching by date of service without choosing an order lists the newest service dates first:
# what the office asked about, and an order the (billing_tin, -service_date_from) index walks
# from the window's end. Newest-submitted order over a window weeks back would skip every
# claim submitted since (decision 0011).
DOS_SEARCH_SORT = "-dos"


@dataclass
class ClaimSearch:
    number: str = ""
    patient_account_number: str = ""
    member_id: str = ""
    patient_name: str = ""
    dos_from: dt.date | None = None
    dos_to: dt.date | None = None
    status: str = ""
    billed_min: Decimal | None = None
    billed_max: Decimal | None = None
    tin: str = ""
    sort: str = ""  # one of SORTS; empty: effective_sort() chooses
    include_drafts: bool = False


def effective_sort(search: ClaimSearch) -> str:
    if search.sort in SORTS:
        return search.sort
    return DOS_SEARCH_SORT if search.dos_from or search.dos_to else DEFAULT_SORT


@dataclass
class ClaimPage:
    items: list[Claim]
    next_cursor: str
    prev_cursor: str
    sort: str


def _encode_cursor(value: Any, pk: int, direction: str) -> str:
    raw = json.dumps([None if value is None else str(value), pk, direction])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str | None, int, str] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk, direction = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if direction not in ("next", "prev") or not isinstance(pk, int):
            return None
        return value, pk, direction
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def cursor_is_valid(cursor: str) -> bool:
    """Whether ``cursor`` is one this search handed out (the API refuses any other)."""
    return _decode_cursor(cursor) is not None


def _cursor_value(field_name: str, raw: str | None) -> Any:
    if raw is None:
        return None
    if field_name == "submitted_at":
        return dt.datetime.fromisoformat(raw)
    if field_name == "service_date_from":
        return dt.date.fromisoformat(raw)
    if field_name == "total_charge":
        return Decimal(raw)
    return raw


def claims_search(
    *, user: Any, search: ClaimSearch, cursor: str = "", limit: int = 25
) -> ClaimPage:
    """Keyset-paginated search over the user's claims (fast on millions of rows).

    Pagination is by (sort value, id): no OFFSET, so page 10,000 costs what page 1 costs.
    Rows with a NULL sort value (drafts: no submitted_at) come last and are only shown when
    ``include_drafts``.
    """
    access = claims_access(user=user)
    sort = effective_sort(search)
    field_name, direction = SORTS[sort]
    if not access.has_access:
        return ClaimPage([], "", "", sort)
    qs = Claim.objects.all()
    tins_filter = search.tin.replace("-", "").strip()
    scope = Q(pk__in=[])
    for org_id, tins in access.view.items():
        wanted = [t for t in tins if not tins_filter or t == tins_filter]
        if wanted:
            scope |= Q(organization_id=org_id, billing_tin__in=wanted)
    qs = qs.filter(scope)
    if search.number:
        qs = qs.filter(number=search.number.strip().upper())
    if search.patient_account_number:
        qs = qs.filter(patient_account_number=search.patient_account_number.strip())
    if search.member_id:
        qs = qs.filter(member_number=search.member_id.strip().upper())
    if search.patient_name:
        parts = search.patient_name.replace(",", " ").split()
        if len(parts) == 1:
            qs = qs.filter(same_ignoring_case("patient_last_name", parts[0]))
        elif parts:
            first_last = Q(same_ignoring_case("patient_first_name", parts[0])) & Q(
                same_ignoring_case("patient_last_name", parts[-1])
            )
            last_first = Q(same_ignoring_case("patient_last_name", parts[0])) & Q(
                same_ignoring_case("patient_first_name", parts[-1])
            )
            qs = qs.filter(first_last | last_first)
    if search.dos_from:
        qs = qs.filter(service_date_to__gte=search.dos_from)
    if search.dos_to:
        qs = qs.filter(service_date_from__lte=search.dos_to)
    if search.status:
        qs = qs.filter(status=search.status)
    elif not search.include_drafts:
        qs = qs.exclude(status=ClaimStatus.DRAFT)
    if search.billed_min is not None:
        qs = qs.filter(total_charge__gte=search.billed_min)
    if search.billed_max is not None:
        qs = qs.filter(total_charge__lte=search.billed_max)
    qs = qs.filter(**{f"{field_name}__isnull": False})

    decoded = _decode_cursor(cursor) if cursor else None
    backwards = decoded is not None and decoded[2] == "prev"
    desc = (direction == "desc") != backwards
    if decoded is not None:
        try:
            value = _cursor_value(field_name, decoded[0])
        except (ValueError, InvalidOperation):
            value = None
        if value is not None:
            op = "lt" if desc else "gt"
            # "<= v AND (< v OR id < pk)": the first term is a range an index can seek.
            qs = qs.filter(**{f"{field_name}__{op}e": value}).filter(
                Q(**{f"{field_name}__{op}": value}) | Q(**{f"pk__{op}": decoded[1]})
            )
    order = [f"-{field_name}", "-pk"] if desc else [field_name, "pk"]
    rows = list(qs.order_by(*order).select_related("health_plan")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = (decoded is not None) if not backwards else more
    next_cursor = prev_cursor = ""
    if rows and has_next:
        last = rows[-1]
        next_cursor = _encode_cursor(getattr(last, field_name), last.pk, "next")
    if rows and has_prev:
        first = rows[0]
        prev_cursor = _encode_cursor(getattr(first, field_name), first.pk, "prev")
    return ClaimPage(rows, next_cursor, prev_cursor, sort)


def recent_claims_for_user(*, user: Any, limit: int = 10) -> list[Claim]:
    return claims_search(user=user, search=ClaimSearch(), limit=limit).items


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    claims: int


def claim_status_counts_for_user(*, user: Any) -> list[StatusCount]:
    """Submitted claims per status, in the lifecycle's order, with the statuses' names."""
    rows = (
        claims_for_user(user=user)
        .exclude(status=ClaimStatus.DRAFT)
        .values("status")
        .annotate(n=Count("id"))
    )
    found = {r["status"]: r["n"] for r in rows}
    return [
        StatusCount(status.value, str(status.label), found[status.value])
        for status in ClaimStatus
        if status.value in found
    ]


def action_items_for_user(*, user: Any, limit: int = 10) -> dict[str, list[Any]]:
    """Things needing the practice's attention: pended and rejected claims, open drafts."""
    qs = claims_for_user(user=user)
    return {
        "pended": list(qs.filter(status=ClaimStatus.PENDED).order_by("-status_changed_at")[:limit]),
        "rejected": list(
            qs.filter(status=ClaimStatus.REJECTED).order_by("-status_changed_at")[:limit]
        ),
        "drafts": list(drafts_for_user(user=user).order_by("-updated_at")[:limit]),
    }


def claims_by_reference_for_user(*, user: Any, reference: str) -> QuerySet[Claim]:
    """Claims matching a claim number or a patient account number (replacement/void look-up)."""
    ref = reference.strip()
    return claims_for_user(user=user).filter(Q(number=ref.upper()) | Q(patient_account_number=ref))


# ---------------------------------------------------------------------------
# Submission files
# ---------------------------------------------------------------------------
def claim_files_for_user(*, user: Any) -> QuerySet[ClaimSubmissionFile]:
    access = claims_access(user=user)
    if not access.has_access:
        return ClaimSubmissionFile.objects.none()
    return ClaimSubmissionFile.objects.filter(organization_id__in=list(access.view)).order_by(
        "-created_at", "-id"
    )


def claim_file_get_for_user(*, user: Any, pk: int) -> ClaimSubmissionFile:
    item = claim_files_for_user(user=user).filter(pk=pk).first()
    if item is None:
        raise Http404("No such file.")
    return item


ACK_PREVIEW_CHARS = 20_000


def claim_file_ack_open(*, item: ClaimSubmissionFile, which: str) -> IO[bytes] | None:
    """The file's 999 (kept in its row) or 277CA (a file in storage: it lists every claim) as
    a byte stream, or ``None`` when there is none. The caller closes it."""
    if which == "999":
        return io.BytesIO(item.ack_999.encode("utf-8")) if item.ack_999 else None
    if which == "277ca" and item.ack_277ca_key:
        return default_storage.open(item.ack_277ca_key, "rb")
    return None


def claim_file_ack_preview(*, item: ClaimSubmissionFile, which: str) -> tuple[str, bool]:
    """The acknowledgment's first ``ACK_PREVIEW_CHARS`` characters for the page, and whether
    there is more (the download has it all)."""
    stream = claim_file_ack_open(item=item, which=which)
    if stream is None:
        return "", False
    with stream:
        head = stream.read(ACK_PREVIEW_CHARS + 1).decode("utf-8", errors="replace")
    return head[:ACK_PREVIEW_CHARS], len(head) > ACK_PREVIEW_CHARS


# ---------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------
def attachment_get_for_user(*, user: Any, pk: int) -> ClaimAttachment:
    access = claims_access(user=user)
    if not access.has_access:
        raise Http404("No such attachment.")
    item = (
        ClaimAttachment.objects.filter(pk=pk)
        .filter(
            Q(claim__isnull=True, organization_id__in=list(access.view))
            | Q(claim__isnull=False) & access.q("claim__")
        )
        .select_related("claim")
        .first()
    )
    if item is None or not item.file_key:
        raise Http404("No such attachment.")
    return item


def unsolicited_attachments_for_user(*, user: Any) -> QuerySet[ClaimAttachment]:
    access = claims_access(user=user)
    return ClaimAttachment.objects.filter(
        claim__isnull=True, organization_id__in=list(access.view)
    ).order_by("-created_at")


# ---------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------
def appeals_for_user(*, user: Any) -> QuerySet[Appeal]:
    access = claims_access(user=user)
    if not access.has_access:
        return Appeal.objects.none()
    return Appeal.objects.filter(access.q("claim__")).select_related("claim", "line")


def appeals_search(
    *,
    user: Any,
    status: str = "",
    claim_number: str = "",
    filed_from: dt.date | None = None,
    filed_to: dt.date | None = None,
    reason: str = "",
) -> QuerySet[Appeal]:
    qs = appeals_for_user(user=user)
    if status == "open":
        qs = qs.filter(status__in=[AppealStatus.RECEIVED, AppealStatus.IN_REVIEW])
    elif status:
        qs = qs.filter(status=status)
    if claim_number:
        qs = qs.filter(claim__number=claim_number.strip().upper())
    if reason:
        qs = qs.filter(reason=reason)
    if filed_from:
        qs = qs.filter(filed_at__date__gte=filed_from)
    if filed_to:
        qs = qs.filter(filed_at__date__lte=filed_to)
    return qs.order_by("-filed_at", "-id")


def appeal_get_for_user(*, user: Any, number: str) -> Appeal:
    appeal = (
        appeals_for_user(user=user)
        .filter(number=number)
        .prefetch_related("attachments", "status_events__by")
        .first()
    )
    if appeal is None:
        raise Http404("No such appeal.")
    return appeal


def appeal_attachment_get_for_user(*, user: Any, number: str, pk: int) -> Any:
    appeal = appeal_get_for_user(user=user, number=number)
    item = appeal.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404("No such attachment.")
    return item


def appeal_get(*, pk: int) -> Appeal:
    """Unscoped read by id (back office)."""
    appeal = Appeal.objects.filter(pk=pk).select_related("claim", "line").first()
    if appeal is None:
        raise Http404("No such appeal.")
    return appeal


# ---------------------------------------------------------------------------
# For other apps: Physician Info Portal, remittance, adjudication
# ---------------------------------------------------------------------------
def claims_for_member(*, member: Member) -> QuerySet[Claim]:
    """A member's submitted claims, newest service first (no user scoping: the caller's
    own selectors decide whether the user may see this member)."""
    return (
        Claim.objects.filter(member=member)
        .exclude(status__in=[ClaimStatus.DRAFT, ClaimStatus.REJECTED])
        .order_by("-service_date_from", "-id")
    )


@dataclass(frozen=True)
class MemberDiagnosis:
    code: str
    first_seen: dt.date | None
    last_seen: dt.date | None
    claim_count: int


def claims_for_member_diagnoses(*, member: Member) -> list[MemberDiagnosis]:
    """Every ICD-10-CM code billed for the member, with first/last date of service."""
    rows = (
        ClaimDiagnosis.objects.filter(claim__member=member)
        .exclude(claim__status__in=[ClaimStatus.DRAFT, ClaimStatus.REJECTED, ClaimStatus.VOIDED])
        .values("code")
        .annotate(
            first=Min("claim__service_date_from"),
            last=Max("claim__service_date_to"),
            n=Count("claim", distinct=True),
        )
        .order_by("-last", "code")
    )
    return [MemberDiagnosis(r["code"], r["first"], r["last"], r["n"]) for r in rows]


def fee_schedule_for(*, plan_id: int, kind: str, on: dt.date) -> FeeSchedule | None:
    return (
        FeeSchedule.objects.filter(
            health_plan_id=plan_id, kind=kind, is_active=True, effective_date__lte=on
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-effective_date")
        .first()
    )


def fee_rate_for(
    *,
    schedule: FeeSchedule,
    procedure_code: str = "",
    modifier: str = "",
    revenue_code: str = "",
    on: dt.date | None = None,
) -> FeeScheduleRate | None:
    """The rate for a line: exact modifier match first, then the code without modifier."""
    qs = schedule.rates.all()
    if on is not None:
        qs = qs.filter(Q(effective_date__isnull=True) | Q(effective_date__lte=on)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )
    if procedure_code:
        rows = list(qs.filter(procedure_code=procedure_code, modifier__in=[modifier, ""]))
        rows.sort(key=lambda r: r.modifier != modifier)
        if rows:
            return rows[0]
    if revenue_code:
        return qs.filter(revenue_code=revenue_code).first()
    return None
