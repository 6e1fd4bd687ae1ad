"""The compliance view of the audit trail, its CSV export, and retention archiving."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from portico.core import request_context
from portico.core.audit import audit_record, verify_chain
from portico.core.audit_archive import archive_events, read_archive, verify_archives
from portico.core.models import AuditCheckpoint, AuditEvent
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def compliance_client(client):
    user = UserFactory(username="compliance1", is_staff=True)
    user.groups.add(Group.objects.get(name="compliance"))  # made by core's data migration
    return mfa_login(client, user)


def _event(action="portico.trusttest.record_viewed", **kw):
    token = request_context.set_current(
        request_context.RequestContext(ip_address="198.51.100.7", user_agent="UA/1", request_id="r")
    )
    try:
        return audit_record(action=action, **kw)
    finally:
        request_context.reset(token)


def test_event_records_who_for_which_org_what_changed_when_and_from_where(world):
    clerk = world.users["billing_clerk"]
    event = _event(
        actor=clerk,
        obj=world.practice_a,
        organization_id=world.practice_a.pk,
        member_ref="AB12345",
        changes={"status": {"from": "open", "to": "closed"}},
    )
    event.refresh_from_db()
    assert event.actor_id == clerk.pk and event.actor_label == clerk.username
    assert event.organization_id == world.practice_a.pk
    assert (event.object_type, event.object_id) == (
        "organizations.organization",
        str(world.practice_a.pk),
    )
    assert event.changes == {"status": {"from": "open", "to": "closed"}}
    assert event.occurred_at is not None and event.member_ref == "AB12345"
    assert (event.ip_address, event.user_agent) == ("198.51.100.7", "UA/1")


def test_compliance_officer_filters_by_user_member_object_action_and_date(world, compliance_client):
    clerk, physician = world.users["billing_clerk"], world.users["physician"]
    _event(actor=clerk, member_ref="AB12345", obj=world.practice_a)
    _event(action="portico.support.case_created", actor=physician, member_ref="ZZ999")
    url = reverse("core:audit")

    page = compliance_client.get(url, {"user": clerk.username}).content.decode()
    assert "trusttest record viewed" in page and "ZZ999" not in page

    page = compliance_client.get(url, {"member": "zz999"}).content.decode()
    assert "ZZ999" in page and "AB12345" not in page

    page = compliance_client.get(
        url, {"object_type": "organizations.organization", "object_id": world.practice_a.pk}
    ).content.decode()
    assert "AB12345" in page and "ZZ999" not in page

    page = compliance_client.get(url, {"action": "portico.support"}).content.decode()
    assert "ZZ999" in page and "AB12345" not in page

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = compliance_client.get(url, {"date_from": tomorrow}).content.decode()
    assert "AB12345" not in page and "ZZ999" not in page

    bad = compliance_client.get(url, {"date_from": tomorrow, "date_to": "2000-01-01"})
    assert bad.status_code == 200 and "must be on or after" in bad.content.decode()


def test_an_object_is_found_by_the_number_people_know(world, compliance_client):
    """Compliance staff search by the case or claim number on the screen, not the row id."""
    _event(
        object_type="support.case", object_id="2", object_repr="CS-2026-000002", member_ref="ZQONE"
    )
    _event(
        object_type="claims.claim",
        object_id="169",
        object_repr="C20260000169 (Finalized – paid)",
        member_ref="ZQTWO",
    )
    _event(
        object_type="claims.claim",
        object_id="1690",
        object_repr="C202600001690",
        member_ref="ZQTHREE",
    )
    url = reverse("core:audit")
    page = compliance_client.get(
        url, {"object_type": "support.case", "object_id": "CS-2026-000002"}
    ).content.decode()
    assert "ZQONE" in page and "ZQTWO" not in page
    page = compliance_client.get(url, {"object_id": "C20260000169"}).content.decode()
    assert "ZQTWO" in page and "ZQTHREE" not in page and "ZQONE" not in page
    page = compliance_client.get(url, {"object_id": "169"}).content.decode()  # the internal ID
    assert "ZQTWO" in page and "ZQTHREE" not in page


def test_the_trail_names_each_events_practice(world, compliance_client):
    """Before: the Organization column and the export gave only the practice's number."""
    practice = world.practice_a
    _event(organization_id=practice.pk, member_ref="ZQNAMED")
    _event(organization_id=987654, member_ref="ZQGONE")  # a practice since removed
    page = compliance_client.get(reverse("core:audit"), {"member": "ZQNAMED"}).content.decode()
    assert f'{practice.name}<br><span class="portico-meta">No. {practice.pk}</span>' in page
    page = compliance_client.get(reverse("core:audit"), {"member": "ZQGONE"}).content.decode()
    assert "(removed)" in page and "No. 987654" in page
    response = compliance_client.get(reverse("core:audit-export"), {"organization": practice.pk})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    named = [r for r in rows if r["member"] == "ZQNAMED"]
    assert [(r["organization_id"], r["organization"]) for r in named] == [
        (str(practice.pk), practice.name)
    ]


