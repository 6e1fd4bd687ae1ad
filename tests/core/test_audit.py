import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portico.core.audit import audit_record, verify_chain
from portico.core.models import AppendOnlyError, AuditEvent


@pytest.mark.django_db
def test_events_chain_and_verify(world):
    user = world.users["billing_clerk"]
    first = audit_record(action="portico.test.one", actor=user, obj=world.practice_a)
    second = audit_record(
        action="portico.test.two", actor=None, changes={"x": {"from": 1, "to": 2}}
    )
    assert second.prev_hash == first.hash
    assert first.actor_label == "clerk-a01"
    assert first.object_type == "organizations.organization"
    assert verify_chain() is None
    call_command("audit", "verify")


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted(world):
    event = audit_record(action="portico.test.one")
    event.action = "portico.test.other"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db
def test_tampering_behind_the_applications_back_is_found(world):
    audit_record(action="portico.test.one")
    target = audit_record(action="portico.test.two")
    audit_record(action="portico.test.three")
    AuditEvent.objects.filter(pk=target.pk).update(object_repr="forged")
    broken = verify_chain()
    assert broken is not None and broken.event_id == target.pk
    with pytest.raises(CommandError, match=f"broken at event {target.pk}"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_request_context_is_recorded(client, world):
    from portico.core import request_context

    token = request_context.set_current(
        request_context.RequestContext(ip_address="203.0.113.9", user_agent="UA", request_id="r1")
    )
    try:
        event = audit_record(action="portico.test.ctx")
    finally:
        request_context.reset(token)
    assert (event.ip_address, event.user_agent, event.request_id) == ("203.0.113.9", "UA", "r1")


@pytest.mark.django_db
def test_a_nul_in_what_is_audited_is_kept_as_a_replacement_character(world):
    """A tampered query string may carry a NUL into an audited filter (the UM queue's
    ``assigned``); PostgreSQL's jsonb and text refuse NUL, so that page answered 500 there."""
    event = audit_record(
        action="portico.priorauth.listed_by_staff",
        actor=world.users["um_reviewer"],
        object_repr="queue\x00",
        member_ref="M\x00",
        changes={"filters": {"assigned": "a\x00b", "k\x00": ["x\x00"]}},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changes == {"filters": {"assigned": "a\ufffdb", "k\ufffd": ["x\ufffd"]}}
    assert stored.object_repr == "queue\ufffd" and stored.member_ref == "M\ufffd"
    assert verify_chain() is None  # the stored row is the one hashed
