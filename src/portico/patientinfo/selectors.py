"""Reads of the Physician Info Portal, every one scoped by the user's PIP grants.

A PIP grant (``ApplicationGrant`` for ``patientinfo``) names a practice and a scope:
``regions``, ``roles`` (staff / pcp / specialist, one or more), ``cap_report`` and ``add_terms``.
A member is visible through a grant when the member's region is one of the grant's regions and
the member is attributed to one of the practice's PCPs (not when the grant's only role is
specialist), was treated by one of the practice's providers (an encounter), or was referred to
one of them (an approved referral). Anything else is "not found", exactly like a member ID that
does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404

from portico.claims.selectors import claims_for_member_diagnoses
from portico.codes.models import icd10_display
from portico.codes.selectors import icd10_description_of, icd10_descriptions
from portico.codes.validators import normalize_icd10_code
from portico.core.models import AuditEvent
from portico.members.models import Coverage, Member
from portico.members.validators import normalize_member_id
from portico.organizations.models import (
    Application,
    Membership,
    OrganizationProvider,
    pip_roles,
)
from portico.organizations.selectors import grants_for_user
from portico.patientinfo.models import (
    Encounter,
    EncounterDiagnosis,
    PcpAssignment,
    PharmacyClaim,
    first_of_month,
)
from portico.referrals.models import Referral
from portico.referrals.selectors import member_ids_referred_to, referrals_for_member

ROLES = ("staff", "pcp", "specialist")
MAX_NAME_RESULTS = 10
MAX_REPORT_MONTHS = 12


class SearchRefused(Exception):
    """A look-up that would fish through the member file; ``message`` says what to add,
    ``code`` says why for the audit log (incomplete, not_a_name, too_many)."""

    def __init__(self, message: str, *, field: str = "", code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass(frozen=True)
class PipScope:
    organization_id: int
    organization_name: str
    regions: frozenset[str]
    roles: tuple[str, ...]
    cap_report: bool
    add_terms: bool
    provider_ids: tuple[int, ...]

    @property
    def region_codes(self) -> list[str]:
        """The regions in a stable order, for people to read (a set has none)."""
        return sorted(self.regions)


def pip_scopes_for_user(*, user: Any) -> list[PipScope]:
    """One scope per active PIP grant of an active practice the user still belongs to.

    One query: each grant comes once per active provider of its practice (a filtered left
    join), or once with no provider."""
    rows = (
        grants_for_user(user=user, application=Application.PATIENT_INFO)
        .filter(
            organization__isnull=False,
            organization__is_active=True,
            organization__memberships__user=user,
            organization__memberships__is_active=True,
        )
        .annotate(
            active_link=FilteredRelation(
                "organization__provider_links",
                condition=Q(
                    organization__provider_links__status=OrganizationProvider.Status.ACTIVE
                ),
            ),
            linked_provider_id=F("active_link__provider_id"),
        )
        .order_by("pk")
    )
    grants: dict[int, Any] = {}
    providers: dict[int, set[int]] = defaultdict(set)
    for grant in rows:
        grants.setdefault(grant.pk, grant)
        if grant.linked_provider_id is not None:
            providers[grant.pk].add(grant.linked_provider_id)
    scopes = []
    for grant in grants.values():
        scope = grant.scope or {}
        regions = frozenset(str(r) for r in scope.get("regions") or [])
        roles = tuple(r for r in pip_roles(scope) if r in ROLES) or ("staff",)
        assert grant.organization is not None
        scopes.append(
            PipScope(
                organization_id=grant.organization_id or 0,
                organization_name=grant.organization.name,
                regions=regions,
                roles=roles,
                cap_report=bool(scope.get("cap_report")),
                add_terms=bool(scope.get("add_terms")),
                provider_ids=tuple(sorted(providers[grant.pk])),
            )
        )
    return scopes


def user_has_pip_access(*, user: Any) -> bool:
    return bool(pip_scopes_for_user(user=user))


def _scope_condition(scope: PipScope) -> Q:
    """The members visible through one grant, as a condition on ``Member``."""
    if not scope.regions:
        return Q(pk__in=[])
    reasons = Q(
        Exists(Encounter.objects.filter(member=OuterRef("pk"), provider_id__in=scope.provider_ids))
    ) | Q(
        Exists(
            member_ids_referred_to(provider_ids=list(scope.provider_ids)).filter(
                member=OuterRef("pk")
            )
        )
    )
    if set(scope.roles) != {"specialist"}:  # a PCP's or staff's view: the PCP panel too
        reasons |= Q(
            Exists(
                PcpAssignment.objects.filter(
                    member=OuterRef("pk"), organization_id=scope.organization_id
                )
            )
        )
    return Q(region__in=scope.regions) & reasons


def visible_members(*, user: Any, scopes: list[PipScope] | None = None) -> QuerySet[Member]:
    scopes = pip_scopes_for_user(user=user) if scopes is None else scopes
    if not scopes:
        return Member.objects.none()
    condition = Q(pk__in=[])
    for scope in scopes:
        condition |= _scope_condition(scope)
    return Member.objects.filter(condition)


def _visible_candidates(candidates: QuerySet[Member], scopes: list[PipScope]) -> QuerySet[Member]:
    """``candidates`` (a few members picked by an indexed key: pk, member ID, name + DOB)
    narrowed to those visible through ``scopes``, annotated with ``pip_scope``: the index in
    ``scopes`` of the first grant that shows the member.

    The grants' conditions are evaluated only for the candidate rows (each reason is an
    ``EXISTS`` probing an index on ``member_id``), never as a set over the whole member file.
    """
    usable = [(i, s) for i, s in enumerate(scopes) if s.regions]
    if not usable:
        return candidates.none()
    first = Case(
        *[When(_scope_condition(s), then=Value(i)) for i, s in usable],
        default=Value(None),
        output_field=IntegerField(),
    )
    return candidates.annotate(pip_scope=first).filter(pip_scope__isnull=False)


def scope_for_member(*, member: Member, scopes: list[PipScope]) -> PipScope | None:
    """The first grant through which ``member`` is visible (None: not visible)."""
    found = _visible_candidates(Member.objects.filter(pk=member.pk), scopes).only("pk").first()
    return None if found is None else scopes[found.pip_scope]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Look-up
# ---------------------------------------------------------------------------
_NAME_PUNCTUATION = frozenset(" '.-")


def _is_name(text: str) -> bool:
    """Letters of any alphabet (Peña, Zoë, Nguyễn), spaces, hyphens, apostrophes and periods,
    starting with a letter: no wildcards, digits (``²`` included) or other symbols."""
    return (
        bool(text)
        and text[0].isalpha()
        and all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in text)
    )


def patient_lookup_by_member_id(
    *, user: Any, member_id: str, scopes: list[PipScope] | None = None
) -> list[Member]:
    """Members with this member ID the user may see (one per plan; usually one or none).

    ``scopes``: the user's PIP scopes when the caller already has them (one query less)."""
    normalized = normalize_member_id(member_id)
    if not normalized:
        raise SearchRefused("Enter the member ID.", field="member_id", code="incomplete")
    scopes = pip_scopes_for_user(user=user) if scopes is None else scopes
    candidates = Member.objects.filter(member_id=normalized)
    return list(
        _visible_candidates(candidates, scopes)
        .select_related("plan")
        .order_by("plan__name", "pk")[:MAX_NAME_RESULTS]
    )


