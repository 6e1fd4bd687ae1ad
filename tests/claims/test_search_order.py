"""Claim search by date of service and by status: a claim matches a date window when its
service period overlaps the window (either end may be open); a window without a chosen order
lists the newest service dates first; on PostgreSQL each search walks an index in its order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portico.claims import selectors
from portico.claims.models import Claim
from tests.factories.claims import make_claim

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def periods(cw: Any) -> dict[str, Any]:
    spans = {
        "JAN_05": (D(2025, 1, 5), D(2025, 1, 5)),
        "DEC_TO_JAN": (D(2024, 12, 28), D(2025, 1, 3)),  # an inpatient stay across the window
        "JAN_20_25": (D(2025, 1, 20), D(2025, 1, 25)),
        "FEB_10": (D(2025, 2, 10), D(2025, 2, 10)),
    }
    for i, (name, (start, end)) in enumerate(spans.items()):
        claim = make_claim(
            organization=cw.world.practice_a,
            tin="111111111",
            number=f"C20259{i:06d}",
            service_date=start,
        )
        Claim.objects.filter(pk=claim.pk).update(service_date_to=end, patient_account_number=name)
    return spans


def order(cw: Any, **search: Any) -> list[str]:
    """The patient account numbers the clerk's search lists, in the order shown."""
    page = selectors.claims_search(
        user=cw.world.users["billing_clerk"], search=selectors.ClaimSearch(**search), limit=25
    )
    return [c.patient_account_number for c in page.items]


def found(cw: Any, **search: Any) -> set[str]:
    return set(order(cw, **search))


def test_a_claim_matches_when_its_service_period_overlaps_the_window(cw, periods):
    assert found(cw, dos_from=D(2025, 1, 1), dos_to=D(2025, 1, 5)) == {"JAN_05", "DEC_TO_JAN"}
    # The window's ends are inclusive, and a one-day window inside a stay finds the stay.
    assert found(cw, dos_from=D(2025, 1, 25), dos_to=D(2025, 1, 25)) == {"JAN_20_25"}
    assert found(cw, dos_from=D(2025, 1, 22), dos_to=D(2025, 1, 22)) == {"JAN_20_25"}
    assert found(cw, dos_from=D(2025, 1, 26), dos_to=D(2025, 2, 9)) == set()


def test_either_end_of_the_window_may_be_open(cw, periods):
    assert found(cw, dos_from=D(2025, 1, 25)) == {"JAN_20_25", "FEB_10"}
    assert found(cw, dos_to=D(2024, 12, 28)) == {"DEC_TO_JAN"}
    assert found(cw, dos_to=D(2025, 1, 4)) == {"DEC_TO_JAN"}


def test_drafts_without_service_dates_never_match_a_window(cw, periods):
    make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025DRAFT01")
    Claim.objects.filter(number="C2025DRAFT01").update(
        service_date_from=None, service_date_to=None, patient_account_number="UNDATED"
    )
    assert "UNDATED" in found(cw)
    assert "UNDATED" not in found(cw, dos_from=D(2000, 1, 1), dos_to=D(2099, 1, 1))


def test_a_date_of_service_search_lists_the_newest_service_first_unless_told(cw, periods):
    window = {"dos_from": D(2024, 12, 1), "dos_to": D(2025, 3, 1)}
    assert order(cw, **window) == ["FEB_10", "JAN_20_25", "JAN_05", "DEC_TO_JAN"]
    assert order(cw, **window, sort="dos") == ["DEC_TO_JAN", "JAN_05", "JAN_20_25", "FEB_10"]
    # Without a window (or with a chosen order), the newest submitted claim comes first.
    Claim.objects.filter(patient_account_number="DEC_TO_JAN").update(
        submitted_at=timezone.now() + dt.timedelta(minutes=5)
    )
    assert order(cw)[0] == "DEC_TO_JAN"
    assert order(cw, **window, sort="-submitted")[0] == "DEC_TO_JAN"


def test_the_search_page_offers_the_automatic_order_first(cw, persona_client):
    html = persona_client("billing_clerk").get("/claims/search/").content.decode()
    assert "Newest first (by date of service when you search by it)" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize(
    ("search", "index"),
    [
        ({"dos_from": D(2025, 1, 1), "dos_to": D(2025, 1, 31)}, "claim_tin_dos"),
        ({"status": "received"}, "claim_tin_status_sub"),
    ],
)
def test_searches_walk_an_index_in_their_order_within_the_tins(cw, periods, search, index):
    """Newest-submitted order with a date window or a status far back would walk the TIN's
    newest-first index past every newer claim (decision 0011)."""
    with connection.cursor() as cursor:
        # Four rows would be read sequentially; forbid that to see which index serves it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        with CaptureQueriesContext(connection) as queries:
            found(cw, **search)
        search_sql = next(q["sql"] for q in queries if "ORDER BY" in q["sql"])
        cursor.execute(f"EXPLAIN {search_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
