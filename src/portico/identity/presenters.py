"""Readable text for identity data shown to people (no queries, no writes).

An audit event's ``changes`` is JSON as the service recorded it: lists, ``{"from", "to"}``
pairs, booleans, ``None``. Staff read it in the account's audit table, so it is rendered as
words ("methods: password, phone"), never as Python's repr (``['password', 'phone']``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EMPTY = "—"

# My Profile's recent activity names the sign-in method added or removed. Adding the first
# authenticator app also creates recovery codes: the audit trail records both (staff read
# them), but the user reads one added method and its codes, not "a sign-in method" twice.
FACTOR_ADDED = {
    "totp": "Added an authenticator app",
    "webauthn": "Added a passkey",
    "phone": "Added phone codes",
    "recovery_codes": "Recovery codes created",
}
FACTOR_REMOVED = {
    "totp": "Removed an authenticator app",
    "webauthn": "Removed a passkey",
    "phone": "Removed phone codes",
    "recovery_codes": "Recovery codes removed",
}
ACTIVITY_BY_TYPE = {
    "portico.identity.mfa_added": FACTOR_ADDED,
    "portico.identity.mfa_removed": FACTOR_REMOVED,
}


def activity_text(event: Any) -> str:
    """What an audit event of ``activity_for_user`` says to the user it is about."""
    changes = event.changes if isinstance(event.changes, Mapping) else {}
    by_type = ACTIVITY_BY_TYPE.get(event.action, {})
    return by_type.get(str(changes.get("type", ""))) or str(event.description)


def audit_value(value: Any) -> str:
    """One recorded value as text."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(audit_value(item) for item in value)
    if isinstance(value, Mapping):
        if set(value) == {"from", "to"}:
            return f"{audit_value(value['from'])} → {audit_value(value['to'])}"
        return ", ".join(f"{_label(k)} {audit_value(v)}" for k, v in value.items())
    return str(value)


def _label(key: Any) -> str:
    return str(key).replace("_", " ")


def audit_details(changes: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) for each recorded detail, in the order recorded."""
    return [(_label(key), audit_value(value)) for key, value in (changes or {}).items()]
