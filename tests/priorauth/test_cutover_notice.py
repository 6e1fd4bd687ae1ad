"""The notice of a plan's move to this portal: before the cut-over date, for the plan's notice
period after it, and the home page's lasting statement of the change."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portico.members.models import HealthPlan, PlanProgram
from portico.priorauth import selectors
from portico.priorauth.models import CUTOVER_RECENT, CUTOVER_UPCOMING, PlanPriorAuthSettings

pytestmark = pytest.mark.django_db

CUTOVER = dt.date(2026, 6, 1)
BANNER = re.compile(
    r'<div class="usa-alert usa-alert--info" role="region" aria-labelledby="([^"]+)"[^>]*>'
)


def _move_cutover(pa, days_from_today: int, notice_days: int | None = None) -> dt.date:
    """Put the plan's cut-over ``days_from_today`` away (negative: in the past)."""
    date = timezone.localdate() + dt.timedelta(days=days_from_today)
    PlanProgram.objects.filter(pk=pa.settings.program_id).update(cutover_date=date)
    if notice_days is not None:
        PlanPriorAuthSettings.objects.filter(pk=pa.settings.pk).update(
            cutover_notice_days=notice_days
        )
    return date


def _long(date: dt.date) -> str:
    return f"{date:%B} {date.day}, {date.year}"


def _banners(html: str) -> list[str]:
    """The labels (heading ids) of the page's cut-over banners."""
    return BANNER.findall(html)


def _phases(day: dt.date) -> list[str]:
    return [b.phase for b in selectors.cutover_banners(today=day)]


# ---------------------------------------------------------------------------
# Which notice on which day
# ---------------------------------------------------------------------------
def test_before_the_date_the_notice_is_the_upcoming_one(pa):
    assert pa.settings.cutover_date == CUTOVER and pa.settings.cutover_notice_days == 180
    assert _phases(CUTOVER - dt.timedelta(days=1)) == [CUTOVER_UPCOMING]
    assert selectors.cutover_banners(today=dt.date(2026, 1, 1))[0].upcoming


def test_from_the_date_and_for_the_notice_period_the_notice_is_the_recent_one(pa):
    assert _phases(CUTOVER) == [CUTOVER_RECENT]
    last_day = CUTOVER + dt.timedelta(days=179)
    assert _phases(last_day) == [CUTOVER_RECENT]
    assert not selectors.cutover_banners(today=last_day)[0].upcoming
    assert pa.settings.cutover_notice_ends == CUTOVER + dt.timedelta(days=180)


def test_after_the_notice_period_there_is_no_notice(pa):
    assert _phases(CUTOVER + dt.timedelta(days=180)) == []
    assert _phases(dt.date(2028, 1, 1)) == []


def test_the_notice_period_is_the_plans_setting(pa):
    day = CUTOVER + dt.timedelta(days=200)
    assert _phases(day) == []
    PlanPriorAuthSettings.objects.filter(pk=pa.settings.pk).update(cutover_notice_days=365)
    assert _phases(day) == [CUTOVER_RECENT]
    PlanPriorAuthSettings.objects.filter(pk=pa.settings.pk).update(cutover_notice_days=0)
    assert _phases(CUTOVER) == []
    assert _phases(CUTOVER - dt.timedelta(days=1)) == [CUTOVER_UPCOMING]


def test_no_notice_without_a_cutover_date_or_for_an_inactive_plan(pa):
    PlanProgram.objects.filter(pk=pa.settings.program_id).update(cutover_date=None)
    assert _phases(CUTOVER) == []
    PlanProgram.objects.filter(pk=pa.settings.program_id).update(cutover_date=CUTOVER)
    PlanPriorAuthSettings.objects.filter(pk=pa.settings.pk).update(is_active=False)
    assert _phases(CUTOVER) == []