def patient_search_by_name(
    *,
    user: Any,
    last_name: str,
    first_name: str,
    date_of_birth: dt.date | None,
    scopes: list[PipScope] | None = None,
) -> list[Member]:
    """Members by last name (whole, any case), first name (start, optional) and exact DOB.

    Both the name and the date of birth are required; wildcards are refused, and so is a
    search that matches more than ``MAX_NAME_RESULTS`` members (add the first name or use the
    member ID).
    """
    last, first = last_name.strip(), first_name.strip()
    if not last or date_of_birth is None:
        raise SearchRefused(
            "Enter both the patient's last name and date of birth, or search by member ID.",
            field="last_name" if not last else "date_of_birth",
            code="incomplete",
        )
    if len(last) < 2 or not _is_name(last) or (first and not _is_name(first)):
        raise SearchRefused(
            "Enter the patient's whole last name (letters, spaces, hyphens and apostrophes "
            "only; no wildcards).",
            field="last_name",
            code="not_a_name",
        )
    scopes = pip_scopes_for_user(user=user) if scopes is None else scopes
    # ``last_name__iexact`` is ``UPPER(last_name) = UPPER(...)``: the member_upper_last_dob index.
    candidates = Member.objects.filter(date_of_birth=date_of_birth, last_name__iexact=last)
    qs = _visible_candidates(candidates, scopes)
    if first:
        qs = qs.filter(first_name__istartswith=first)
    rows = list(
        qs.select_related("plan").order_by("last_name", "first_name")[: MAX_NAME_RESULTS + 1]
    )
    if len(rows) > MAX_NAME_RESULTS:
        raise SearchRefused(
            "Too many patients match. Add the first name, or search by member ID.",
            field="first_name",
            code="too_many",
        )
    return rows


