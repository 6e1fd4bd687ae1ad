import random

import pytest

from portico.demo.generators import generate_small
from portico.priorauth import demo
from portico.priorauth.models import LegacyCase, PriorAuthRequest, Status

pytestmark = pytest.mark.django_db


def test_demo_covers_every_status_and_is_idempotent():
    generate_small(seed=1)
    assert demo.generate(scale="small", rng=random.Random(1)) == 10
    statuses = set(PriorAuthRequest.objects.values_list("status", flat=True))
    assert set(Status.values) <= statuses
    assert LegacyCase.objects.count() == 3
    assert demo.generate(scale="small", rng=random.Random(1)) == 0
