"""The office's request page while it polls for the status (htmx, every second)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portico.core.models import AuditEvent
from portico.priorauth import services
from tests.factories.priorauth import submitted

pytestmark = pytest.mark.django_db


def _part(html: str, part_id: str) -> str:
    """The element ``id=part_id`` up to the next of the page's refreshable parts (or the end)."""
    found = re.search(
        rf'<div id="{part_id}"[^>]*>(.*?)(?=<div id="pa-|<section id="pa-|\Z)', html, re.S
    )
    return found.group(0) if found else ""


def _poll_url(page: str) -> str:
    return re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")


def _approve(row, reviewer):
    return services.priorauth_decide(
        request=row,
        actor=reviewer,
        version=row.version,
        decisions=[services.LineDecisionInput(line_no=1, decision="approved")],
    )


def test_a_decision_refreshes_the_services_table_and_the_attach_form(pa, world, persona_client):
    """Before: the poll swapped only the status block, so after the decision the services
    table still said "Not decided yet" and the page still offered "Add clinical attachments"
    on a request that takes no more documents, until the page was reloaded."""
    row = submitted(pa, world.users["physician"])
    office = persona_client("physician")
    page = office.get(reverse("priorauth:request_detail", kwargs={"reference": row.reference}))
    html = page.content.decode()
    assert "Not decided yet" in _part(html, "pa-services")
    assert "Add clinical attachments" in _part(html, "pa-office-form")
    poll = _poll_url(html)
    views = AuditEvent.objects.filter(action="portico.priorauth.viewed").count()

    # Nothing changed: 204 (htmx keeps the page as it is), and nothing is audited.
    assert office.get(poll).status_code == 204
    assert AuditEvent.objects.filter(action="portico.priorauth.viewed").count() == views

    _approve(row, world.users["um_reviewer"])
    answer = office.get(poll)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "Approved" in html.split('id="pa-status-heading"', 1)[1]
    services_part = _part(html, "pa-services")
    assert 'hx-swap-oob="true"' in services_part
    assert "Approved: 1 unit" in services_part and "Not decided yet" not in services_part
    office_part = _part(html, "pa-office-form")
    assert 'hx-swap-oob="true"' in office_part
    assert "Add clinical attachments" not in office_part and "<form" not in office_part
    assert 'id="pa-attachments" hx-swap-oob="true"' in html
    # The answer shows the decisions per line (member data): audited like the page view.
    assert AuditEvent.objects.filter(action="portico.priorauth.viewed").count() == views + 1
    # The decided request no longer polls.
    assert "hx-get" not in html


def test_a_send_back_brings_the_answer_form_and_other_changes_keep_the_form(
    pa, world, persona_client
):
    row = submitted(pa, world.users["physician"])
    reviewer = world.users["um_reviewer"]
    office = persona_client("physician")
    detail = reverse("priorauth:request_detail", kwargs={"reference": row.reference})
    poll = _poll_url(office.get(detail).content.decode())
    assert poll.endswith("&form=attach")

    # In Review: the attach form still applies, so the poll leaves it (and what was typed or
    # chosen in it) alone.
    row = services.priorauth_start_review(request=row, actor=reviewer, version=row.version)
    html = office.get(poll).content.decode()
    assert "In Review" in html and 'id="pa-office-form"' not in html
    assert 'id="pa-services" hx-swap-oob="true"' in html
    poll = _poll_url(html)

    services.priorauth_send_back(
        request=row, actor=reviewer, version=row.version, message="Send the MRI report."
    )
    html = office.get(poll).content.decode()
    office_part = _part(html, "pa-office-form")
    assert 'hx-swap-oob="true"' in office_part
    assert "Answer the reviewer and resubmit" in office_part
    assert 'name="answer"' in office_part and 'name="csrfmiddlewaretoken"' in office_part
    assert "Add clinical attachments" not in office_part
    assert _poll_url(html).endswith("&form=respond")


def test_the_poll_outside_the_practice_is_404_and_odd_parameters_are_no_500(
    pa, world, persona_client
):
    row = submitted(pa, world.users["physician"])
    url = reverse("priorauth:request_status", kwargs={"reference": row.reference})
    assert persona_client("billing_clerk_b").get(url, {"since": row.version}).status_code == 404
    office = persona_client("physician")
    for params in ({}, {"since": "x", "form": "\x00"}, {"since": row.version, "form": "x" * 5000}):
        assert office.get(url, params).status_code in (200, 204)
