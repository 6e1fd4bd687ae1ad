"""Adjudication: the claims back office (examiner) and automatic adjudication of clean claims.

Every decision is made line by line and balances like an 835 does, so a remittance can always
be written from it:

* allowed = charge - contractual adjustment (CO-45, written automatically when allowed < charge);
* patient responsibility = deductible (PR-1) + coinsurance (PR-2) + copay (PR-3);
* paid = allowed - patient responsibility - other adjustments (OA/PI/CO with a CARC);
* a denied line: allowed 0, paid 0, its whole charge adjusted with the denial CARC (group CO
  unless another is named).

The claim's status follows ``claims/transitions.py``: Received → Accepted → Finalized paid /
denied / partially paid (or Pended and back to In process); re-adjudicating a finalized claim
(an overturned appeal, an examiner correction) moves it to Adjusted with the new amounts, which
the next payment run pays (a reversal and a corrected claim payment on the 835).

``claim_auto_adjudicate(claim=...)`` prices a clean claim from the plan's fee schedule; what it
cannot price (no schedule, no rate, a referral that does not check out) it pends for an
examiner with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.claims.models import (
    FINALIZED_STATUSES,
    Claim,
    ClaimLine,
    ClaimStatus,
    LineAdjustment,
    LineStatus,
)
from portico.claims.selectors import fee_rate_for, fee_schedule_for
from portico.claims.services.common import ClaimError, StaleObjectError, claim_status_change
from portico.claims.transitions import Actor
from portico.codes.models import AdjustmentReason, RemarkCode
from portico.core.audit import audit_record
from portico.referrals.services import (
    ReferralError,
    referral_check_for_claim,
    referral_record_use,
    referral_release_use,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ADJUSTMENT_GROUPS = ("CO", "PR", "OA", "PI")
CONTRACTUAL_CARC = "45"  # charge exceeds fee schedule / maximum allowable
DEDUCTIBLE_CARC, COINSURANCE_CARC, COPAY_CARC = "1", "2", "3"

AUDIT_ACTIONS = {
    "portico.claim.adjudicated": "adjudicated a claim",
    "portico.claim.auto_adjudicated": "adjudicated a claim automatically",
    "portico.claim.readjudicated": "re-adjudicated a claim",
    "portico.claim.pended": "pended a claim for information",
    "portico.claim.denied": "denied a claim",
    "portico.claim.accepted_by_examiner": "accepted a claim for processing",
    "portico.claim.viewed_by_examiner": "opened a claim in the back office",
    "portico.claim.listed_by_examiner": "listed claims in the back-office work queue",
    "portico.appeal.review_started": "started reviewing an appeal",
    "portico.appeal.decided": "decided an appeal",
    "portico.appeal.viewed_by_examiner": "opened an appeal in the back office",
}

# Statuses an examiner (or the system) may adjudicate from.
ADJUDICABLE_STATUSES = frozenset(
    {ClaimStatus.RECEIVED, ClaimStatus.ACCEPTED, ClaimStatus.IN_PROCESS, ClaimStatus.PENDED}
)
RE_ADJUDICABLE_STATUSES = frozenset({*FINALIZED_STATUSES, ClaimStatus.ADJUSTED})


def money(value: Decimal | int | str | None) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def usd(value: Decimal | int | str | None) -> str:
    """An amount in a message as the examiner reads amounts elsewhere: $1,234.56, -$10.00."""
    amount = money(value)
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


# ---------------------------------------------------------------------------
# Inputs and results
# ---------------------------------------------------------------------------
@dataclass
class AdjustmentInput:
    group: str
    reason: str
    amount: Decimal


@dataclass
class LineDecision:
    """What the examiner (or the fee schedule) decided for one line."""

    line_number: int
    deny_reason: str = ""  # a CARC: the whole line is denied with it
    deny_group: str = "CO"
    allowed: Decimal = ZERO
    deductible: Decimal = ZERO
    coinsurance: Decimal = ZERO
    copay: Decimal = ZERO
    other: list[AdjustmentInput] = field(default_factory=list)
    remark_codes: list[str] = field(default_factory=list)
    paid: Decimal | None = None  # optional: when given it must match the computed amount


@dataclass
class PricedLine:
    line: ClaimLine
    status: str
    allowed: Decimal
    paid: Decimal
    deductible: Decimal
    coinsurance: Decimal
    copay: Decimal
    adjustments: list[AdjustmentInput]
    remark_codes: list[str]

    @property
    def patient_responsibility(self) -> Decimal:
        return self.deductible + self.coinsurance + self.copay


class AdjudicationInvalid(ClaimError):
    """The decision does not balance or names unknown codes; ``errors`` by line number
    (0 = the claim as a whole)."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        first = next(iter(errors.values()))[0] if errors else "The decision is not valid."
        super().__init__(first, code="invalid_adjudication")
        self.errors = errors


