"""Periodic identity work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from portico.identity import oidc, services


@shared_task(name="portico.identity.password_expiry_reminders")
def password_expiry_reminders() -> int:
    """Idempotent: one reminder per user and expiry date (PasswordExpiryReminder)."""
    return services.password_expiry_reminders_send()


@shared_task(name="portico.identity.purge_unverified_accounts")
def purge_unverified_accounts() -> int:
    return services.unverified_accounts_purge(older_than=settings.PORTICO_UNVERIFIED_ACCOUNT_TTL)


@shared_task(name="portico.identity.purge_consumed_refresh_tokens")
def purge_consumed_refresh_tokens() -> int:
    """Forget exchanged refresh tokens whose family can no longer be alive."""
    return oidc.oidc_consumed_tokens_purge()
