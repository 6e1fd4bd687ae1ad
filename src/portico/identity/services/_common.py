"""Shared by the identity services: the audit helper and the anonymous actor."""

from __future__ import annotations

from typing import Any

from portico.core.audit import audit_record

# Actor of events nobody signed-in caused (a failed sign-in against an account).
ANONYMOUS = object()


def _user_audit(action: str, *, user: Any, actor: Any = None, **changes: Any) -> None:
    audit_record(
        action=f"portico.identity.{action}",
        actor=actor if actor is not None else user,
        obj=user,
        changes=changes,
    )


# ---------------------------------------------------------------------------------------
# Generic authentication events (hooked to allauth's and Django's signals in signals.py)
# ---------------------------------------------------------------------------------------
def auth_event_record(*, action: str, user: Any, actor: Any = None, **details: Any) -> None:
    """Record an authentication event that changes no Portico table (sign-in, sign-out…).

    The one write is the audit row, which ``audit_record`` commits in its own transaction (or
    in the caller's): a transaction around it here only added a savepoint to every sign-in."""
    _user_audit(action, user=user, actor=actor, **details)
