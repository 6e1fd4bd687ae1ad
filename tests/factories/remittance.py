"""Factories for the claims back office and remittance: fee schedules, adjudicated claims,
payments (through the real payment run)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from portico.claims.models import Claim, ClaimStatus, FeeSchedule, FeeScheduleRate
from portico.claims.services.adjudication import claim_auto_adjudicate
from portico.codes.services import code_sets_load
from portico.remittance.models import Payment
from portico.remittance.services import payment_run_execute
from tests.factories.claims import make_claim, plan_member

RATES = {"99213": Decimal("92.00"), "97110": Decimal("31.00"), "99214": Decimal("131.00")}


def load_adjustment_codes() -> None:
    """The shipped CARC and RARC lists (a few hundred rows; fast)."""
    code_sets_load(only=["carc", "rarc"])


def fee_schedule(
    *, copay: Decimal = Decimal("20.00"), coinsurance: Decimal = Decimal("20")
) -> FeeSchedule:
    plan, _, _ = plan_member()
    schedule, created = FeeSchedule.objects.get_or_create(
        health_plan=plan,
        kind="professional",
        name="Test professional 2024",
        defaults={
            "effective_date": dt.date(2024, 1, 1),
            "copay": copay,
            "coinsurance_percent": coinsurance,
        },
    )
    if created:
        for code, amount in RATES.items():
            FeeScheduleRate.objects.create(
                schedule=schedule, procedure_code=code, allowed_amount=amount
            )
    return schedule


def accepted_claim(*, organization: Any, tin: str, number: str, **extra: Any) -> Claim:
    return make_claim(
        organization=organization, tin=tin, number=number, status=ClaimStatus.ACCEPTED, **extra
    )


def paid_claim(*, organization: Any, tin: str, number: str, **extra: Any) -> Claim:
    """An accepted claim adjudicated from the fee schedule (99213 × 1 at $100 billed:
    allowed 92, copay 20, coinsurance 14.40, paid 57.60)."""
    fee_schedule()
    claim = accepted_claim(organization=organization, tin=tin, number=number, **extra)
    if claim.status == ClaimStatus.ACCEPTED:
        claim = claim_auto_adjudicate(claim=claim)
    return claim


def payment_for(*, organization: Any, tin: str, number: str) -> Payment:
    """A payment (and its 835) settling one fee-schedule-paid claim."""
    claim = paid_claim(organization=organization, tin=tin, number=number)
    existing = Payment.objects.filter(claims__claim=claim).first()
    if existing is not None:
        return existing
    result = payment_run_execute(payment_date=dt.date(2025, 4, 1))
    return Payment.objects.get(claims__claim=claim, run=result.run)


def remittance_world(world: Any) -> dict[str, Any]:
    """A paid claim and its payment for practice A and for practice B."""
    out: dict[str, Any] = {}
    for key, org, tin in (
        ("a", world.practice_a, "111111111"),
        ("b", world.practice_b, "222222222"),
    ):
        out[f"payment_{key}"] = payment_for(
            organization=org, tin=tin, number=f"C2025900000{1 if key == 'a' else 2}"
        )
    return out