def patient_get_for_user(
    *, user: Any, pk: int, scopes: list[PipScope] | None = None
) -> tuple[Member, PipScope]:
    """The member and the grant that shows it; 404 for any member outside the user's view.

    One query: the member, its plan and PCP, and which grant shows it."""
    scopes = pip_scopes_for_user(user=user) if scopes is None else scopes
    member = (
        _visible_candidates(Member.objects.filter(pk=pk), scopes)
        .select_related("plan", "pcp")
        .first()
    )
    if member is None:
        raise Http404("Patient not found.")
    return member, scopes[member.pip_scope]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DiagnosisRow:
    code: str
    display: str
    description: str
    first_seen: dt.date
    last_seen: dt.date
    times: int


@dataclass
class PatientSummary:
    member: Member
    coverages: list[Coverage]
    current_coverage: Coverage | None
    pcp_assignment: PcpAssignment | None
    referrals: list[Referral]
    diagnoses: list[DiagnosisRow]
    prescriptions: list[PharmacyClaim]
    rx_from: dt.date | None = None
    rx_to: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # More fills matched than ``rx_limit`` shows: the page says so (print and PDF show all).
    prescriptions_truncated: bool = False


def diagnoses_for_member(*, member: Member, include_claims: bool = True) -> list[DiagnosisRow]:
    """Each ICD-10-CM code once, with the first and last date it was reported (encounters and
    submitted claims, via ``claims.selectors.claims_for_member_diagnoses``), newest first."""
    seen: dict[str, list[Any]] = {}
    texts: dict[str, str] = {}
    rows = (
        EncounterDiagnosis.objects.filter(member=member)
        .values("code")
        .annotate(
            first=Min("service_date"),
            last=Max("service_date"),
            times=Count("id"),
            description=icd10_description_of("code"),
        )
    )
    for row in rows:  # one query: the aggregate and each code's description
        seen[row["code"]] = [row["first"], row["last"], row["times"]]
        if row["description"] is not None:
            texts[row["code"]] = row["description"]
    for dx in claims_for_member_diagnoses(member=member) if include_claims else []:
        first = dx.first_seen or dx.last_seen
        last = dx.last_seen or dx.first_seen
        if first is None or last is None:
            continue
        entry = seen.setdefault(normalize_icd10_code(dx.code), [first, last, 0])
        entry[0], entry[1] = min(entry[0], first), max(entry[1], last)
        entry[2] += dx.claim_count
    missing = [code for code in seen if code not in texts]  # codes only on claims
    if missing:
        texts.update(icd10_descriptions(codes=missing))
    result = [
        DiagnosisRow(code, icd10_display(code), texts.get(code, ""), v[0], v[1], v[2])
        for code, v in seen.items()
    ]
    return sorted(result, key=lambda r: (r.last_seen, r.code), reverse=True)


