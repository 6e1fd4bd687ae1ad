"""Prior-authorization demo data: plan settings, the not-required code list, requests in every
status with their letters, and legacy cases. Idempotent (returns when already generated).

Call after ``portico.demo.generators.generate_small`` (it needs the Harborview plan ``PHX01``,
Lakeside Family Medicine, ``dr.physician`` and ``um.reviewer``)::

    from portico.priorauth import demo as priorauth_demo
    priorauth_demo.generate(scale="small", rng=random.Random(seed))
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portico.members.models import HealthPlan, Member, PlanProgram
from portico.organizations.models import OrganizationProvider
from portico.priorauth.models import (
    LineDecision,
    NotRequiredCode,
    PlanPriorAuthSettings,
    PriorAuthRequest,
    ServiceCategory,
    Urgency,
)
from portico.priorauth.services import (
    LineDecisionInput,
    LineInput,
    RequestInput,
    legacy_cases_import,
    priorauth_decide,
    priorauth_draft_save,
    priorauth_pend,
    priorauth_respond,
    priorauth_send_back,
    priorauth_start_review,
    priorauth_submit,
    priorauth_withdraw,
)

PAYER_ID = "PHX01"
NOT_REQUIRED = [
    ("97110", "Therapeutic exercise"),
    ("97140", "Manual therapy"),
    ("20552", "Trigger point injection, 1-2 muscles"),
]
SCENARIOS = [  # (category, codes, urgency, outcome)
    ("spine-surgery", ["63047"], Urgency.STANDARD, "received"),
    ("pain-management", ["64483", "64484"], Urgency.STANDARD, "in_review"),
    ("joint-surgery", ["27447"], Urgency.EXPEDITED, "approved"),
    ("spine-surgery", ["22612", "22840"], Urgency.STANDARD, "partially_approved"),
    ("pain-management", ["62323"], Urgency.STANDARD, "denied"),
    ("pain-management", ["97110"], Urgency.STANDARD, "not_required"),
    ("spine-surgery", ["63030"], Urgency.STANDARD, "send_back"),
    ("joint-surgery", ["29881"], Urgency.STANDARD, "pended"),
    ("pain-management", ["64490"], Urgency.STANDARD, "withdrawn"),
    ("spine-surgery", ["63048"], Urgency.STANDARD, "answered"),
]
LEGACY_HEADER = (
    "plan_payer_id,legacy_reference,practice_tin,member_id,member_name,member_birth_date,"
    "provider_npi,provider_name,codes,service_description,status,submitted_on,decided_on,"
    "auth_number\n"
)
LEGACY = LEGACY_HEADER + (
    "PHX01,SPJ-2026-004411,001234567,{m1},{n1},,,,63047,Lumbar laminectomy,Approved,"
    "2026-04-02,2026-04-09,SPJ77120\n"
    "PHX01,SPJ-2026-004412,001234567,{m2},{n2},,,,64483,Transforaminal epidural injection,"
    "In Review,2026-05-20,,\n"
    "PHX01,SPJ-2026-004413,001234567,{m3},{n3},,,,27447,Total knee arthroplasty,Denied,"
    "2026-05-11,2026-05-25,\n"
)


# The clinical answers of the demo requests, per category and question key: each answer
# fits its question (and the category's body part). Scenario outcomes may override some
# (ANSWER_OVERRIDES), so a denial's reason agrees with what the office answered.
ANSWERS: dict[str, dict[str, str]] = {
    "spine-surgery": {
        "conservative_therapy": "yes",
        "conservative_weeks": "12",
        "imaging": "MRI lumbar spine, 6 weeks ago: moderate central canal stenosis at L4-L5",
        "neuro_deficit": "no",
    },
    "pain-management": {
        "conservative_therapy": "yes",
        "conservative_weeks": "8",
        "imaging": "MRI lumbar spine, 2 months ago: L5-S1 disc protrusion contacting the "
        "right S1 nerve root",
        "prior_injections": "One right L5-S1 transforaminal epidural steroid injection "
        "4 months ago: 70% relief for 10 weeks",
    },
    "joint-surgery": {
        "conservative_therapy": "yes",
        "conservative_weeks": "16",
        "imaging": "Weight-bearing X-rays of the right knee, last month: severe medial "
        "joint-space narrowing with bone-on-bone contact",
        "function_limits": "Cannot walk more than one block or climb stairs without a cane; "
        "needs help putting on shoes and socks",
    },
}
ANSWER_OVERRIDES: dict[str, dict[str, str]] = {
    # Denied for "Conservative therapy under 6 weeks.": the answers say so.
    "denied": {"conservative_weeks": "4", "prior_injections": "None"},
}
DIAGNOSES = {
    "spine-surgery": ["M48.061"],  # spinal stenosis, lumbar, without neurogenic claudication
    "pain-management": ["M54.17"],  # radiculopathy, lumbosacral region
    "joint-surgery": ["M17.11"],  # unilateral primary osteoarthritis, right knee
}
EXPEDITED_REASONS = {
    "spine-surgery": "Progressive neurological deficit.",
    "pain-management": "Severe radicular pain not controlled by oral medication.",
    "joint-surgery": "Rapidly progressing joint destruction; the member can no longer bear "
    "weight on the leg.",
}


def _answers(category: ServiceCategory, outcome: str = "") -> dict[str, str]:
    """An answer to every question of the category, from ``ANSWERS``."""
    given = {**ANSWERS.get(category.code, {}), **ANSWER_OVERRIDES.get(outcome, {})}
    fallback = {"yesno": "yes", "number": "8"}
    return {
        q["key"]: given.get(q["key"]) or fallback.get(q.get("kind", ""), "Not documented")
        for q in category.questions
    }


@transaction.atomic
def generate(*, scale: str = "small", rng: random.Random | None = None) -> int:
    """Create the demo; returns how many requests were created (0 when already there)."""
    rng = rng or random.Random(42)  # noqa: S311 (demo data, not security)
    plan = HealthPlan.objects.filter(payer_id=PAYER_ID).first()
    User = get_user_model()
    office = User.objects.filter(username="dr.physician").first()
    reviewer = User.objects.filter(username="um.reviewer").first()
    if plan is None or office is None or reviewer is None:
        return 0
    program = PlanProgram.objects.filter(plan=plan, code="spj").first()
    PlanPriorAuthSettings.objects.get_or_create(
        plan=plan,
        defaults={
            "program": program,
            "um_organization_name": "Portico Utilization Management",
            # The prior authorization fax is the Spine, Pain and Joint program's own number
            # (PlanProgram.fax, 1-800-555-0163 in the small demo), not the plan's general
            # fax on /contact/ (HealthPlan.fax): no second copy of it here.
            # The document's cut-over date (June 1, 2026) is fixed: the demo keeps the notice
            # of the move for a year after it.
            "cutover_notice_days": 365,
        },
    )
    for code, description in NOT_REQUIRED:
        NotRequiredCode.objects.get_or_create(
            plan=plan, code=code, defaults={"description": description}
        )
    if PriorAuthRequest.objects.filter(plan=plan).exists():
        return 0
    link = (
        OrganizationProvider.objects.filter(
            organization__memberships__user=office, status=OrganizationProvider.Status.ACTIVE
        )
        .select_related("provider", "organization")
        .first()
    )
    if link is None:
        return 0
    start = timezone.localdate() + dt.timedelta(days=21)
    until = start + dt.timedelta(days=120)
    members = list(
        Member.objects.filter(plan=plan, coverages__start_date__lte=start)
        .filter(Q(coverages__end_date__isnull=True) | Q(coverages__end_date__gte=until))
        .distinct()
        .order_by("member_id")[:40]
    )
    rng.shuffle(members)
    created = 0
    repeat = 1 if scale == "small" else 5
    for round_ in range(repeat):
        for index, (code, codes, urgency, outcome) in enumerate(SCENARIOS):
            category = ServiceCategory.objects.get(code=code)
            member = members[(round_ * len(SCENARIOS) + index) % len(members)]
            day = start + dt.timedelta(days=index + round_ * 15)
            data = RequestInput(
                plan=plan,
                member_id=member.member_id,
                member_birth_date=member.date_of_birth,
                requesting_provider_npi=link.provider.npi,
                service_category=category,
                service_date=day,
                diagnoses=DIAGNOSES.get(code, ["M54.50"]),
                urgency=urgency,
                expedited_attestation=urgency == Urgency.EXPEDITED,
                expedited_reason=EXPEDITED_REASONS.get(code, "")
                if urgency == Urgency.EXPEDITED
                else "",
                clinical_answers=_answers(category, outcome),
                lines=[LineInput(code=c, units=1, start_date=day, end_date=day) for c in codes],
            )
            row = priorauth_submit(user=office, data=data, confirm_duplicate=True)
            created += 1
            _advance(row, outcome, office=office, reviewer=reviewer)
    priorauth_draft_save(
        user=office,
        plan=plan,
        draft_data={
            "plan": [str(plan.pk)],
            "service_category": ["spine-surgery"],
            "member_id": [members[0].member_id],
        },
    )
    names = {f"m{i}": m.member_id for i, m in enumerate(members[:3], start=1)}
    names.update({f"n{i}": m.full_name for i, m in enumerate(members[:3], start=1)})
    legacy_cases_import(content=LEGACY.format(**names))
    return created


def _advance(row: PriorAuthRequest, outcome: str, *, office: Any, reviewer: Any) -> None:
    if outcome in ("received", "not_required"):
        return
    if outcome == "withdrawn":
        priorauth_withdraw(
            request=row,
            actor=reviewer,
            version=row.version,
            reason="Duplicate of a request already in review.",
        )
        return
    if outcome == "pended":
        priorauth_pend(
            request=row,
            actor=reviewer,
            version=row.version,
            reason="Waiting for a peer-to-peer discussion with the ordering provider.",
        )
        return
    row = priorauth_start_review(request=row, actor=reviewer, version=row.version)
    if outcome == "in_review":
        return
    if outcome in ("send_back", "answered"):
        row = priorauth_send_back(
            request=row,
            actor=reviewer,
            version=row.version,
            message="Send the MRI report and the physical therapy notes.",
        )
        if outcome == "answered":
            priorauth_respond(request=row, user=office, answer="MRI report faxed today.")
        return
    lines = list(row.lines.all())
    if outcome == "approved":
        decisions = [LineDecisionInput(ln.line_no, LineDecision.APPROVED) for ln in lines]
    elif outcome == "denied":
        decisions = [
            LineDecisionInput(
                ln.line_no,
                LineDecision.DENIED,
                deny_reason="Conservative therapy under 6 weeks.",
                criteria="Interventional pain criteria 3.1",
            )
            for ln in lines
        ]
    else:
        decisions = [LineDecisionInput(lines[0].line_no, LineDecision.APPROVED)] + [
            LineDecisionInput(
                ln.line_no,
                LineDecision.DENIED,
                deny_reason="Instrumentation not medically necessary.",
                criteria="Spine surgery criteria 4.2",
            )
            for ln in lines[1:]
        ]
    priorauth_decide(request=row, actor=reviewer, version=row.version, decisions=decisions)
