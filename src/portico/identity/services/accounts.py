"""Sign-up, legal acceptance, profile changes, passwords (history, expiry reminders) and
the clean-up of sign-ups never verified."""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.lookups import same_ignoring_case
from portico.identity import legal_texts
from portico.identity.models import (
    LegalAcceptance,
    LegalDocument,
    PasswordExpiryReminder,
    PasswordHistory,
    User,
)
from portico.identity.passwords import active_policy, password_expires_at
from portico.identity.services._common import _user_audit
from portico.identity.validators import validate_username


# ---------------------------------------------------------------------------------------
# Sign-up
# ---------------------------------------------------------------------------------------
@transaction.atomic
def account_register(
    *,
    user: User,
    username: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    year_of_birth: int,
    phone: str,
    documents: list[LegalDocument],
    ip_address: str | None = None,
) -> User:
    """Create the account from the sign-up form (allauth then adds the email address and
    sends the verification email)."""
    validate_username(username)
    user.username = username
    user.email = email
    user.first_name = first_name
    user.last_name = last_name
    user.year_of_birth = year_of_birth
    user.phone = phone
    user.phone_verified = False
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
    for document in documents:
        LegalAcceptance.objects.create(user=user, document=document, ip_address=ip_address)
    _user_audit(
        "account_created",
        user=user,
        accepted={d.kind: d.version for d in documents},
    )
    return user


@transaction.atomic
def legal_defaults_publish() -> None:
    """Publish the demo v1.0 documents when none is published (tests, fresh databases)."""
    for kind, title, body in (
        (LegalDocument.Kind.TERMS, "Terms of Use", legal_texts.TERMS),
        (LegalDocument.Kind.PRIVACY, "Website Privacy Policy", legal_texts.PRIVACY),
    ):
        if not LegalDocument.objects.filter(kind=kind).exists():
            LegalDocument.objects.create(
                kind=kind, version=legal_texts.VERSION, title=title, body=body
            )


@transaction.atomic
def legal_accept(
    *, user: User, documents: list[LegalDocument], ip_address: str | None = None
) -> None:
    for document in documents:
        LegalAcceptance.objects.get_or_create(
            user=user, document=document, defaults={"ip_address": ip_address}
        )
    _user_audit("legal_accepted", user=user, accepted={d.kind: d.version for d in documents})


@transaction.atomic
def unverified_accounts_purge(*, older_than: timedelta) -> int:
    """Delete sign-ups whose email was never verified (nothing half-created stays)."""
    cutoff = timezone.now() - older_than
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    stale = User.objects.filter(
        date_joined__lt=cutoff, last_login__isnull=True, is_staff=False
    ).exclude(pk__in=verified)
    count = 0
    for user in stale:
        audit_record(
            action="portico.identity.unverified_account_deleted",
            object_type="identity.user",
            object_id=str(user.pk),
            object_repr=user.username,
            changes={"date_joined": user.date_joined.isoformat()},
        )
        user.delete()
        count += 1
    return count


# ---------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------
@transaction.atomic
def username_change(*, user: User, username: str) -> User:
    validate_username(username)
    if User.objects.filter(same_ignoring_case("username", username)).exclude(pk=user.pk).exists():
        raise ValidationError("That username is taken. Choose another.", code="username_taken")
    old = user.username
    user.username = username
    user.save(update_fields=["username"])
    _user_audit("username_changed", user=user, username={"from": old, "to": username})
    return user


@transaction.atomic
def preferences_update(
    *,
    user: User,
    preferred_language: str,
    notify_security_email: bool,
    notify_password_expiry_email: bool,
) -> User:
    user.preferred_language = preferred_language
    user.notify_security_email = notify_security_email
    user.notify_password_expiry_email = notify_password_expiry_email
    user.save(
        update_fields=[
            "preferred_language",
            "notify_security_email",
            "notify_password_expiry_email",
        ]
    )
    _user_audit(
        "preferences_changed",
        user=user,
        preferred_language=preferred_language,
        notify_security_email=notify_security_email,
        notify_password_expiry_email=notify_password_expiry_email,
    )
    return user


# ---------------------------------------------------------------------------------------
# Passwords: history and expiry
# ---------------------------------------------------------------------------------------
@transaction.atomic
def password_change(*, user: User, raw_password: str) -> User:
    """Set a new password (allauth's change, set and reset flows all arrive here through
    the account adapter), keeping the history the reuse rule checks."""
    user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    PasswordHistory.objects.create(user=user, password=user.password)
    keep = max(active_policy().history, 5)
    stale = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    _user_audit("password_changed", user=user)
    return user


def password_expiry_reminders_send(*, now: datetime | None = None) -> int:
    """Email users whose password expires within the reminder window, once per expiry."""
    policy = active_policy()
    if policy.max_age is None:
        return 0
    now = now or timezone.now()
    window = timedelta(days=settings.PORTICO_PASSWORD_REMINDER_DAYS)
    earliest_changed = now - policy.max_age
    latest_changed = now + window - policy.max_age
    candidates = User.objects.filter(
        is_active=True,
        notify_password_expiry_email=True,
        password_changed_at__gt=earliest_changed,
        password_changed_at__lte=latest_changed,
    )
    sent = 0
    for user in candidates.iterator():
        expires_at = password_expires_at(user)
        if expires_at is None:
            continue
        with transaction.atomic():
            _, created = PasswordExpiryReminder.objects.get_or_create(
                user=user, expires_on=timezone.localdate(expires_at)
            )
            if not created:
                continue
            context = {
                "user": user,
                "expires_at": expires_at,
                "days_left": max((expires_at - now).days, 0),
                "idp_name": settings.PORTICO_BRAND["idp_name"],
                "change_url": settings.PORTICO_BASE_URL.rstrip("/")
                + reverse("account_change_password"),
            }
            send_mail(
                render_to_string("identity/email/password_expiry_subject.txt", context).strip(),
                render_to_string("identity/email/password_expiry_message.txt", context),
                None,
                [user.email],
            )
            _user_audit("password_expiry_reminded", user=user, expires_on=str(expires_at.date()))
            sent += 1
    return sent


# ---------------------------------------------------------------------------------------
# Email address
# ---------------------------------------------------------------------------------------
@transaction.atomic
def email_change_record(
    *, user: User, from_email: str | None, from_verified: bool, to_email: str
) -> bool:
    """Record a change of the account's email address; return whether it was one.

    allauth (``ACCOUNT_CHANGE_EMAIL``) announces "email changed" whenever an address is
    verified, the sign-up's own included: then there is no earlier address, or only the
    unverified one the user corrected before verifying. That is the sign-up's verification,
    already recorded as ``email_verified``. Only replacing a verified address is a change.
    """
    if not (from_email and from_verified) or from_email.casefold() == to_email.casefold():
        return False
    _user_audit("email_changed", user=user, email={"from": from_email, "to": to_email})
    return True
