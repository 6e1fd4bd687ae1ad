"""Reads of plans, members and coverage."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from portico.members.models import Coverage, HealthPlan, Member
from portico.members.validators import normalize_member_id


def plans() -> QuerySet[HealthPlan]:
    return HealthPlan.objects.all()


def member_find(*, plan: HealthPlan | None, member_id: str) -> Member | None:
    qs = Member.objects.filter(member_id=normalize_member_id(member_id))
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.select_related("plan", "pcp").first()


def coverage_on(*, member: Member, on: dt.date) -> Coverage | None:
    """The coverage span in force on ``on`` (eligibility), newest first."""
    for coverage in member.coverages.all():
        if coverage.covers(on):
            return coverage
    return None
