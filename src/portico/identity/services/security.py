"""Sign-in throttling and lockout, sessions, and the staff back office's actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portico.core import statements
from portico.identity.models import (
    LoginThrottle,
    PhoneAuthenticator,
    User,
)
from portico.identity.services._common import ANONYMOUS, _user_audit


# ---------------------------------------------------------------------------------------
# Sign-in throttling (consecutive failures → temporary lock with growing waits)
# ---------------------------------------------------------------------------------------
def lockout_wait(lockouts: int) -> timedelta:
    """Wait after the n-th lock (1-based): base, 2×base, 4×base, … capped at the maximum."""
    seconds = settings.PORTICO_LOCKOUT_BASE_SECONDS * (2 ** max(lockouts - 1, 0))
    return timedelta(seconds=min(seconds, settings.PORTICO_LOCKOUT_MAX_SECONDS))


@transaction.atomic
def login_failure_record(*, user: User) -> LoginThrottle:
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(user=user)
    now = timezone.now()
    throttle.consecutive_failures += 1
    throttle.last_failure_at = now
    locked = False
    if throttle.consecutive_failures >= settings.PORTICO_LOCKOUT_THRESHOLD:
        throttle.lockouts += 1
        throttle.locked_until = now + lockout_wait(throttle.lockouts)
        throttle.consecutive_failures = 0
        locked = True
    throttle.save()
    _user_audit("sign_in_failed", user=user, actor=ANONYMOUS, reason="password")
    if locked:
        _user_audit(
            "account_locked",
            user=user,
            actor=ANONYMOUS,
            until=throttle.locked_until.isoformat() if throttle.locked_until else None,
            lockouts=throttle.lockouts,
        )
    return throttle


@transaction.atomic
def login_success_reset(*, user: User) -> None:
    LoginThrottle.objects.filter(user_id=user.pk).exclude(
        consecutive_failures=0, lockouts=0, locked_until__isnull=True
    ).update(consecutive_failures=0, lockouts=0, locked_until=None)


@transaction.atomic(savepoint=False)
def signed_in(*, user: User, methods: list[str], reset_failures: bool = True) -> None:
    """What a sign-in writes, in one transaction: ``last_login`` (Django's
    ``update_last_login``, which this replaces, as one prepared UPDATE), the failure count back
    to zero where there is one, and the audit event with the methods used. One transaction
    instead of one for each write (bench/identity); inside a caller's transaction, no
    savepoint: the sign-in fails with it, as audit rows do."""
    user.last_login = timezone.now()
    statements.update_fields(user, ["last_login"])
    if reset_failures:
        login_success_reset(user=user)
    _user_audit("signed_in", user=user, methods=methods)


@transaction.atomic
def user_unlock(*, user: User, actor: Any) -> None:
    LoginThrottle.objects.filter(user_id=user.pk).update(
        consecutive_failures=0, lockouts=0, locked_until=None
    )
    _user_audit("account_unlocked", user=user, actor=actor)


@transaction.atomic
def user_lock(*, user: User, actor: Any, minutes: int) -> None:
    throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(user=user)
    throttle.locked_until = timezone.now() + timedelta(minutes=minutes)
    throttle.save(update_fields=["locked_until", "updated_at"])
    _user_audit("account_locked", user=user, actor=actor, minutes=minutes, by="staff")


@transaction.atomic
def sessions_end(*, sessions: list[UserSession], actor: Any) -> int:
    """End sessions (allauth.usersessions' adapter and staff deactivation call this)."""
    for session in sessions:
        user = session.user
        session.end()
        _user_audit(
            "session_ended",
            user=user,
            actor=actor,
            ip=session.ip,
            started=session.created_at.isoformat(),
        )
    return len(sessions)


# ---------------------------------------------------------------------------------------
# Staff back office
# ---------------------------------------------------------------------------------------
@transaction.atomic
def user_mfa_reset(*, user: User, actor: Any, reason: str) -> int:
    """Remove every second factor (the user enrols again at next sign-in)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give the reason for resetting sign-in methods.", code="reason")
    count, _ = Authenticator.objects.filter(user_id=user.pk).delete()
    phone_count, _ = PhoneAuthenticator.objects.filter(user_id=user.pk).delete()
    _user_audit("mfa_reset", user=user, actor=actor, reason=reason, removed=count + phone_count)
    return count + phone_count


@transaction.atomic
def user_deactivate(*, user: User, actor: Any, reason: str) -> None:
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError("You cannot deactivate your own account.", code="self")
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions_end(sessions=list(UserSession.objects.filter(user_id=user.pk)), actor=actor)
    _user_audit("account_deactivated", user=user, actor=actor, reason=reason.strip())


@transaction.atomic
def user_reactivate(*, user: User, actor: Any, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give the reason for reactivating the account.", code="reason")
    user.is_active = True
    user.save(update_fields=["is_active"])
    _user_audit("account_reactivated", user=user, actor=actor, reason=reason)
