"""``one_of`` filters as ``__in`` does, on PostgreSQL with the values as one array parameter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portico.core.lookups import one_of
from portico.members.models import HealthPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans() -> list[HealthPlan]:
    return [
        HealthPlan.objects.create(name=f"Plan {n}", payer_id=f"ONEOF{n}", short_name=f"P{n}")
        for n in range(5)
    ]


@pytest.mark.parametrize("wanted", [[], ["ONEOF1"], ["ONEOF0", "ONEOF3", "NOSUCH"]])
def test_one_of_finds_what_in_finds(plans, wanted):
    by_in = set(HealthPlan.objects.filter(payer_id__in=wanted).values_list("pk", flat=True))
    by_one_of = set(
        HealthPlan.objects.filter(one_of("payer_id", wanted)).values_list("pk", flat=True)
    )
    assert by_one_of == by_in
    assert len(by_in) == len([w for w in wanted if w != "NOSUCH"])


def test_one_of_on_integers_and_with_other_filters(plans):
    keys = [plans[1].pk, plans[2].pk]
    found = HealthPlan.objects.filter(one_of("pk", keys), name="Plan 2")
    assert list(found) == [plans[2]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array parameter")
def test_postgresql_sends_one_array_not_a_placeholder_per_value(plans):
    wanted = [f"ONEOF{n}" for n in range(5)] + [f"X{n}" for n in range(500)]
    with CaptureQueriesContext(connection) as queries:
        assert HealthPlan.objects.filter(one_of("payer_id", wanted)).count() == 5
    sql = queries.captured_queries[-1]["sql"]
    assert "= ANY(" in sql and " IN (" not in sql
