"""Support-case configuration: every value reads a setting and falls back to a default.

Override any of them in settings (``SUPPORT_CONTACT = {...}`` and so on); the defaults use
fictitious numbers and no real company's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULT_CONTACT: dict[str, Any] = {
    "heading": "Contacting Customer Support",
    "hours": "8am – 7pm Eastern",
    "phone": "1-800-555-0148",
    "email": "",
    # Empty: the portal links to its own Direct Customers page.
    "portal_url": "",
    "caller_checklist": [
        "Your Name",
        "PFI",
        "Company Name",
        "Contact Information – phone number or email address",
    ],
}

DEFAULT_CASE_TYPES: list[dict[str, str]] = [
    {"code": "claim", "name": "Claim"},
    {"code": "file_submission", "name": "File submission"},
    {"code": "account", "name": "Account or access"},
    {"code": "general", "name": "General question"},
]

# Hours a case may stay in a status before it is overdue. SUPPORT_SLA_TARGET_HOURS overrides
# these per status; 0 or None there switches a status's clock off.
DEFAULT_SLA_TARGET_HOURS: dict[str, int] = {
    "new": 4,
    "working": 24,
    "waiting": 72,
    "resolved": 72,
}

CLAIM_CASE_TYPE = "claim"


@dataclass(frozen=True)
class CaseType:
    code: str
    name: str

    @property
    def has_claim_fields(self) -> bool:
        return self.code == CLAIM_CASE_TYPE


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def contact() -> dict[str, Any]:
    data = dict(DEFAULT_CONTACT)
    data.update(_setting("SUPPORT_CONTACT", {}))
    return data


def case_types() -> list[CaseType]:
    """Configured case types; Claim is always present and first (it is the default)."""
    rows = [
        CaseType(code=str(t["code"]), name=str(t["name"]))
        for t in _setting("SUPPORT_CASE_TYPES", DEFAULT_CASE_TYPES)
    ]
    if not any(t.code == CLAIM_CASE_TYPE for t in rows):
        rows.insert(0, CaseType(code=CLAIM_CASE_TYPE, name="Claim"))
    rows.sort(key=lambda t: t.code != CLAIM_CASE_TYPE)
    return rows


def case_type_choices() -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in case_types()]


def case_type_name(code: str) -> str:
    return next((t.name for t in case_types() if t.code == code), code)


def is_case_type(code: str) -> bool:
    return any(t.code == code for t in case_types())


def default_payer_id() -> str:
    return str(_setting("SUPPORT_DEFAULT_PAYER_ID", "NYSPARCS"))


def case_number_prefix() -> str:
    return str(_setting("SUPPORT_CASE_NUMBER_PREFIX", "CS"))


def reopen_days() -> int:
    return int(_setting("SUPPORT_REOPEN_DAYS", 14))


def auto_close_days() -> int:
    """Days a Resolved case stays open for the customer's answer before the scheduled task
    closes it (0: never)."""
    return int(_setting("SUPPORT_AUTO_CLOSE_DAYS", 7))


def sla_target_hours() -> dict[str, int]:
    data = dict(DEFAULT_SLA_TARGET_HOURS)
    data.update(_setting("SUPPORT_SLA_TARGET_HOURS", {}))
    return {k: int(v) for k, v in data.items() if v}


def login_max_failures_per_user() -> int:
    return int(_setting("SUPPORT_LOGIN_MAX_FAILURES_PER_USER", 5))


def login_max_failures_per_ip() -> int:
    return int(_setting("SUPPORT_LOGIN_MAX_FAILURES_PER_IP", 20))


def login_failure_window_seconds() -> int:
    return int(_setting("SUPPORT_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))


def page_size() -> int:
    return int(_setting("SUPPORT_PAGE_SIZE", 25))
