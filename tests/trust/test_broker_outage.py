"""Broker outage, for real: tasks queued while Redis is down reach it when it is back.

The transactional outbox (portico.core.outbox) against a real redis-server that this test
starts on a free loopback port only after the tasks were queued.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest
from celery import Celery

from portico.core import outbox
from portico.core.models import OutboxTask

REDIS = shutil.which("redis-server")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.redis,
    pytest.mark.timeout(60),
    pytest.mark.skipif(REDIS is None, reason="needs the redis-server program"),
    pytest.mark.django_db,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_tasks_queued_during_a_broker_outage_are_delivered_when_it_returns(
    monkeypatch, django_capture_on_commit_callbacks
):
    import redis

    port = _free_port()
    app = Celery("outage-test")
    app.conf.update(
        broker_url=f"redis://127.0.0.1:{port}/0",
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_timeout=1,
        broker_transport_options={"socket_connect_timeout": 1, "max_retries": 0},
    )
    monkeypatch.setattr(outbox, "_celery_app", lambda: app)

    # The broker is down: the change commits, the tasks wait in the outbox.
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue("portico.claims.ingest_batch", kwargs={"batch_id": 1})
        second = outbox.enqueue("portico.claims.ingest_batch", kwargs={"batch_id": 2})
    assert outbox.pending_count() == 2
    assert OutboxTask.objects.get(pk=first.pk).last_error

    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)

        # The broker is back: the relay delivers both, once, in order.
        assert outbox.relay_pending() == {"sent": 2, "pending": 0}
        assert outbox.relay_pending() == {"sent": 0, "pending": 0}
        messages = [json.loads(raw) for raw in reversed(client.lrange("celery", 0, -1))]
        ids = [m["headers"]["id"] for m in messages]
        assert ids == [str(first.task_id), str(second.task_id)]
        assert [m["headers"]["task"] for m in messages] == ["portico.claims.ingest_batch"] * 2
    finally:
        server.terminate()
        server.wait(timeout=10)
