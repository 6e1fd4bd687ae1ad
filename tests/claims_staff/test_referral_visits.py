"""A paid claim that carries a referral number uses a visit of that referral; re-adjudicating
it to denied gives the visit back (issue #7: referrals become Used through claims)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from portico.claims.models import ClaimStatus
from portico.claims.services.adjudication import (
    LineDecision,
    claim_adjudicate,
    claim_readjudicate,
)
from portico.referrals.models import ReferralStatus
from tests.factories.claims import make_claim
from tests.factories.referrals import referral_world, submit

pytestmark = pytest.mark.django_db


def test_paid_claim_uses_the_referral_and_a_denial_gives_it_back(world, codes):
    referral = submit(referral_world(world.practice_a), visits_requested=1)
    assert referral.status == ReferralStatus.APPROVED and referral.visits_used == 0
    claim = make_claim(
        organization=world.practice_a,
        tin="111111111",
        number="C2025007001",
        status=ClaimStatus.ACCEPTED,
        referral_number=referral.number,
    )
    examiner = world.users["claims_examiner"]
    paid = claim_adjudicate(
        claim=claim,
        user=examiner,
        decisions=[LineDecision(line_number=1, allowed=D("90.00"))],
    )
    assert paid.status == ClaimStatus.FINALIZED_PAID
    referral.refresh_from_db()
    assert referral.visits_used == 1 and referral.status == ReferralStatus.USED

    # Paying the same claim again (re-adjudicated, still paid) counts nothing twice.
    claim_readjudicate(
        claim=paid, user=examiner, decisions=[LineDecision(line_number=1, allowed=D("95.00"))]
    )
    referral.refresh_from_db()
    assert referral.visits_used == 1

    denied = claim_readjudicate(
        claim=paid,
        user=examiner,
        decisions=[LineDecision(line_number=1, allowed=D("0"), deny_reason="50")],
    )
    assert denied.paid_total == D("0.00")
    referral.refresh_from_db()
    assert referral.visits_used == 0 and referral.status == ReferralStatus.APPROVED
