"""Idempotency keys and the transactional outbox (core.idempotency, core.outbox)."""

from __future__ import annotations

import pytest
from celery import shared_task
from django import forms
from django.db import transaction

from portico.core.idempotency import (
    IdempotencyConflict,
    IdempotentFormMixin,
    key_from_request,
    run_once,
)
from portico.core.models import IdempotencyKey, OutboxMessage, OutboxTask
from portico.core.outbox import enqueue, pending_count, relay_pending

pytestmark = pytest.mark.django_db

DELIVERED: list[str] = []


@shared_task(name="tests.core.record_delivery")
def record_delivery(label: str) -> None:
    DELIVERED.append(label)


@shared_task(name="tests.core.always_fails")
def always_fails() -> None:
    raise ValueError("this task's own bug")


def _create(name: str):
    return lambda: OutboxMessage.objects.create(channel="email", to=name)


def _count(*names: str) -> int:
    return OutboxMessage.objects.filter(to__in=names).count()


def test_the_same_key_creates_once_and_returns_the_first_item(world):
    clerk = world.users["billing_clerk"]
    first = run_once(user=clerk, scope="test.org", key="k1", create=_create("One"))
    again = run_once(user=clerk, scope="test.org", key="k1", create=_create("Two"))
    assert not first.replayed and again.replayed
    assert again.obj.pk == first.obj.pk
    assert _count("One", "Two") == 1


def test_keys_are_scoped_by_user_and_scope(world):
    a, b = world.users["billing_clerk"], world.users["billing_clerk_b"]
    run_once(user=a, scope="test.org", key="k", create=_create("A"))
    other_user = run_once(user=b, scope="test.org", key="k", create=_create("B"))
    other_scope = run_once(user=a, scope="test.other", key="k", create=_create("C"))
    assert not other_user.replayed and not other_scope.replayed
    assert IdempotencyKey.objects.count() == 3


def test_no_key_means_no_idempotency(world):
    run_once(user=None, scope="test.org", key="", create=_create("X"))
    run_once(user=None, scope="test.org", key="", create=_create("X"))
    assert _count("X") == 2
    assert not IdempotencyKey.objects.exists()


def test_a_failed_submission_leaves_no_key_behind(world):
    def boom():
        OutboxMessage.objects.create(channel="email", to="Half")
        raise ValueError("invalid")

    with pytest.raises(ValueError), transaction.atomic():
        run_once(user=None, scope="test.org", key="k9", create=boom)
    assert not IdempotencyKey.objects.exists()
    assert _count("Half") == 0
    # The retry with the same key is a fresh attempt.
    result = run_once(user=None, scope="test.org", key="k9", create=_create("Whole"))
    assert not result.replayed


def test_a_key_whose_item_was_deleted_is_a_conflict(world):
    result = run_once(user=None, scope="test.org", key="k2", create=_create("Gone"))
    result.obj.delete()
    with pytest.raises(IdempotencyConflict):
        run_once(user=None, scope="test.org", key="k2", create=_create("Gone"))


def test_form_mixin_offers_a_fresh_key_and_the_request_reader(rf):
    class Form(IdempotentFormMixin, forms.Form):
        name = forms.CharField()

    one, two = Form(), Form()
    assert one["idempotency_key"].value() != two["idempotency_key"].value()
    assert 'type="hidden"' in str(one["idempotency_key"])
    bound = Form({"name": "x", "idempotency_key": "abc"})
    assert bound.is_valid() and bound.cleaned_data["idempotency_key"] == "abc"
    request = rf.post("/", {}, HTTP_IDEMPOTENCY_KEY="from-header")
    assert key_from_request(request) == "from-header"
    assert key_from_request(rf.post("/", {"idempotency_key": "x" * 500})) == ""


def test_outbox_task_is_sent_after_commit_and_not_on_rollback(django_capture_on_commit_callbacks):
    DELIVERED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("tests.core.record_delivery", args=["committed"])
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("tests.core.record_delivery", args=["rolled back"])
        raise RuntimeError
    assert DELIVERED == ["committed"]
    row = OutboxTask.objects.get()
    assert row.dispatched_at is not None and row.attempts == 1


def test_broker_outage_keeps_the_task_until_the_relay_sends_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Sending fails (broker down): the task stays pending; the relay delivers it later."""
    from kombu.exceptions import OperationalError

    from portico.core import outbox

    DELIVERED.clear()
    real_send = outbox._send

    def broker_down(row):
        raise OperationalError("Error 111 connecting to broker. Connection refused.")

    monkeypatch.setattr(outbox, "_send", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("tests.core.record_delivery", args=["first"])
        enqueue("tests.core.record_delivery", args=["second"])
    assert DELIVERED == [] and pending_count() == 2
    assert relay_pending() == {"sent": 0, "pending": 2}
    row = OutboxTask.objects.order_by("id").first()
    assert row.attempts == 2 and "Connection refused" in row.last_error

    monkeypatch.setattr(outbox, "_send", real_send)  # the broker is back
    assert relay_pending() == {"sent": 2, "pending": 0}
    assert DELIVERED == ["first", "second"]  # in order, each once
    assert relay_pending() == {"sent": 0, "pending": 0}
    assert DELIVERED == ["first", "second"]


def test_in_process_a_failing_task_does_not_hold_up_the_ones_behind_it(
    settings, django_capture_on_commit_callbacks
):
    """Eager (the embedded profile): the relay runs tasks in-process; one task's own failure
    keeps that task pending with its error, and the others are still delivered."""
    from celery import current_app

    assert current_app.conf.task_always_eager
    DELIVERED.clear()
    with transaction.atomic():  # recorded, not yet sent (as after a crash before commit hooks)
        enqueue("tests.core.always_fails")
        enqueue("tests.core.record_delivery", args=["behind the failing one"])
    assert relay_pending() == {"sent": 1, "pending": 1}
    assert DELIVERED == ["behind the failing one"]
    stuck = OutboxTask.objects.get(dispatched_at__isnull=True)
    assert stuck.task_name == "tests.core.always_fails"
    assert stuck.attempts == 1 and "this task's own bug" in stuck.last_error