# ---------------------------------------------------------------------------
# Validation and pricing of one decision
# ---------------------------------------------------------------------------
def _known_carcs(codes: Iterable[str]) -> set[str]:
    return set(AdjustmentReason.objects.filter(code__in=set(codes)).values_list("code", flat=True))


def _known_rarcs(codes: Iterable[str]) -> set[str]:
    return set(RemarkCode.objects.filter(code__in=set(codes)).values_list("code", flat=True))


def price_lines(
    claim: Claim, decisions: Sequence[LineDecision]
) -> tuple[list[PricedLine], dict[int, list[str]]]:
    """Check ``decisions`` against the claim's lines and work out every amount.

    Returns the priced lines and the errors by line number (empty when all is well).
    """
    errors: dict[int, list[str]] = {}
    lines = {ln.line_number: ln for ln in claim.lines.all()}
    by_number = {d.line_number: d for d in decisions}
    missing = sorted(set(lines) - set(by_number))
    if missing:
        errors[0] = [f"Decide every line (missing: {', '.join(map(str, missing))})."]
    unknown = sorted(set(by_number) - set(lines))
    if unknown:
        errors.setdefault(0, []).append(f"The claim has no line {unknown[0]}.")
    carcs = {d.deny_reason for d in decisions if d.deny_reason}
    carcs |= {a.reason for d in decisions for a in d.other}
    known_carcs = _known_carcs(carcs)
    known_rarcs = _known_rarcs({r for d in decisions for r in d.remark_codes})
    priced: list[PricedLine] = []
    for number in sorted(set(lines) & set(by_number)):
        line, d = lines[number], by_number[number]
        problems: list[str] = []

        def need_carc(code: str, problems: list[str] = problems) -> None:
            if code not in known_carcs:
                problems.append(f"{code} is not a claim adjustment reason code (CARC).")

        for rarc in d.remark_codes:
            if rarc not in known_rarcs:
                problems.append(f"{rarc} is not a remittance advice remark code (RARC).")
        charge = money(line.charge)
        if d.deny_reason:
            group = d.deny_group or "CO"
            if group not in ADJUSTMENT_GROUPS:
                problems.append(f"{group} is not an adjustment group (CO, PR, OA or PI).")
            need_carc(d.deny_reason)
            denial = [AdjustmentInput(group, d.deny_reason, charge)] if charge else []
            if not problems:
                priced.append(
                    PricedLine(
                        line,
                        LineStatus.DENIED,
                        ZERO,
                        ZERO,
                        ZERO,
                        ZERO,
                        ZERO,
                        denial,
                        list(d.remark_codes),
                    )
                )
            else:
                errors[number] = problems
            continue
        allowed = money(d.allowed)
        deductible, coinsurance, copay = money(d.deductible), money(d.coinsurance), money(d.copay)
        amounts = (allowed, deductible, coinsurance, copay, *(money(a.amount) for a in d.other))
        if any(a < 0 for a in amounts):
            problems.append("Amounts can't be negative.")
        if allowed > charge:
            problems.append(f"Allowed {usd(allowed)} is more than the charge {usd(charge)}.")
        patient = deductible + coinsurance + copay
        other = [AdjustmentInput(a.group, a.reason, money(a.amount)) for a in d.other if a.amount]
        for a in other:
            if a.group not in ADJUSTMENT_GROUPS:
                problems.append(f"{a.group} is not an adjustment group (CO, PR, OA or PI).")
            need_carc(a.reason)
        paid = allowed - patient - sum((a.amount for a in other), ZERO)
        if paid < 0:
            problems.append(
                f"Patient responsibility and adjustments ({usd(allowed - paid)}) exceed the "
                f"allowed amount {usd(allowed)}."
            )
        if d.paid is not None and money(d.paid) != paid:
            problems.append(
                f"Paid {usd(d.paid)} does not balance: allowed {usd(allowed)} − patient "
                f"responsibility {usd(patient)} − other adjustments "
                f"{usd(allowed - patient - paid)} = {usd(paid)}."
            )
        adjustments: list[AdjustmentInput] = []
        if charge > allowed:
            adjustments.append(AdjustmentInput("CO", CONTRACTUAL_CARC, charge - allowed))
        for amount, carc in (
            (deductible, DEDUCTIBLE_CARC),
            (coinsurance, COINSURANCE_CARC),
            (copay, COPAY_CARC),
        ):
            if amount:
                adjustments.append(AdjustmentInput("PR", carc, amount))
        adjustments += other
        if problems:
            errors[number] = problems
            continue
        status = LineStatus.PAID if not other else LineStatus.PARTIAL
        if allowed == 0 and paid == 0 and not patient:
            status = LineStatus.DENIED
        priced.append(
            PricedLine(
                line,
                status,
                allowed,
                paid,
                deductible,
                coinsurance,
                copay,
                adjustments,
                list(d.remark_codes),
            )
        )
    return priced, errors


