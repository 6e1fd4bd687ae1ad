import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from portico.support.models import Actor, Case, CaseStatus
from portico.support.selectors import (
    attachment_get_for_customer,
    case_get_for_customer,
    case_timeline,
    cases_for_customer,
    customer_for_user,
    sla_clock,
    staff_queue,
)
from portico.support.services import case_assign, case_comment_add, case_status_change
from tests.support.conftest import open_case


def test_cases_are_scoped_to_the_customer_organisation(sw):
    sw.customer.portico_user = sw.user
    sw.customer.save()
    mine = open_case(sw.customer, sw.user)
    colleagues = open_case(sw.colleague, sw.colleague_user)
    other = open_case(sw.other_customer, sw.other_user)
    assert set(cases_for_customer(customer=sw.customer)) == {mine, colleagues}
    assert list(cases_for_customer(customer=sw.customer, scope="mine")) == [mine]
    assert list(
        cases_for_customer(customer=sw.customer, scope="number", number=colleagues.number.lower())
    ) == [colleagues]
    assert not cases_for_customer(
        customer=sw.customer, scope="number", number=other.number
    ).exists()
    assert case_get_for_customer(customer=sw.customer, number=colleagues.number) == colleagues
    with pytest.raises(Http404):
        case_get_for_customer(customer=sw.customer, number=other.number)


def test_attachments_of_other_customers_are_not_found(sw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portico.support.services import case_attachment_add
    from tests.support.conftest import PDF_BYTES

    other = open_case(sw.other_customer, sw.other_user)
    row = case_attachment_add(
        case=other,
        actor=sw.other_user,
        actor_kind=Actor.CUSTOMER,
        file=SimpleUploadedFile("a.pdf", PDF_BYTES),
    )
    with pytest.raises(Http404):
        attachment_get_for_customer(customer=sw.colleague, pk=row.pk)
    assert attachment_get_for_customer(customer=sw.other_customer, pk=row.pk) == row


def test_customer_for_user_needs_the_link_and_the_grant(sw):
    assert (
        customer_for_user(user=sw.colleague_user, customer_user_id=sw.colleague.pk) == sw.colleague
    )
    assert customer_for_user(user=sw.user, customer_user_id=sw.colleague.pk) is None
    sw.colleague_user.grants.update(is_active=False)
    assert customer_for_user(user=sw.colleague_user, customer_user_id=sw.colleague.pk) is None


def test_timeline_hides_internal_notes_and_assignments_from_customers(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    case_comment_add(case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="public reply")
    case_comment_add(
        case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="internal only", is_internal=True
    )
    case_assign(case=case, actor=sw.agent, assignee=sw.agent)
    customer_view = case_timeline(case=case, include_internal=False)
    agent_view = case_timeline(case=case, include_internal=True)
    bodies = [e.item.body for e in customer_view if e.kind == "comment"]
    assert bodies == ["public reply"]
    assert not any(e.is_internal for e in customer_view)
    assert {e.item.body for e in agent_view if e.kind == "comment"} == {
        "public reply",
        "internal only",
    }
    assert any(e.kind == "event" and e.item.kind == "assigned" for e in agent_view)


def test_sla_clock_and_overdue_filter(sw, settings):
    settings.SUPPORT_SLA_TARGET_HOURS = {"new": 2, "working": 10, "waiting": None}
    fresh = open_case(sw.colleague, sw.colleague_user)
    late = open_case(sw.colleague, sw.colleague_user)
    Case.objects.filter(pk=late.pk).update(status_changed_at=timezone.now() - dt.timedelta(hours=3))
    late.refresh_from_db()
    assert sla_clock(late).overdue and not sla_clock(fresh).overdue
    assert list(staff_queue(agent=sw.agent, overdue=True)) == [late]
    case_status_change(case=late, actor=sw.agent, status=CaseStatus.WAITING)
    late.refresh_from_db()
    assert sla_clock(late) is None  # no target for Waiting in this configuration


def test_queue_filters(sw):
    a = open_case(sw.colleague, sw.colleague_user)
    b = open_case(sw.colleague, sw.colleague_user, case_type="general", claim=None)
    c = open_case(sw.other_customer, sw.other_user)
    Case.objects.filter(pk=c.pk).update(created_at=timezone.now() - dt.timedelta(days=5))
    case_assign(case=a, actor=sw.agent, assignee=sw.agent)
    case_status_change(case=b, actor=sw.agent, status=CaseStatus.CLOSED)
    assert set(staff_queue(agent=sw.agent)) == {a, c}  # open by default
    assert set(staff_queue(agent=sw.agent, status="all")) == {a, b, c}
    assert list(staff_queue(agent=sw.agent, status="closed")) == [b]
    assert list(staff_queue(agent=sw.agent, status="all", case_type="general")) == [b]
    assert list(staff_queue(agent=sw.agent, assignee="me")) == [a]
    assert list(staff_queue(agent=sw.agent, assignee="unassigned")) == [c]
    assert list(staff_queue(agent=sw.agent, assignee=str(sw.agent.pk))) == [a]
    assert list(staff_queue(agent=sw.agent, age="3to7d")) == [c]
    assert list(staff_queue(agent=sw.agent, age="lt1d")) == [a]
