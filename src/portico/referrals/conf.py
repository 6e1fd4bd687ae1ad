"""Referral rules and limits: each reads ``settings.PORTICO_REFERRALS`` and falls back here.

``PORTICO_REFERRALS = {"auto_approve_max_visits": 6, ...}`` overrides any of them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Plan rules: a referral is approved automatically when the referred-to NPI is in network in
    # the member's plan's provider file, the visits asked for are at most this many, the date
    # range is at most ``auto_approve_max_days`` long and the urgency is not "emergent" (an
    # emergent referral is always seen by a reviewer, the same day).
    "auto_approve_max_visits": 6,
    "auto_approve_max_days": 180,
    # Hard limits: a referral can never ask for more than these.
    "max_visits": 99,
    "max_span_days": 365,
    "max_backdate_days": 30,
    # How far ahead a referral may start (a start in 9999 was approved automatically).
    "max_advance_days": 365,
    "max_diagnoses": 12,
    "max_attachments": 5,
    "page_size": 25,
    # The 278's UMO (the plan's utilization-management organisation) when a plan has none.
    "umo_name": "Portico Utilization Management",
}


def value(name: str) -> Any:
    overrides = getattr(settings, "PORTICO_REFERRALS", None) or {}
    return overrides.get(name, DEFAULTS[name])


def auto_approve_max_visits() -> int:
    return int(value("auto_approve_max_visits"))


def auto_approve_max_days() -> int:
    return int(value("auto_approve_max_days"))


def max_visits() -> int:
    return int(value("max_visits"))


def max_span_days() -> int:
    return int(value("max_span_days"))


def max_backdate_days() -> int:
    return int(value("max_backdate_days"))


def max_advance_days() -> int:
    return int(value("max_advance_days"))


def max_diagnoses() -> int:
    return int(value("max_diagnoses"))


def max_attachments() -> int:
    return int(value("max_attachments"))


def page_size() -> int:
    return int(value("page_size"))


def umo_name() -> str:
    return str(value("umo_name"))
