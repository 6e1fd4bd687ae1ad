"""An administratively withdrawn request reads as Withdrawn (closed) everywhere people see it,
and nothing moves it on (decision 0021: withdrawal is an event that keeps the status)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portico.core.models import OutboxMessage
from portico.priorauth import services, transitions
from portico.priorauth.models import WITHDRAWN, PriorAuthRequest, Status
from tests.factories.priorauth import submitted

pytestmark = pytest.mark.django_db

REASON = "Duplicate of a request already in review."
REVIEW_TEXT = "waiting for review"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _status_block(html: str) -> str:
    match = re.search(r'<section id="pa-status".*?</section>', html, re.S)
    assert match, "no status block"
    return _text(match.group(0))


def _row(html: str, reference: str) -> str:
    match = re.search(rf"<tr>(?:(?!</tr>).)*?{reference}.*?</tr>", html, re.S)
    assert match, f"no row for {reference}"
    return _text(match.group(0))


def _withdrawn(pa, world, *, send_back: bool = False) -> PriorAuthRequest:
    reviewer = world.users["um_reviewer"]
    row = submitted(pa, world.users["physician"])
    if send_back:
        row = services.priorauth_send_back(
            request=row, actor=reviewer, version=row.version, message="Send the MRI report."
        )
    return services.priorauth_withdraw(
        request=row, actor=reviewer, version=row.version, reason=REASON
    )


def test_the_office_sees_a_withdrawn_request_as_withdrawn_and_closed(pa, world, persona_client):
    row = _withdrawn(pa, world)
    assert row.status == Status.RECEIVED  # the status is kept (decision 0021)
    client = persona_client("physician")
    day = f"{timezone.localtime(row.withdrawn_at):%b} {timezone.localtime(row.withdrawn_at).day}"

    page = client.get(reverse("priorauth:request_detail", kwargs={"reference": row.reference}))
    block = _status_block(page.content.decode())
    assert block.startswith("Status Withdrawn Closed")
    assert "Received" not in block.split("History")[0]
    assert REVIEW_TEXT not in block and "Allow the appropriate time" not in block
    assert "Closed without a clinical decision" in block
    assert f"Administratively withdrawn {day}" in block and REASON in block
    assert "hx-trigger" not in page.content.decode().split('id="pa-status"')[1].split(">")[0]

    # The block the page polls says the same.
    poll = client.get(
        reverse("priorauth:request_status", kwargs={"reference": row.reference}),
        {"since": row.version - 1},
    )
    assert _status_block(poll.content.decode()).startswith("Status Withdrawn Closed")

    # The lists: home's recent requests and My requests.
    for url in (reverse("priorauth:home"), reverse("priorauth:request_list")):
        line = _row(client.get(url).content.decode(), row.reference)
        assert "Withdrawn (closed" in line and "Received" not in line, line


def test_the_request_list_filters_by_what_people_see(pa, world, persona_client):
    withdrawn = _withdrawn(pa, world)
    waiting = submitted(pa, world.users["physician"], member=pa.member_b)
    client = persona_client("physician")
    url = reverse("priorauth:request_list")
    received = client.get(url, {"status": "received"}).content.decode()
    assert waiting.reference in received and withdrawn.reference not in received
    only_withdrawn = client.get(url, {"status": WITHDRAWN}).content.decode()
    assert withdrawn.reference in only_withdrawn and waiting.reference not in only_withdrawn
    assert '<option value="withdrawn">Withdrawn</option>' in received


def test_the_review_queue_and_page_show_withdrawn(pa, world, persona_client):
    row = _withdrawn(pa, world)
    reviewer = persona_client("um_reviewer")
    queue_url = reverse("priorauth:staff_queue")
    assert row.reference not in reviewer.get(queue_url).content.decode()  # not open
    for status in ("", "received"):
        page = reviewer.get(queue_url, {"status": status}).content.decode()
        assert row.reference not in page
    page = reviewer.get(queue_url, {"status": WITHDRAWN}).content.decode()
    line = _row(page, row.reference)
    assert "Withdrawn (closed" in line and "was Received" in line, line
    staff = reviewer.get(reverse("priorauth:staff_request", kwargs={"reference": row.reference}))
    summary = _text(staff.content.decode().split("<h2>Request</h2>")[0])
    assert "Withdrawn · Administratively withdrawn" in summary and REASON in summary
    assert "This request is closed." in staff.content.decode()


def test_the_withdrawal_email_says_withdrawn_without_the_review_text(
    pa, world, django_capture_on_commit_callbacks
):
    office = world.users["physician"]
    row = submitted(pa, office)
    with django_capture_on_commit_callbacks(execute=True):
        services.priorauth_withdraw(
            request=row, actor=world.users["um_reviewer"], version=row.version, reason=REASON
        )
    message = OutboxMessage.objects.filter(channel="email", to=office.email).latest("id")
    assert message.subject == f"Prior authorization {row.reference}: Withdrawn"
    assert REVIEW_TEXT not in message.body and "Closed without a clinical decision" in message.body


def test_an_answered_send_back_cannot_reopen_a_withdrawn_request(pa, world, persona_client):
    row = _withdrawn(pa, world, send_back=True)
    assert row.status == Status.SEND_BACK and row.state == WITHDRAWN
    client = persona_client("physician")
    url = reverse("priorauth:request_detail", kwargs={"reference": row.reference})
    page = client.get(url).content.decode()
    assert "Answer the reviewer and resubmit" not in page
    assert "The reviewer needs more information" not in _status_block(page)
    response = client.post(
        reverse("priorauth:request_respond", kwargs={"reference": row.reference}),
        {"answer": "MRI attached."},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == Status.SEND_BACK and row.withdrawn_at is not None
    assert "administratively withdrawn and is closed" in _text(client.get(url).content.decode())


def test_reviewers_cannot_move_a_withdrawn_request_on(pa, world):
    reviewer = world.users["um_reviewer"]
    row = _withdrawn(pa, world)
    for act in (
        lambda: services.priorauth_start_review(request=row, actor=reviewer, version=row.version),
        lambda: services.priorauth_send_back(
            request=row, actor=reviewer, version=row.version, message="x"
        ),
        lambda: services.priorauth_decide(
            request=row,
            actor=reviewer,
            version=row.version,
            decisions=[services.LineDecisionInput(1, "approved")],
        ),
    ):
        with pytest.raises(transitions.TransitionNotAllowed, match="withdrawn and is closed"):
            act()
    with pytest.raises(services.PriorAuthError, match="Only open requests"):
        services.priorauth_withdraw(request=row, actor=reviewer, version=row.version, reason="x")
    with pytest.raises(services.PriorAuthError):
        services.priorauth_pend(request=row, actor=reviewer, version=row.version, reason="x")
    row.refresh_from_db()
    assert row.status == Status.RECEIVED and row.lines.get().decision == ""


def test_the_transitions_table_closes_withdrawn_requests():
    sources = {current for current, target in transitions.TRANSITIONS if target == WITHDRAWN}
    assert sources == {Status.RECEIVED, Status.IN_REVIEW, Status.SEND_BACK}
    assert not [pair for pair in transitions.TRANSITIONS if pair[0] == WITHDRAWN]
    assert not transitions.may(Status.DRAFT, WITHDRAWN, transitions.CLINICAL)
    assert not transitions.may(Status.APPROVED, WITHDRAWN, transitions.CLINICAL)
    assert not transitions.may(Status.RECEIVED, WITHDRAWN, transitions.OFFICE)