def prescriptions_for_member(
    *, member: Member, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[PharmacyClaim]:
    qs = PharmacyClaim.objects.filter(member=member)
    if date_from:
        qs = qs.filter(fill_date__gte=date_from)
    if date_to:
        qs = qs.filter(fill_date__lte=date_to)
    return qs.order_by("-fill_date", "-id")


def current_pcp_assignment(*, member: Member, on: dt.date) -> PcpAssignment | None:
    month = first_of_month(on)
    return (
        PcpAssignment.objects.filter(member=member, start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .select_related("provider", "organization")
        .order_by("-start_month")
        .first()
    )


def patient_summary(
    *,
    member: Member,
    today: dt.date,
    rx_from: dt.date | None = None,
    rx_to: dt.date | None = None,
    rx_limit: int | None = 200,
) -> PatientSummary:
    coverages = list(member.coverages.select_related("plan").order_by("-start_date"))
    current = next((c for c in coverages if c.covers(today)), None)
    rx = prescriptions_for_member(member=member, date_from=rx_from, date_to=rx_to)
    fills = list(rx[: rx_limit + 1] if rx_limit else rx)
    return PatientSummary(
        member=member,
        coverages=coverages,
        current_coverage=current,
        pcp_assignment=current_pcp_assignment(member=member, on=today),
        referrals=list(referrals_for_member(member=member)[:100]),
        diagnoses=diagnoses_for_member(member=member),
        prescriptions=fills[:rx_limit] if rx_limit else fills,
        rx_from=rx_from,
        rx_to=rx_to,
        prescriptions_truncated=bool(rx_limit) and len(fills) > (rx_limit or 0),
    )


# ---------------------------------------------------------------------------
# Cap Report and Add/Terms
# ---------------------------------------------------------------------------
def cap_report_scopes(*, user: Any) -> list[PipScope]:
    return [s for s in pip_scopes_for_user(user=user) if s.cap_report]


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months: list[dt.date] = []
    month = first_of_month(start)
    end = first_of_month(end)
    while month <= end and len(months) < MAX_REPORT_MONTHS:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _assignments(scopes: list[PipScope]) -> QuerySet[PcpAssignment]:
    condition = Q(pk__in=[])
    for scope in scopes:
        condition |= Q(organization_id=scope.organization_id, region__in=scope.regions)
    return PcpAssignment.objects.filter(condition)


def _in_month(month: dt.date) -> Q:
    return Q(start_month__lte=month) & (Q(end_month__isnull=True) | Q(end_month__gte=month))


@dataclass(frozen=True)
class CapSummaryRow:
    month: dt.date
    organization: str
    provider_npi: str
    provider_name: str
    members: int
    amount: Decimal


def cap_report_summary(*, scopes: list[PipScope], months: list[dt.date]) -> list[CapSummaryRow]:
    """Members assigned to each PCP of the practices, and the capitation, for each month."""
    rows: list[CapSummaryRow] = []
    base = _assignments(scopes)
    for month in months:
        grouped = (
            base.filter(_in_month(month))
            .values(
                "organization__name",
                "provider__npi",
                "provider__first_name",
                "provider__last_name",
                "provider__credential",
            )
            .annotate(members=Count("member_id", distinct=True), amount=Sum("monthly_capitation"))
            .order_by("organization__name", "provider__last_name", "provider__first_name")
        )
        for g in grouped:
            name = f"{g['provider__first_name']} {g['provider__last_name']}".strip()
            if g["provider__credential"]:
                name = f"{name}, {g['provider__credential']}"
            rows.append(
                CapSummaryRow(
                    month,
                    g["organization__name"],
                    g["provider__npi"],
                    name,
                    g["members"],
                    g["amount"] or Decimal("0"),
                )
            )
    return rows


def cap_report_lines(*, scopes: list[PipScope], months: list[dt.date]) -> Any:
    """One row per member per month (the CSV's detail), streamed."""
    base = _assignments(scopes).select_related("member", "provider", "organization")
    for month in months:
        qs = base.filter(_in_month(month)).order_by("provider__last_name", "member__last_name")
        for a in qs.iterator(chunk_size=2000):
            yield month, a


def add_terms(
    *, scopes: list[PipScope], months: list[dt.date]
) -> list[tuple[str, dt.date, PcpAssignment]]:
    """Members added to (first month) or termed from (month after the last) the practices'
    PCP panels in ``months``: ``("add"|"term", month, assignment)``."""
    scoped = [s for s in scopes if s.add_terms]
    if not scoped or not months:
        return []
    first, last = months[0], months[-1]
    base = _assignments(scoped).select_related("member", "provider")
    out: list[tuple[str, dt.date, PcpAssignment]] = []
    for a in base.filter(start_month__gte=first, start_month__lte=last):
        out.append(("add", a.start_month, a))
    before_first = (first - dt.timedelta(days=1)).replace(day=1)
    for a in base.filter(end_month__gte=before_first, end_month__lt=last):
        assert a.end_month is not None
        out.append(("term", (a.end_month + dt.timedelta(days=32)).replace(day=1), a))
    return sorted(out, key=lambda t: (t[1], t[0], t[2].member.last_name))


# ---------------------------------------------------------------------------
# Access log
# ---------------------------------------------------------------------------
def admin_organization_ids(*, user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(
            user=user,
            role=Membership.Role.ADMIN,
            is_active=True,
            organization__is_active=True,
        ).values_list("organization_id", flat=True)
    )


def access_log(*, organization_ids: list[int]) -> QuerySet[AuditEvent]:
    """Every PIP look-up, view, print and report of the practices, newest first."""
    return AuditEvent.objects.filter(
        action__startswith="portico.patientinfo.", organization_id__in=organization_ids
    ).order_by("-occurred_at", "-id")
