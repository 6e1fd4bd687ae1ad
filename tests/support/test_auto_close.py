"""Resolved cases close by themselves after SUPPORT_AUTO_CLOSE_DAYS (command and task)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from portico.core.models import AuditEvent, OutboxMessage
from portico.support import services, tasks
from portico.support.models import Actor, CaseEvent, CaseStatus
from tests.support.conftest import open_case


def _resolve(case, agent, *, days_ago: float):
    services.case_status_change(case=case, actor=agent, status=CaseStatus.RESOLVED)
    when = timezone.now() - dt.timedelta(days=days_ago)
    type(case).objects.filter(pk=case.pk).update(status_changed_at=when)


def test_command_closes_only_cases_resolved_long_enough(sw, settings):
    settings.SUPPORT_AUTO_CLOSE_DAYS = 7
    old = open_case(sw.colleague, sw.colleague_user, subject="Old one")
    recent = open_case(sw.colleague, sw.colleague_user, subject="Recent one")
    working = open_case(sw.colleague, sw.colleague_user, subject="Still working")
    _resolve(old, sw.agent, days_ago=8)
    _resolve(recent, sw.agent, days_ago=2)
    services.case_status_change(case=working, actor=sw.agent, status=CaseStatus.WORKING)

    out = StringIO()
    call_command("support_auto_close", stdout=out)
    assert f"closed {old.number}" in out.getvalue() and "1 case closed." in out.getvalue()

    old.refresh_from_db()
    recent.refresh_from_db()
    working.refresh_from_db()
    assert old.status == CaseStatus.CLOSED and old.closed_at is not None
    assert (recent.status, working.status) == (CaseStatus.RESOLVED, CaseStatus.WORKING)
    event = CaseEvent.objects.filter(case=old, to_status=CaseStatus.CLOSED).get()
    assert event.actor_kind == Actor.SYSTEM and "automatically" in event.note
    assert AuditEvent.objects.filter(
        action="portico.support.case_status_changed", object_id=str(old.pk)
    ).exists()
    # a second run finds nothing (idempotent)
    assert services.cases_auto_close() == []


def test_the_customer_is_emailed_and_may_still_reopen(sw, django_capture_on_commit_callbacks):
    case = open_case(sw.colleague, sw.colleague_user)
    _resolve(case, sw.agent, days_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.auto_close_resolved() == 1
    mail = OutboxMessage.objects.filter(to=sw.colleague_user.email).order_by("-id").first()
    assert mail is not None and case.number in mail.subject and "Closed" in mail.subject
    case.refresh_from_db()
    services.case_reopen(case=case, actor=sw.colleague_user)  # within SUPPORT_REOPEN_DAYS
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING


@pytest.mark.parametrize("days", [0])
def test_zero_days_switches_it_off(sw, settings, days):
    settings.SUPPORT_AUTO_CLOSE_DAYS = days
    case = open_case(sw.colleague, sw.colleague_user)
    _resolve(case, sw.agent, days_ago=365)
    assert services.cases_auto_close() == []


def test_command_refuses_bad_days(sw):
    with pytest.raises(Exception, match="--days must be 1 or more"):
        call_command("support_auto_close", "--days", "0")