def test_viewing_and_exporting_the_trail_is_itself_audited(world, compliance_client):
    _event(actor=world.users["billing_clerk"], member_ref="AB12345")
    compliance_client.get(reverse("core:audit"), {"member": "AB12345"})
    viewed = AuditEvent.objects.filter(action="portico.audit.viewed").get()
    assert viewed.actor_label == "compliance1"
    assert viewed.changes == {"filters": {"member": "AB12345"}}

    response = compliance_client.get(reverse("core:audit-export"), {"member": "AB12345"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    # Newest first; a search for a member is recorded against that member too.
    assert [r["action"] for r in rows] == [
        "portico.audit.exported",
        "portico.audit.viewed",
        "portico.trusttest.record_viewed",
    ]
    assert rows[2]["member"] == "AB12345" and rows[2]["ip_address"] == "198.51.100.7"
    assert rows[2]["description"] == "trusttest record viewed"
    assert AuditEvent.objects.filter(action="portico.audit.exported").count() == 1


def test_export_neutralises_spreadsheet_formulas(world, compliance_client):
    _event(object_repr='=HYPERLINK("http://evil")', object_type="x.y", object_id="1")
    response = compliance_client.get(reverse("core:audit-export"), {"object_type": "x.y"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["object"].startswith("'=")


def test_keyset_pages_walk_forward_and_back_without_gaps(world, compliance_client, settings):
    from portico.core import views

    ids = [_event(action="portico.test.page", object_id=str(i)).id for i in range(7)]
    views.AUDIT_PAGE_SIZE, old = 3, views.AUDIT_PAGE_SIZE
    try:
        seen: list[int] = []
        url = reverse("core:audit") + "?action=portico.test.page"
        pages = []
        while url:
            response = compliance_client.get(url)
            rows = response.context["rows"]
            pages.append([r.id for r in rows])
            seen += [r.id for r in rows]
            nxt = response.context["next_url"]
            url = reverse("core:audit") + nxt if nxt else ""
        assert seen == sorted(ids, reverse=True)
        assert [len(p) for p in pages] == [3, 3, 1]
        back = compliance_client.get(reverse("core:audit") + response.context["prev_url"])
        assert [r.id for r in back.context["rows"]] == pages[1]
    finally:
        views.AUDIT_PAGE_SIZE = old


@pytest.mark.parametrize("persona", ["billing_clerk", "support_agent", "access_admin"])
def test_others_are_refused(world, persona_client, persona):
    assert persona_client(persona).get(reverse("core:audit")).status_code == 403
    assert persona_client(persona).get(reverse("core:audit-export")).status_code == 403


def test_archiving_past_retention_keeps_verify_clean(settings):
    from unittest import mock

    long_ago = timezone.now() - timedelta(days=3000)
    with mock.patch("portico.core.audit.timezone.now", return_value=long_ago):
        old = [_event(action="portico.test.old") for _ in range(3)]
    recent = [_event(action="portico.test.recent") for _ in range(2)]
    assert verify_chain() is None

    settings.PORTICO_AUDIT_RETENTION_DAYS = 2192
    checkpoint = archive_events()
    assert checkpoint is not None and checkpoint.archived_count == 3
    assert checkpoint.last_event_id == old[-1].id and checkpoint.last_hash == old[-1].hash
    assert not AuditEvent.objects.filter(action="portico.test.old").exists()
    assert AuditEvent.objects.filter(action="portico.test.recent").count() == 2
    assert AuditEvent.objects.filter(action="portico.audit.archived").count() == 1
    assert [row["id"] for row in read_archive(checkpoint.archive_key)] == [e.id for e in old]
    assert verify_chain() is None and verify_archives() is None
    call_command("audit", "verify", "--archives")
    assert archive_events() is None  # nothing else is old enough
    assert recent[0].prev_hash == old[-1].hash

    # Tampering with a remaining event is still found after the checkpoint.
    AuditEvent.objects.filter(pk=recent[1].pk).update(object_repr="forged")
    with pytest.raises(CommandError, match=f"broken at event {recent[1].pk}"):
        call_command("audit", "verify")


def test_deleting_the_newest_events_is_found(world):
    _event()
    last = _event()
    AuditEvent.objects.filter(pk=last.pk).delete()
    broken = verify_chain()
    assert broken is not None and "rows removed" in broken.reason


def test_archive_command_says_when_nothing_is_old_enough(capsys):
    _event()
    call_command("audit", "archive")
    assert "Nothing to archive" in capsys.readouterr().out
    assert not AuditCheckpoint.objects.exists()


def test_out_of_range_search_values_get_a_message_not_a_500(world, compliance_client):
    """Before: ?before=² (a digit int() refuses), a user number too large for the database and
    a to-date of 9999-12-31 (a day added past the calendar's end) answered 500."""
    url = reverse("core:audit")
    for query in (
        {"before": "²"},
        {"after": "٣"},
        {"user": "99999999999999999999999"},
        {"organization": "99999999999999999999999"},
    ):
        assert compliance_client.get(url, query).status_code == 200, query
    for where in (url, reverse("core:audit-export")):
        for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
            response = compliance_client.get(where, query)
            assert response.status_code in (200, 400), (where, query)
    page = compliance_client.get(url, {"date_to": "9999-12-31"}).content.decode()
    assert "Enter a date between 1900 and 2999." in page
