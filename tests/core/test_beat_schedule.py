"""Every periodic job in the beat schedule names a task a worker actually has."""

from __future__ import annotations

from django.conf import settings

from portico.config.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()  # what a worker does on start (autodiscovery)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    missing = scheduled - set(app.tasks.keys())
    assert not missing, f"scheduled but no such task: {sorted(missing)}"
    assert {"portico.referrals.expire", "portico.remittance.payment_run"} <= scheduled
