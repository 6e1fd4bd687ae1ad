from __future__ import annotations

from typing import Any

import pytest

from tests.factories.referrals import ReferralWorld, referral_world


@pytest.fixture
def rw(world: Any) -> ReferralWorld:
    return referral_world(world.practice_a)


@pytest.fixture
def rw_b(world: Any) -> ReferralWorld:
    return referral_world(world.practice_b, plan_payer="RFP02")
