"""The claims demo generator: fee schedules and claims across statuses, idempotent."""

from __future__ import annotations

from portico.claims import demo
from portico.claims.models import Claim, FeeSchedule
from tests.factories.claims import plan_member


def test_demo_generates_claims_for_granted_practices_once(world):
    plan_member()
    made = demo.generate(scale="small")
    assert made == demo.SMALL_PER_PRACTICE * 2  # practice A and practice B TINs
    assert FeeSchedule.objects.count() == 2
    assert Claim.objects.filter(billing_tin="111111111").exists()
    assert Claim.objects.exclude(paid_total=None).exists()
    assert demo.generate(scale="small") == 0
