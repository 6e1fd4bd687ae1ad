"""Portico ID: users, legal documents, phone verification and factor, password history,
sign-in throttling.

allauth owns email addresses (``account.EmailAddress``), passkeys/TOTP/recovery codes
(``mfa.Authenticator``) and the session list (``usersessions.UserSession``). The tables here
hold only what allauth has no place for.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from portico.core.lookups import same_ignoring_case
from portico.core.models import TimeStampedModel
from portico.identity.validators import validate_username


class PorticoUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Usernames are unique regardless of case, so sign-in ignores case too.
        return self.get(same_ignoring_case("username", username or ""))


class User(AbstractUser):
    """A person. ``public_id`` is the stable, opaque OIDC ``sub`` (never the database id)."""

    username = models.CharField(
        "Portico ID username",
        max_length=50,
        unique=True,
        validators=[validate_username],
        help_text="6–50 characters, at least one letter, no spaces or accented letters.",
        error_messages={"unique": "That username is taken. Choose another."},
    )
    email = models.EmailField("email address", unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    phone = models.CharField("phone number", max_length=20, blank=True, help_text="E.164")
    phone_verified = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(default=timezone.now)
    # An account migrated from a portal that used email codes as its second factor. Email is
    # never a factor in Portico: such an account must enrol another method at next sign-in.
    legacy_email_mfa = models.BooleanField(
        "had email-only MFA",
        default=False,
        help_text="Set on accounts migrated with email codes as their only second factor.",
    )
    preferred_language = models.CharField(
        max_length=10, blank=True, choices=settings.LANGUAGES, default=""
    )
    notify_security_email = models.BooleanField(
        "email me about security changes",
        default=True,
        help_text="Password, sign-in method and email address changes.",
    )
    notify_password_expiry_email = models.BooleanField(
        "email me before my password expires", default=True
    )

    objects: ClassVar[PorticoUserManager] = PorticoUserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="identity_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="identity_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class LegalDocument(models.Model):
    """A published version of the Terms of Use or the Website Privacy Policy."""

    class Kind(models.TextChoices):
        TERMS = "terms", "Terms of Use"
        PRIVACY = "privacy", "Website Privacy Policy"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="legal_kind_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


class LegalAcceptance(models.Model):
    """Which version of a legal document a user accepted, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legal_acceptances"
    )
    document = models.ForeignKey(LegalDocument, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="legal_acceptance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.document}"


class PhoneVerification(models.Model):
    """One verification attempt of a phone number, by text message or by voice call.

    Server-side (not in the session) because a voice call's answer arrives from the
    provider's webhook, outside the user's browser session. Only a hash of the code is kept.
    """

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        VOICE = "voice", "Voice call"

    class Purpose(models.TextChoices):
        VERIFY = "verify", "Verify phone number"
        SIGN_IN = "sign_in", "Sign-in code"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the code"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Too many wrong codes"
        UNDELIVERED = "undelivered", "Not delivered (the provider refused or was unreachable)"
        SUPERSEDED = "superseded", "Replaced by a newer code"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=20)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.VERIFY)
    code_hash = models.CharField(max_length=64)
    call_ref = models.CharField(max_length=64, unique=True, default=uuid.uuid4)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.PENDING)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.phone} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class PhoneAuthenticator(models.Model):
    """The phone second factor: a code by text or call to the user's verified phone.

    allauth's ``Authenticator`` has no phone type, and adding one would break its listing
    code, so Portico keeps this factor in its own table and its own login stage.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_authenticator"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Phone factor of {self.user_id}"


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, newest first (reuse check)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "password history"

    def __str__(self) -> str:
        return f"password of {self.user_id} set {self.created_at:%Y-%m-%d}"


class PasswordExpiryReminder(models.Model):
    """One reminder per user and expiry date: what makes the reminder task idempotent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "expires_on"], name="pw_reminder_unique")
        ]

    def __str__(self) -> str:
        return f"reminder to {self.user_id} for {self.expires_on}"


class LoginThrottle(TimeStampedModel):
    """Consecutive failed password sign-ins and the temporary lock they cause."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_throttle"
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    lockouts = models.PositiveIntegerField(
        default=0, help_text="Locks since the last successful sign-in (the wait grows)."
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"throttle of {self.user_id}"

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class ConsumedRefreshToken(models.Model):
    """A refresh token that was exchanged (rotated) at the token endpoint, or an authorization
    code that was (RFC 6749 §4.1.2: a code used twice takes back the tokens it gave).

    allauth deletes a refresh token when it issues the next one, so a second use of the old
    value would only look "unknown". Portico keeps the hash of every exchanged value, with
    the token *family* (every token descending from one authorization), so that a second use
    is recognised as theft or replay and the whole family is revoked (OAuth 2.0 Security BCP,
    RFC 9700 §4.14.2). Rows are purged once the family could no longer be alive.
    """

    hash = models.CharField(max_length=255, unique=True)
    family = models.CharField(max_length=64, db_index=True)
    client_id = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    consumed_at = models.DateTimeField(default=timezone.now)
    keep_until = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"consumed refresh token of family {self.family}"
