import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portico.core.models import OutboxMessage
from portico.support.models import Actor, Case, CaseComment, CaseStatus
from portico.support.services import case_attachment_add, case_comment_add
from tests.support.conftest import PDF_BYTES, claim, open_case


def test_queue_lists_and_filters_cases(agent_client, sw):
    a = open_case(sw.customer, sw.user, subject="Alpha subject")
    b = open_case(sw.other_customer, sw.other_user, case_type="general", claim=None, subject="Beta")
    html = agent_client.get("/support/staff/").content.decode()
    assert a.number in html and b.number in html and "Due " in html
    html = agent_client.get("/support/staff/?status=open&case_type=general").content.decode()
    assert b.number in html and a.number not in html
    html = agent_client.get("/support/staff/?status=bogus").content.decode()  # invalid → open
    assert a.number in html


def test_a_queue_filter_that_is_not_understood_says_so(agent_client, sw):
    """Before: an unknown status or assignee in the address dropped every filter and showed
    the default list with only Django's "Select a valid choice" next to the field; now the
    page says a filter was not understood and the filters it understood still apply."""
    from django.utils import timezone

    open_case(sw.customer, sw.user, subject="Alpha subject")
    closed = open_case(sw.other_customer, sw.other_user, subject="Beta subject")
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    for query, field, message in (
        ("status=closed&assignee=bogus", "assignee", "“bogus” is not one of the assignees."),
        ("status=closed&assignee=999999", "assignee", "“999999” is not one of the assignees."),
        ("status=bogus&case_type=claim", "status", "“bogus” is not one of the statuses."),
    ):
        response = agent_client.get(f"/support/staff/?{query}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "A filter was not understood, so the list below does not use it" in html
        assert response.context["form"].errors[field] == [f"{message} Choose one from the list."]
        assert "Select a valid choice" not in html
        if "status=closed" in query:  # the status filter that was understood still applies
            assert [c.number for c, _ in response.context["rows"]] == [closed.number]
    page = agent_client.get("/support/staff/?status=closed").content.decode()
    assert "was not understood" not in page


def test_overdue_cases_are_highlighted(agent_client, sw, settings):
    settings.SUPPORT_SLA_TARGET_HOURS = {"new": 1}
    case = open_case(sw.customer, sw.user)
    from datetime import timedelta

    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(status_changed_at=timezone.now() - timedelta(hours=2))
    html = agent_client.get("/support/staff/").content.decode()
    assert "Overdue" in html and "portico-support-overdue" in html
    html = agent_client.get("/support/staff/?overdue=on").content.decode()
    assert case.number in html


def _seen(case) -> str:
    """The ``seen`` value the agent's page carries (the case's updated_at when rendered)."""
    case.refresh_from_db()
    return case.updated_at.isoformat()


def test_agent_reply_note_status_assign(agent_client, sw, django_capture_on_commit_callbacks):
    case = open_case(sw.customer, sw.user)
    sw.customer.portico_user = sw.user
    sw.customer.save()
    url = f"/support/staff/cases/{case.number}/"
    assert case.number in agent_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = agent_client.post(url + "reply/", {"body": "Public answer", "visibility": "public"})
    assert r.status_code == 302
    assert OutboxMessage.objects.filter(to=sw.user.email, subject__contains="replied").exists()
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(url + "reply/", {"body": "Agents only", "visibility": "internal"})
    assert OutboxMessage.objects.filter(to=sw.user.email, subject__contains="replied").count() == 1
    assert CaseComment.objects.get(body="Agents only").is_internal
    html = agent_client.get(url).content.decode()
    assert "Agents only" in html and "Internal note" in html
    agent_client.post(
        url + "status/", {"status": "waiting", "note": "Need the 835", "seen": _seen(case)}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING
    agent_client.post(url + "assign/", {"assign_to_me": "1", "seen": _seen(case)})
    case.refresh_from_db()
    assert case.assignee == sw.agent
    # An invalid transition gets a message, not a 500.
    response = agent_client.post(url + "status/", {"status": "new", "seen": _seen(case)})
    assert response.status_code == 400
    response = agent_client.post(url + "reply/", {"body": "", "visibility": "public"})
    assert response.status_code == 400 and "Write the reply or note." in response.content.decode()


def test_merge_from_the_console(agent_client, sw):
    survivor = open_case(sw.customer, sw.user)
    dup = open_case(sw.customer, sw.user)
    case_comment_add(case=dup, actor=sw.user, actor_kind=Actor.CUSTOMER, body="From the duplicate")
    response = agent_client.post(
        f"/support/staff/cases/{dup.number}/merge/",
        {"survivor": survivor.number.lower(), "seen": _seen(dup)},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{survivor.number}/")
    dup.refresh_from_db()
    assert dup.merged_into == survivor and dup.status == CaseStatus.CLOSED
    html = agent_client.get(response["Location"]).content.decode()
    assert "From the duplicate" in html and dup.number in html
    other = open_case(sw.other_customer, sw.other_user)
    response = agent_client.post(
        f"/support/staff/cases/{other.number}/merge/",
        {"survivor": survivor.number, "seen": _seen(other)},
    )
    assert response.status_code == 400 and "same customer" in response.content.decode()
    response = agent_client.post(
        f"/support/staff/cases/{other.number}/merge/",
        {"survivor": "CS-1999-000001", "seen": _seen(other)},
    )
    assert "There is no case with that number" in response.content.decode()


def test_merged_case_shows_on_the_customer_survivor_page(agent_client, sw):
    from tests.support.conftest import customer_client

    sam = customer_client(sw.user)
    survivor = open_case(sw.customer, sw.user)
    dup = open_case(sw.customer, sw.user)
    case_attachment_add(
        case=dup,
        actor=sw.user,
        actor_kind=Actor.CUSTOMER,
        file=SimpleUploadedFile("dup.pdf", PDF_BYTES),
    )
    agent_client.post(
        f"/support/staff/cases/{dup.number}/merge/",
        {"survivor": survivor.number, "seen": _seen(dup)},
    )
    html = sam.get(f"/support/cases/{survivor.number}/").content.decode()
    assert "dup.pdf" in html and f"from merged case {dup.number}" in html
    html = sam.get(f"/support/cases/{dup.number}/").content.decode()
    assert "was merged into" in html and survivor.number in html
    assert "Reopen case" not in html


def test_staff_attachment_download(agent_client, sw):
    case = open_case(sw.customer, sw.user)
    row = case_attachment_add(
        case=case,
        actor=sw.user,
        actor_kind=Actor.CUSTOMER,
        file=SimpleUploadedFile("x.pdf", PDF_BYTES),
    )
    response = agent_client.get(f"/support/staff/files/{row.pk}/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert agent_client.get("/support/staff/files/999999/").status_code == 404


def test_non_agents_cannot_use_the_console(sw):
    from tests.support.conftest import customer_client

    sam = customer_client(sw.user)
    case = open_case(sw.customer, sw.user)
    assert sam.get("/support/staff/").status_code == 403
    assert (
        sam.post(
            f"/support/staff/cases/{case.number}/reply/", {"body": "x", "visibility": "public"}
        ).status_code
        == 403
    )


def test_home_links_agents_to_the_console(agent_client, sw):
    assert "/support/staff/" in agent_client.get("/support/").content.decode()


def test_agent_attaches_a_file_the_customer_then_sees(agent_client, sw):
    from tests.support.conftest import customer_client

    case = open_case(sw.customer, sw.user)
    page = agent_client.get(f"/support/staff/cases/{case.number}/").content.decode()
    assert "Attach a file" in page and 'enctype="multipart/form-data"' in page
    response = agent_client.post(
        f"/support/staff/cases/{case.number}/attach/",
        {"file": SimpleUploadedFile("corrected-837.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    row = case.attachments.get()
    assert row.author_kind == Actor.AGENT and row.uploaded_by == sw.agent
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW  # an agent's file does not move the case
    sam = customer_client(sw.user)
    html = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert "corrected-837.pdf" in html
    assert sam.get(f"/support/files/{row.pk}/").status_code == 200


def test_agent_attach_form_sent_twice_attaches_the_file_once(agent_client, sw):
    """Before: the agent's Attach file form sent twice gave the customer the file twice."""
    case = open_case(sw.customer, sw.user)
    page = agent_client.get(f"/support/staff/cases/{case.number}/").content.decode()
    key = re.search(
        r'action="/support/staff/cases/[^"]+/attach/".*?name="idempotency_key" value="([^"]+)"',
        page,
        re.S,
    ).group(1)
    for _ in range(2):
        response = agent_client.post(
            f"/support/staff/cases/{case.number}/attach/",
            {"file": SimpleUploadedFile("letter.pdf", PDF_BYTES), "idempotency_key": key},
        )
        assert response.status_code == 302
    assert list(case.attachments.values_list("file_name", flat=True)) == ["letter.pdf"]


def test_agent_attachment_rejections_are_clear(agent_client, sw):
    case = open_case(sw.customer, sw.user)
    url = f"/support/staff/cases/{case.number}/attach/"
    html_file = SimpleUploadedFile("page.pdf", b"<html><script>alert(1)</script></html>")
    response = agent_client.post(url, {"file": html_file})
    assert response.status_code == 400
    assert "usa-error-message" in response.content.decode()
    assert agent_client.post(url, {}).status_code == 400
    assert not case.attachments.exists()
    assert agent_client.post("/support/staff/cases/CS-1999-999999/attach/", {}).status_code == 404


def test_a_decision_on_a_case_changed_meanwhile_is_refused_not_applied(agent_client, sw):
    """Two agents open the same case; the first changes its status, the second's status
    change, assignment and merge (made on the page they loaded) are refused with the reason,
    and after reading the refreshed page the second agent's next submit goes through."""
    import re

    case = open_case(sw.customer, sw.user)
    survivor = open_case(sw.customer, sw.user)
    url = f"/support/staff/cases/{case.number}/"
    page = agent_client.get(url).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)

    first = agent_client.post(url + "status/", {"status": "working", "seen": seen})
    assert first.status_code == 302

    stale = agent_client.post(url + "status/", {"status": "waiting", "seen": seen})
    assert stale.status_code == 409
    assert "changed by someone else since you opened it" in stale.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING
    assert (
        agent_client.post(url + "assign/", {"assign_to_me": "1", "seen": seen}).status_code == 409
    )
    merge = agent_client.post(url + "merge/", {"survivor": survivor.number, "seen": seen})
    assert merge.status_code == 409
    case.refresh_from_db()
    assert case.assignee is None and case.merged_into is None

    fresh = re.search(r'name="seen" value="([^"]+)"', stale.content.decode()).group(1)
    assert fresh != seen
    again = agent_client.post(url + "status/", {"status": "waiting", "seen": fresh})
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING


def test_status_note_says_the_customer_sees_it_and_the_customer_does(agent_client, sam, sw):
    """The status change's note is written in the customer's timeline: the form says so, as
    the reply form says who sees a reply, and points to the internal note for staff only."""
    case = open_case(sw.customer, sw.user)
    url = f"/support/staff/cases/{case.number}/"
    html = agent_client.get(url).content.decode()
    assert "Note (optional)" not in html
    assert '<label class="usa-label" for="id_note">Note to the customer (optional)</label>' in html
    hint = re.search(r'<div class="usa-hint" id="id_note_helptext">([^<]*)</div>', html)
    assert hint is not None
    assert "Shown to the customer on their case" in hint.group(1)
    assert "Internal note" in hint.group(1)
    assert re.search(r'<input [^>]*name="note"[^>]*aria-describedby="id_note_helptext"', html)
    # Beside it, the reply form's choice says who sees a reply.
    assert "Reply to the customer (the customer is emailed)" in html
    assert "Internal note (never shown to the customer)" in html

    agent_client.post(
        url + "status/",
        {"status": "waiting", "note": "Resolved: 999 delivered.", "seen": _seen(case)},
    )
    mine = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert "Status changed from New to Waiting" in mine and "Resolved: 999 delivered." in mine


def test_amounts_have_thousands_separators_for_agents_and_customers(agent_client, sam, sw):
    case = open_case(sw.customer, sw.user, claim=claim(billed_amount=Decimal("1250.00")))
    big = open_case(sw.customer, sw.user, claim=claim(billed_amount=Decimal("1234567.89")))
    for client, prefix in ((agent_client, "/support/staff/cases/"), (sam, "/support/cases/")):
        html = client.get(f"{prefix}{case.number}/").content.decode()
        assert "<dd>$1,250.00</dd>" in html and "$1250.00" not in html
        html = client.get(f"{prefix}{big.number}/").content.decode()
        assert "<dd>$1,234,567.89</dd>" in html


def test_a_decision_without_the_pages_version_is_refused(agent_client, sw):
    """Before: an empty or future ``seen`` skipped the "changed meanwhile" check."""
    case = open_case(sw.customer, sw.user)
    url = f"/support/staff/cases/{case.number}/status/"
    for seen in ("", "2999-01-01T00:00:00+00:00", "2026-01-01T00:00:00", "yesterday"):
        response = agent_client.post(url, {"status": "working", "seen": seen})
        assert response.status_code == 400, seen
        assert "Reload the page and try again." in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_reply_form_sent_twice_saves_and_emails_once(
    agent_client, sw, django_capture_on_commit_callbacks
):
    case = open_case(sw.colleague, sw.colleague_user)  # linked: replies are emailed
    url = f"/support/staff/cases/{case.number}/"
    key = re.search(
        r'name="idempotency_key" value="([^"]+)"', agent_client.get(url).content.decode()
    ).group(1)
    data = {"body": "Resubmit now", "visibility": "public", "idempotency_key": key}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert agent_client.post(url + "reply/", data).status_code == 302
        assert agent_client.post(url + "reply/", data).status_code == 302
    assert CaseComment.objects.filter(case=case).count() == 1
    assert len(callbacks) == 1
