"""Scheduled referral work."""

from __future__ import annotations

from celery import shared_task

from portico.referrals.services import referrals_expire


@shared_task(name="portico.referrals.expire")
def expire_referrals() -> int:
    """Nightly: referrals whose end date has passed become Expired."""
    return referrals_expire()
