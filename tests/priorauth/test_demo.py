import datetime as dt
import random

import pytest

from portico.demo.generators import generate_small
from portico.priorauth import demo, selectors
from portico.priorauth.models import CUTOVER_RECENT, LegacyCase, PriorAuthRequest, Status

pytestmark = pytest.mark.django_db


def test_demo_covers_every_status_and_is_idempotent():
    generate_small(seed=1)
    assert demo.generate(scale="small", rng=random.Random(1)) == 10
    statuses = set(PriorAuthRequest.objects.values_list("status", flat=True))
    assert set(Status.values) <= statuses
    assert LegacyCase.objects.count() == 3
    assert demo.generate(scale="small", rng=random.Random(1)) == 0


def test_demo_plan_shows_the_notice_of_its_move_on_the_demo_day():
    """The demo plan cut over on June 1, 2026: on November 24, 2026 (the demo's day) the
    "since" notice is still within the default 180 days."""
    generate_small(seed=1)
    demo.generate(scale="small", rng=random.Random(1))
    banners = selectors.cutover_banners(today=dt.date(2026, 11, 24))
    assert [(b.settings.plan.payer_id, b.phase) for b in banners] == [
        (demo.PAYER_ID, CUTOVER_RECENT)
    ]
    assert banners[0].settings.cutover_date == dt.date(2026, 6, 1)