def _claim_outcome(priced: Sequence[PricedLine]) -> str:
    statuses = {p.status for p in priced}
    if statuses == {LineStatus.DENIED}:
        return ClaimStatus.FINALIZED_DENIED
    if LineStatus.DENIED in statuses or LineStatus.PARTIAL in statuses:
        return ClaimStatus.FINALIZED_PARTIAL
    return ClaimStatus.FINALIZED_PAID


def _lock(claim: Claim, expected_version: int | None) -> Claim:
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObjectError()
    return locked


def _write_lines(claim: Claim, priced: Sequence[PricedLine], *, user: Any, now: Any) -> None:
    LineAdjustment.objects.filter(line__claim=claim).delete()
    new_adjustments = []
    for p in priced:
        ln = p.line
        ln.status = p.status
        ln.allowed, ln.paid = p.allowed, p.paid
        ln.patient_responsibility = p.patient_responsibility
        ln.deductible, ln.coinsurance, ln.copay = p.deductible, p.coinsurance, p.copay
        ln.remark_codes = " ".join(p.remark_codes)[:100]
        ln.save(
            update_fields=[
                "status", "allowed", "paid", "patient_responsibility", "deductible",
                "coinsurance", "copay", "remark_codes",
            ]
        )  # fmt: skip
        new_adjustments += [
            LineAdjustment(line=ln, group_code=a.group, reason_code=a.reason, amount=a.amount)
            for a in p.adjustments
        ]
    LineAdjustment.objects.bulk_create(new_adjustments)
    claim.allowed_total = sum((p.allowed for p in priced), ZERO)
    claim.paid_total = sum((p.paid for p in priced), ZERO)
    claim.patient_responsibility_total = sum((p.patient_responsibility for p in priced), ZERO)
    claim.adjudicated_at = now
    claim.adjudicated_by = user if getattr(user, "is_authenticated", False) else None
    claim.save(
        update_fields=[
            "allowed_total", "paid_total", "patient_responsibility_total", "adjudicated_at",
            "adjudicated_by", "deny_reason", "pend_reason", "updated_at",
        ]
    )  # fmt: skip


def _summary(priced: Sequence[PricedLine]) -> dict[str, str]:
    return {
        "allowed": str(sum((p.allowed for p in priced), ZERO)),
        "paid": str(sum((p.paid for p in priced), ZERO)),
        "patient_responsibility": str(sum((p.patient_responsibility for p in priced), ZERO)),
    }


def _to_processing(claim: Claim, *, actor_kind: str, user: Any) -> None:
    """Received claims are accepted first (the front-end edits passed when submitted)."""
    if claim.status == ClaimStatus.RECEIVED:
        claim_status_change(
            claim=claim,
            to_status=ClaimStatus.ACCEPTED,
            actor_kind=actor_kind,
            user=user,
            note="Accepted for adjudication.",
            category_code="A2",
            status_code="20",
        )


