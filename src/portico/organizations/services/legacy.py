"""Legacy usernames: import from the previous portal, prove, and link to a Portico ID.

Linking is one-way and once only: the legacy account's access becomes grants of the
Portico ID, its password hash is erased and ``linked_at`` set, so the legacy username can
neither be linked again nor prove anything afterwards.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from portico.core.audit import audit_record
from portico.organizations import legacy_hashes
from portico.organizations.models import (
    LegacyAccount,
    LegacyLinkChallenge,
    Membership,
    Organization,
)
from portico.organizations.services import grant_set, membership_add, organization_create

CODE_TTL = dt.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
PASSWORD_MAX_FAILURES = 5
GENERIC_FAILURE = (
    "We could not link that username. Check the username and password, or have a code sent "
    "to the email address on file."
)


class LegacyLinkError(Exception):
    """Shown to the user as is; never says whether a username exists."""


@dataclass(frozen=True)
class LegacyRow:
    """One validated row of a legacy-user file (see ``portico.organizations.legacy_import``)."""

    username: str
    email: str
    first_name: str
    last_name: str
    practice_tin: str
    practice_name: str
    applications: list[str]
    scope: dict[str, Any] = field(default_factory=dict)
    password_hash: str = ""


@transaction.atomic
def legacy_accounts_import(*, rows: list[LegacyRow], actor: Any = None) -> tuple[int, int]:
    """Insert new usernames and refresh unlinked ones; returns ``(created, updated)``.

    Linked accounts are never touched (their access already belongs to a Portico ID).
    """
    created = updated = 0
    for row in rows:
        existing = LegacyAccount.objects.filter(username__iexact=row.username).first()
        values = dict(
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            practice_tin=row.practice_tin,
            practice_name=row.practice_name,
            applications=row.applications,
            scope=row.scope,
            password_hash=row.password_hash,
        )
        if existing is None:
            LegacyAccount.objects.create(username=row.username, **values)
            created += 1
        elif not existing.is_linked:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
            updated += 1
    audit_record(
        action="portico.legacy.imported",
        actor=actor,
        object_type="organizations.legacyaccount",
        changes={"created": created, "updated": updated, "rows": len(rows)},
    )
    return created, updated


def _linkable(username: str) -> LegacyAccount | None:
    return (
        LegacyAccount.objects.select_for_update()
        .filter(username__iexact=username.strip(), linked_at__isnull=True)
        .first()
    )


def legacy_link_with_password(*, user: Any, username: str, password: str) -> LegacyAccount:
    with transaction.atomic():
        account = _linkable(username)
        if account is None or account.failed_password_attempts >= PASSWORD_MAX_FAILURES:
            raise LegacyLinkError(GENERIC_FAILURE)
        if not legacy_hashes.verify(password, account.password_hash):
            account.failed_password_attempts += 1
            account.save(update_fields=["failed_password_attempts", "updated_at"])
            audit_record(action="portico.legacy.link_failed", actor=user, obj=account)
            failed = True
        else:
            failed = False
            _link(account, user, method="password")
    if failed:  # raised after the commit, so the failure counter is kept
        raise LegacyLinkError(GENERIC_FAILURE)
    return account


def _code_hash(challenge_salt: str, code: str) -> str:
    return salted_hmac("portico.legacy.code", f"{challenge_salt}:{code}").hexdigest()


@transaction.atomic
def legacy_code_send(*, user: Any, username: str) -> LegacyLinkChallenge | None:
    """Email a 6-digit code to the account's address on file; None when nothing was sent.

    The caller shows the same message either way, so the answer reveals nothing.
    """
    account = _linkable(username)
    if account is None:
        return None
    recent = account.challenges.filter(created_at__gte=timezone.now() - dt.timedelta(hours=1))
    if recent.count() >= CODES_PER_HOUR:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = LegacyLinkChallenge.objects.create(
        legacy_account=account,
        user=user,
        code_hash="",
        expires_at=timezone.now() + CODE_TTL,
    )
    challenge.code_hash = _code_hash(str(challenge.pk), code)
    challenge.save(update_fields=["code_hash"])
    audit_record(action="portico.legacy.code_sent", actor=user, obj=account)
    site = settings.PORTICO_BRAND["site_name"]
    minutes = int(CODE_TTL.total_seconds() // 60)
    body = (
        f"Someone asked to link the {site} username {account.username} to a "
        f"{settings.PORTICO_BRAND['idp_name']}.\n\nYour code is {code}. It expires in "
        f"{minutes} minutes.\n\nIf this was not you, ignore this message; nothing changes."
    )
    recipient = account.email
    transaction.on_commit(
        lambda: send_mail(f"{site}: your code to link {account.username}", body, None, [recipient])
    )
    return challenge


def legacy_link_with_code(*, user: Any, challenge_id: int, code: str) -> LegacyAccount:
    with transaction.atomic():
        challenge = (
            LegacyLinkChallenge.objects.select_for_update(of=("self",))
            .select_related("legacy_account")
            .filter(pk=challenge_id, user=user, used_at__isnull=True)
            .first()
        )
        if challenge is None or challenge.expires_at < timezone.now():
            raise LegacyLinkError("That code has expired. Ask for a new code.")
        if challenge.attempts >= CODE_MAX_ATTEMPTS:
            raise LegacyLinkError("Too many wrong codes. Ask for a new code.")
        ok = constant_time_compare(challenge.code_hash, _code_hash(str(challenge.pk), code))
        if ok:
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at"])
            account = _linkable(challenge.legacy_account.username)
            if account is None:
                raise LegacyLinkError(GENERIC_FAILURE)
            _link(account, user, method="email_code")
            return account
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        left = CODE_MAX_ATTEMPTS - challenge.attempts
    raise LegacyLinkError(
        f"That code is not right. You have {left} more tries."
        if left
        else "Too many wrong codes. Ask for a new code."
    )


def _link(account: LegacyAccount, user: Any, *, method: str) -> None:
    """Move the legacy account's access to ``user``; the legacy username is spent."""
    org: Organization | None = None
    if account.practice_tin:
        org = Organization.objects.filter(
            tins__tin=account.practice_tin, tins__is_active=True, is_active=True
        ).first()
        if org is None:
            org = organization_create(
                name=account.practice_name or f"Practice {account.practice_tin}",
                tins=[account.practice_tin],
                actor=user,
            )
    if (
        org is not None
        and not Membership.objects.filter(user=user, organization=org, is_active=True).exists()
    ):
        membership_add(user=user, organization=org, actor=user)
    for application in account.applications:
        scope = dict(account.scope.get(application, {}))
        if application == "claims" and account.practice_tin:
            scope.setdefault("tins", [account.practice_tin])
        grant_set(user=user, application=application, organization=org, scope=scope, actor=user)
    account.linked_user = user
    account.linked_at = timezone.now()
    account.password_hash = ""
    account.save(update_fields=["linked_user", "linked_at", "password_hash", "updated_at"])
    audit_record(
        action="portico.legacy.linked",
        actor=user,
        obj=account,
        organization_id=org.pk if org else None,
        changes={"legacy_username": account.username, "method": method},
    )