# ---------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------
def test_before_the_date_the_home_says_the_plan_moves_here(pa, persona_client):
    date = _move_cutover(pa, 30)
    html = persona_client("physician").get(reverse("priorauth:home")).content.decode()
    assert len(_banners(html)) == 1 and 'data-cutover="upcoming"' in html
    assert f"Harborview Health Plan moves to this portal on {_long(date)}" in html
    assert (
        f"From {_long(date)}, Harborview Health Plan providers submit prior authorization "
        "requests only here, no longer in the Legacy Ortho Portal." in html
    )
    assert "moved to this portal" not in html
    # The lasting statement says it is still ahead.
    assert "The move to this portal" in html and "Moves here on" in html


def test_within_the_period_after_the_date_the_home_says_since(pa, persona_client):
    date = _move_cutover(pa, -30)
    html = persona_client("physician").get(reverse("priorauth:home")).content.decode()
    assert len(_banners(html)) == 1 and 'data-cutover="recent"' in html
    assert f"Harborview Health Plan moved to this portal on {_long(date)}" in html
    assert (
        f"Since {_long(date)}, Harborview Health Plan providers submit prior authorization "
        "requests here, no longer in the Legacy Ortho Portal." in html
    )
    assert (
        "Cases submitted in the Legacy Ortho Portal before that date stay available there, "
        "read-only, to check their status" in html
    )
    assert reverse("priorauth:legacy_list") in html
    assert "moves to this portal" not in html and "From " + _long(date) not in html


def test_the_new_request_page_shows_the_notice_too(pa, persona_client):
    date = _move_cutover(pa, -10)
    html = persona_client("physician").get(reverse("priorauth:request_new")).content.decode()
    assert f"Harborview Health Plan moved to this portal on {_long(date)}" in html


def test_after_the_period_no_banner_but_the_home_still_states_the_change(pa, persona_client):
    date = _move_cutover(pa, -200)
    html = persona_client("physician").get(reverse("priorauth:home")).content.decode()
    assert _banners(html) == [] and "data-cutover" not in html
    assert "moved to this portal on" not in html
    section = html.split('id="portal-move"', 1)[1].split("What is not changing", 1)[0]
    assert "Moved here on" in section and _long(date) in section
    assert (
        "Since that date, Harborview Health Plan providers submit prior authorization "
        "requests here, no longer in the Legacy Ortho Portal." in section
    )
    assert "Available in the Legacy Ortho Portal, read-only, to check their status" in section
    assert "shown here marked as legacy" in section
    assert "letters are posted here instead of being mailed." in section


def test_a_longer_notice_period_keeps_the_banner(pa, persona_client):
    _move_cutover(pa, -200, notice_days=365)
    html = persona_client("physician").get(reverse("priorauth:home")).content.decode()
    assert 'data-cutover="recent"' in html


@pytest.mark.parametrize("days_from_today", [30, -30], ids=["before", "after"])
def test_the_sign_in_name_is_the_configured_identity(pa, persona_client, settings, days_from_today):
    _move_cutover(pa, days_from_today)
    brand = {**settings.PORTICO_BRAND, "idp_name": "Harbor Key"}
    client = persona_client("physician")
    with override_settings(PORTICO_BRAND=brand):
        html = client.get(reverse("priorauth:home")).content.decode()
    banner = html.split('data-cutover="', 1)[1].split("</div>", 1)[0]
    assert "Sign in with your Harbor Key" in banner
    assert "Portico ID" not in banner


def test_two_plans_banners_have_their_own_labels(pa, persona_client):
    _move_cutover(pa, -30)
    other = HealthPlan.objects.create(payer_id="SUN02", name="Sunrise Community Health")
    program = PlanProgram.objects.create(
        plan=other,
        code="spj",
        name="Spine, Pain and Joint",
        cutover_date=timezone.localdate() + dt.timedelta(days=30),
        legacy_portal_name="Sunrise Legacy Portal",
    )
    PlanPriorAuthSettings.objects.create(
        plan=other, program=program, um_organization_name="Sunrise UM"
    )
    html = persona_client("physician").get(reverse("priorauth:home")).content.decode()
    ids = _banners(html)
    assert len(ids) == 2 and len(set(ids)) == 2
    for heading_id in ids:
        assert html.count(f'id="{heading_id}"') == 1
    assert "Sunrise Community Health moves to this portal on" in html
    assert "Harborview Health Plan moved to this portal on" in html