# ---------------------------------------------------------------------------
# Examiner actions
# ---------------------------------------------------------------------------
def claim_adjudicate(
    *,
    claim: Claim,
    user: Any,
    decisions: Sequence[LineDecision],
    expected_version: int | None = None,
    note: str = "",
    actor_kind: str = Actor.EXAMINER,
) -> Claim:
    """Record a line-by-line decision and finalize the claim (paid / partial / denied).

    A claim already finalized is re-adjudicated instead (see ``claim_readjudicate``).
    Raises ``AdjudicationInvalid`` (nothing saved), ``StaleObjectError`` when
    ``expected_version`` is not the claim's version, ``TransitionNotAllowed``.
    """
    with transaction.atomic():
        locked = _lock(claim, expected_version)
        if locked.status in FINALIZED_STATUSES:
            return claim_readjudicate(
                claim=locked, user=user, decisions=decisions, note=note, actor_kind=actor_kind
            )
        if locked.status not in ADJUDICABLE_STATUSES | {ClaimStatus.ADJUSTED}:
            raise ClaimError(
                f"A claim that is {locked.get_status_display()} can't be adjudicated.",
                code="not_adjudicable",
            )
        priced, errors = price_lines(locked, decisions)
        if errors:
            raise AdjudicationInvalid(errors)
        _to_processing(locked, actor_kind=actor_kind, user=user)
        outcome = _claim_outcome(priced)
        locked.pend_reason = ""
        locked.deny_reason = _deny_text(priced) if outcome == ClaimStatus.FINALIZED_DENIED else ""
        _write_lines(locked, priced, user=user, now=timezone.now())
        claim_status_change(
            claim=locked,
            to_status=outcome,
            actor_kind=actor_kind,
            user=user,
            note=note or "Adjudicated.",
            category_code="F1" if outcome != ClaimStatus.FINALIZED_DENIED else "F2",
            status_code="65" if outcome != ClaimStatus.FINALIZED_DENIED else "88",
            audit=False,
        )
        _count_referral_visit(locked, outcome, user=user)
        audit_record(
            action="portico.claim.auto_adjudicated"
            if actor_kind == Actor.SYSTEM
            else "portico.claim.adjudicated",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.member_number,
            changes={"status": outcome, **_summary(priced)},
        )
    locked.refresh_from_db()
    return locked


def _deny_text(priced: Sequence[PricedLine]) -> str:
    codes = sorted({a.reason for p in priced for a in p.adjustments})
    return f"Denied (CARC {', '.join(codes)})." if codes else "Denied."


def _count_referral_visit(claim: Claim, outcome: str, *, user: Any) -> None:
    """A paid claim uses one visit of its referral; a claim re-adjudicated to denied gives it
    back. Both are idempotent per claim, so re-adjudicating a paid claim counts nothing twice.
    An unknown referral number counts nothing (automatic adjudication pends such claims)."""
    if not claim.referral_number:
        return
    try:
        if outcome == ClaimStatus.FINALIZED_DENIED:
            referral_release_use(
                referral_number=claim.referral_number, claim_reference=claim.number, actor=user
            )
        else:
            referral_record_use(
                referral_number=claim.referral_number,
                claim_reference=claim.number,
                service_date=claim.service_date_from or timezone.localdate(),
                actor=user,
            )
    except ReferralError:
        return


