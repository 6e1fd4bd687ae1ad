"""The reviewer's request page: its forms' markup."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from portico.priorauth.models import PriorAuthRequest, Status
from tests.factories.priorauth import submitted

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
