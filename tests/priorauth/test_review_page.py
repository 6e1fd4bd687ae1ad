"""The reviewer's request page: its forms' markup."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from portico.priorauth.models import PriorAuthRequest, Status
from tests.factories.priorauth import decide_data, submitted

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    """Every element id on a page, and the target of every ``<label for>``."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.label_for.append(str(found["for"]))


def _ids(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def _assert_unique_ids(html: str) -> None:
    page = _ids(html)
    duplicates = sorted(i for i, n in Counter(page.ids).items() if n > 1)
    assert duplicates == []
    assert [f for f in page.label_for if f not in page.ids] == []


def test_the_review_page_has_no_duplicate_ids(pa, world, persona_client):
    """Before: the assign, start, decide, send back, pend and withdraw forms each rendered
    ``<input id="id_version">`` and pend and withdrawal both ``<textarea id="id_reason">``, so
    the label "Reason for administrative withdrawal" pointed at the pend reason."""
    row = submitted(pa, world.users["physician"])
    reviewer = persona_client("um_reviewer")
    url = reverse("priorauth:staff_request", kwargs={"reference": row.reference})
    page = reviewer.get(url).content.decode()
    _assert_unique_ids(page)
    assert page.count('name="version"') == 6  # each form still posts its version
    assert 'for="id_withdraw_reason"' in page and 'for="id_pend_reason"' in page
    # A refused form shown again (its error next to its own field) has unique ids too.
    refused = reviewer.post(
        reverse("priorauth:staff_withdraw", kwargs={"reference": row.reference}),
        {"version": row.version, "reason": ""},
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    _assert_unique_ids(text)
    assert 'href="#id_withdraw_reason"' in text
    group = text.split('id="id_withdraw_reason_group"', 1)[1].split("</textarea>", 1)[0]
    assert "This field is required." in group


def test_the_version_check_still_works_with_the_new_ids(pa, world, persona_client):
    row = submitted(pa, world.users["physician"])
    reviewer = persona_client("um_reviewer")
    pend = reverse("priorauth:staff_pend", kwargs={"reference": row.reference})
    pended = reviewer.post(pend, {"version": row.version, "reason": "Peer to peer"})
    assert pended.status_code == 302
    stale = reviewer.post(
        reverse("priorauth:staff_withdraw", kwargs={"reference": row.reference}),
        {"version": row.version, "reason": "Duplicate"},
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    _assert_unique_ids(stale.content.decode())
    row = PriorAuthRequest.objects.get(pk=row.pk)
    assert row.status == Status.RECEIVED and row.withdrawn_at is None


def _sent_back(pa, world) -> PriorAuthRequest:
    from portico.priorauth import services

    row = submitted(pa, world.users["physician"])
    return services.priorauth_send_back(
        request=row,
        actor=world.users["um_reviewer"],
        version=row.version,
        message="Send the MRI report.",
    )


def _deny_data(row: PriorAuthRequest, **line: str) -> dict[str, str]:
    return decide_data(row, decision="denied", **line)


def test_a_sent_back_request_can_be_denied_for_lack_of_information(pa, world, persona_client):
    """Before: the transitions table lets a clinical reviewer deny a sent-back request (lack
    of information), but the page only said "Waiting for the office to answer the send back"
    and offered no way to do it."""
    from portico.core.models import AuditEvent
    from portico.documents.models import Document

    row = _sent_back(pa, world)
    reviewer = persona_client("um_reviewer")  # a clinical reviewer too
    url = reverse("priorauth:staff_request", kwargs={"reference": row.reference})
    page = reviewer.get(url).content.decode()
    assert "Waiting for the office to answer the send back." in page
    assert "<h3>Deny for lack of information</h3>" in page
    assert '<label class="usa-label" for="id_decide-0-deny_reason">Denial reason' in page
    for name in ("deny_reason", "criteria"):  # both required for a denial: marked so
        group = page.split(f'id="id_decide-0-{name}_group"', 1)[1]
        label = group.split("</label>", 1)[0]
        assert 'class="usa-hint usa-hint--required">*</abbr>' in label, label
    assert "Approve" not in page and "Record decision" not in page  # denial only
    assert ">Deny request</button>" in page
    _assert_unique_ids(page)

    # The same rules as every denial: the reason and the criteria, at their fields.
    decide = reverse("priorauth:staff_decide", kwargs={"reference": row.reference})
    refused = reviewer.post(decide, _deny_data(row, criteria="InterQual"))
    text = refused.content.decode()
    assert refused.status_code == 400
    group = text.split('id="id_decide-0-deny_reason_group"', 1)[1].split("</textarea>", 1)[0]
    assert "Give the reason and the criteria cited for denying line 1." in group
    assert "<h3>Deny for lack of information</h3>" in text
    _assert_unique_ids(text)
    row.refresh_from_db()
    assert row.status == Status.SEND_BACK

    denied = reviewer.post(
        decide,
        _deny_data(row, deny_reason="The MRI report was not received.", criteria="InterQual"),
        follow=True,
    )
    assert denied.status_code == 200
    assert "Decision recorded: Denied. The determination letter is posted." in (
        denied.content.decode()
    )
    row.refresh_from_db()
    assert row.status == Status.DENIED and row.decided_at is not None
    kinds = set(Document.objects.values_list("kind", flat=True))
    assert {"pa_adverse_full", "pa_member"} <= kinds
    event = AuditEvent.objects.get(action="portico.priorauth.decided")
    assert event.object_id == str(row.pk)
    office = persona_client("physician").get(
        reverse("priorauth:request_detail", kwargs={"reference": row.reference})
    )
    assert "Denied: The MRI report was not received. (criteria: InterQual)" in (
        office.content.decode()
    )


def test_a_sent_back_request_cannot_be_approved_and_only_clinical_reviewers_deny(
    pa, world, persona_client
):
    from django.contrib.auth.models import Group

    from portico.identity.roles import StaffRole
    from tests.conftest import mfa_login
    from tests.factories.identity import UserFactory

    row = _sent_back(pa, world)
    decide = reverse("priorauth:staff_decide", kwargs={"reference": row.reference})
    # Approving while the office has not answered is not in the transitions table.
    approve = _deny_data(row) | {"decide-0-decision": "approved"}
    refused = persona_client("um_reviewer").post(decide, approve)
    assert refused.status_code == 400
    assert "A request that is Send back cannot be changed to Approved." in (
        refused.content.decode()
    )

    # A UM reviewer who is not a clinical reviewer is told who may deny, and is refused.
    um_only = UserFactory(username="umonly01", is_staff=True)
    um_only.groups.add(Group.objects.get_or_create(name=StaffRole.UM_REVIEWER)[0])
    client = mfa_login(Client(), um_only)
    page = client.get(reverse("priorauth:staff_request", kwargs={"reference": row.reference}))
    text = page.content.decode()
    assert (
        "Only clinical reviewers may deny a request, including one waiting for the office's answer."
        in text
    )
    assert ">Deny request</button>" not in text
    response = client.post(decide, _deny_data(row, deny_reason="Not received", criteria="X"))
    assert response.status_code == 400  # and says why (before: a page with no message)
    assert "Only clinical reviewers may deny a service." in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.SEND_BACK