def claim_readjudicate(
    *,
    claim: Claim,
    user: Any,
    decisions: Sequence[LineDecision],
    note: str = "",
    expected_version: int | None = None,
    actor_kind: str = Actor.EXAMINER,
) -> Claim:
    """Change a finalized claim's decision: new line amounts, status Adjusted. The next
    payment run reverses the earlier payment and pays the corrected claim."""
    with transaction.atomic():
        locked = _lock(claim, expected_version)
        if locked.status not in RE_ADJUDICABLE_STATUSES:
            raise ClaimError(
                f"A claim that is {locked.get_status_display()} can't be re-adjudicated.",
                code="not_adjudicable",
            )
        priced, errors = price_lines(locked, decisions)
        if errors:
            raise AdjudicationInvalid(errors)
        before = {
            "allowed": str(locked.allowed_total),
            "paid": str(locked.paid_total),
            "status": locked.status,
        }
        locked.pend_reason = ""
        locked.deny_reason = ""
        _write_lines(locked, priced, user=user, now=timezone.now())
        if locked.status != ClaimStatus.ADJUSTED:
            claim_status_change(
                claim=locked,
                to_status=ClaimStatus.ADJUSTED,
                actor_kind=actor_kind,
                user=user,
                note=note or "Re-adjudicated.",
                category_code="F1",
                status_code="65",
                audit=False,
            )
        else:
            # Adjusted again: the amounts change, the status stays; bump the version so a
            # stale page notices.
            Claim.objects.filter(pk=locked.pk).update(version=locked.version + 1)
        _count_referral_visit(locked, _claim_outcome(priced), user=user)
        audit_record(
            action="portico.claim.readjudicated",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.member_number,
            changes={"before": before, "after": _summary(priced), "note": note},
        )
    locked.refresh_from_db()
    return locked


def claim_accept(*, claim: Claim, user: Any, expected_version: int | None = None) -> Claim:
    """Received → Accepted (the examiner takes a claim that arrived on the web form)."""
    with transaction.atomic():
        locked = _lock(claim, expected_version)
        claim_status_change(
            claim=locked,
            to_status=ClaimStatus.ACCEPTED,
            actor_kind=Actor.EXAMINER,
            user=user,
            note="Accepted for adjudication.",
            category_code="A2",
            status_code="20",
            audit=False,
        )
        audit_record(
            action="portico.claim.accepted_by_examiner",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.member_number,
        )
    return locked


def claim_pend(
    *,
    claim: Claim,
    user: Any,
    reason: str,
    attachment_report_type: str = "",
    attachment_label: str = "",
    expected_version: int | None = None,
    actor_kind: str = Actor.EXAMINER,
) -> Claim:
    """Pend for information; with ``attachment_report_type`` the provider is asked for that
    attachment (PWK report type), which the claim page and the home page show."""
    reason = reason.strip()
    if not reason:
        raise ClaimError("Say what information is needed.", field="reason")
    if attachment_report_type:
        reason = f"Attachment requested ({attachment_report_type} {attachment_label}): {reason}"
    with transaction.atomic():
        locked = _lock(claim, expected_version)
        _to_processing(locked, actor_kind=actor_kind, user=user)
        locked.pend_reason = reason[:255]
        locked.save(update_fields=["pend_reason", "updated_at"])
        claim_status_change(
            claim=locked,
            to_status=ClaimStatus.PENDED,
            actor_kind=actor_kind,
            user=user,
            note=reason,
            category_code="P2" if attachment_report_type else "P1",
            status_code="21",
            audit=False,
        )
        audit_record(
            action="portico.claim.pended",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            member_ref=locked.member_number,
            changes={"reason": reason, "attachment": attachment_report_type},
        )
    return locked


