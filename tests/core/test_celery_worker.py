"""One task through a real Celery worker on Redis (runs when REDIS_URL is set, as in CI)."""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _forget_connections(app) -> None:
    """Drop what the app cached from its earlier configuration (an eager task run earlier in
    this process made the result backend "disabled" and the producer pool point at
    ``memory://``), so the Redis broker and backend configured by the test are used."""
    vars(app._local).pop("backend", None)
    app._pool = None
    if "amqp" in vars(app):
        app.amqp._producer_pool = None


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a running Redis)")
def test_task_runs_on_a_real_worker(settings):
    from celery.contrib.testing.worker import start_worker

    from portico.config.celery import app
    from portico.core.audit import audit_record
    from portico.core.tasks import audit_verify

    audit_record(action="portico.test.worker")
    redis_url = os.environ["REDIS_URL"]
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
    )
    _forget_connections(app)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = audit_verify.delay()
            assert result.get(timeout=20) == {"intact": True, "event_id": None}
    finally:
        app.conf.update(broker_url="memory://", result_backend=None, task_always_eager=True)
        _forget_connections(app)