def claim_deny(
    *,
    claim: Claim,
    user: Any,
    reason_code: str,
    group: str = "CO",
    remark_codes: Sequence[str] = (),
    note: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Deny every line with ``reason_code`` (a CARC) and finalize the claim as denied."""
    lines = list(claim.lines.values_list("line_number", flat=True))
    decisions = [
        LineDecision(
            line_number=n,
            deny_reason=reason_code,
            deny_group=group,
            remark_codes=list(remark_codes),
        )
        for n in lines
    ]
    return claim_adjudicate(
        claim=claim,
        user=user,
        decisions=decisions,
        expected_version=expected_version,
        note=note or f"Denied (CARC {reason_code}).",
    )


# ---------------------------------------------------------------------------
# Automatic adjudication from the fee schedule
# ---------------------------------------------------------------------------
@dataclass
class Pricing:
    decisions: list[LineDecision]
    problems: list[str]

    @property
    def clean(self) -> bool:
        return not self.problems


def claim_price_from_fee_schedule(*, claim: Claim) -> Pricing:
    """What the plan's fee schedule pays for each line (allowed, copay, coinsurance).

    Allowed = the rate (× units when per unit), never more than the charge; when no rate
    matches, the schedule's percent of charge, else the line cannot be priced. The copay is
    taken once per claim from the first lines; coinsurance is a percent of the rest.
    """
    problems: list[str] = []
    dos: dt.date = claim.service_date_from or timezone.localdate()
    if claim.health_plan_id is None:
        return Pricing([], ["The claim's payer is not a plan we adjudicate."])
    schedule = fee_schedule_for(plan_id=claim.health_plan_id, kind=claim.kind, on=dos)
    if schedule is None:
        return Pricing([], [f"No {claim.get_kind_display()} fee schedule on {dos:%m/%d/%Y}."])
    copay_left = money(schedule.copay)
    coins_pct = Decimal(schedule.coinsurance_percent or 0) / Decimal(100)
    decisions: list[LineDecision] = []
    for line in claim.lines.all().order_by("line_number"):
        rate = fee_rate_for(
            schedule=schedule,
            procedure_code=line.procedure_code,
            modifier=line.modifier1,
            revenue_code=line.revenue_code,
            on=line.service_date or dos,
        )
        charge = money(line.charge)
        if rate is not None:
            allowed = money(rate.allowed_amount * (line.units if rate.per_unit else 1))
        elif schedule.default_percent_of_charge is not None:
            allowed = money(charge * Decimal(schedule.default_percent_of_charge) / Decimal(100))
        else:
            code = line.procedure_code or line.revenue_code
            problems.append(f"Line {line.line_number}: no fee schedule rate for {code}.")
            continue
        allowed = min(allowed, charge)
        copay = min(copay_left, allowed)
        copay_left -= copay
        coinsurance = money((allowed - copay) * coins_pct)
        decisions.append(
            LineDecision(
                line_number=line.line_number,
                allowed=allowed,
                copay=copay,
                coinsurance=coinsurance,
            )
        )
    return Pricing(decisions, problems)


def _referral_problem(claim: Claim) -> str:
    if not claim.referral_number or claim.member is None:
        return ""
    check = referral_check_for_claim(
        referral_number=claim.referral_number,
        member=claim.member,
        provider_npi=claim.rendering_npi or claim.billing_npi,
        service_date=claim.service_date_from or timezone.localdate(),
    )
    return "" if check.ok else check.message


def claim_auto_adjudicate(*, claim: Claim) -> Claim:
    """Adjudicate a clean claim from its plan's fee schedule, or pend it for an examiner.

    Does nothing to a claim that is not waiting for adjudication (already finalized, pended
    by an examiner, voided...), so calling it twice is harmless.
    """
    claim = Claim.objects.get(pk=claim.pk)
    if claim.status not in (ClaimStatus.RECEIVED, ClaimStatus.ACCEPTED, ClaimStatus.IN_PROCESS):
        return claim
    problems = []
    referral = _referral_problem(claim)
    if referral:
        problems.append(f"Referral check: {referral}")
    pricing = claim_price_from_fee_schedule(claim=claim)
    problems += pricing.problems
    if problems:
        return claim_pend(
            claim=claim,
            user=None,
            reason="Needs examiner review. " + " ".join(problems),
            actor_kind=Actor.SYSTEM,
        )
    return claim_adjudicate(
        claim=claim,
        user=None,
        decisions=pricing.decisions,
        note="Adjudicated automatically from the plan's fee schedule.",
        actor_kind=Actor.SYSTEM,
    )


def claims_auto_adjudicate_pending(*, limit: int | None = None) -> dict[str, int]:
    """Run automatic adjudication over every claim waiting for it (oldest first)."""
    qs = Claim.objects.filter(
        status__in=[ClaimStatus.RECEIVED, ClaimStatus.ACCEPTED, ClaimStatus.IN_PROCESS]
    ).order_by("submitted_at", "id")
    ids = list(
        qs.values_list("pk", flat=True)[:limit] if limit else qs.values_list("pk", flat=True)
    )
    counts = {"finalized": 0, "pended": 0}
    for pk in ids:
        result = claim_auto_adjudicate(claim=Claim(pk=pk))
        if result.status == ClaimStatus.PENDED:
            counts["pended"] += 1
        elif result.status in FINALIZED_STATUSES:
            counts["finalized"] += 1
    return counts


AUTO_ADJUDICATE_TASK = "portico.claims.auto_adjudicate"
