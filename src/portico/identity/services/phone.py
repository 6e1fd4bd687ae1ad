"""Phone verification by text message or voice call, and the phone second factor."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portico.core.notifications import GatewayError, VoiceCall, get_gateway
from portico.core.text import wait_text
from portico.identity import phones
from portico.identity.models import (
    PhoneAuthenticator,
    PhoneVerification,
    User,
)
from portico.identity.services._common import _user_audit

VOICE_CALLBACK = "portico.identity.services.phone.phone_voice_answer"


# ---------------------------------------------------------------------------------------
# Phone verification (text message or voice call) and the phone factor
# ---------------------------------------------------------------------------------------
class PhoneCheck(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"
    UNDELIVERED = "undelivered"
    NONE = "none"


PHONE_CHECK_MESSAGES = {
    PhoneCheck.WRONG: "That code is not correct. Check the code and try again.",
    PhoneCheck.EXPIRED: "That code has expired. Send a new code.",
    PhoneCheck.USED: "That code was already used. Send a new code.",
    PhoneCheck.LOCKED: "Too many wrong codes. Send a new code.",
    PhoneCheck.UNDELIVERED: "The last code could not be delivered to your phone. Send a new code.",
    PhoneCheck.NONE: "No code has been sent yet. Send a code first.",
}


class PhoneRateLimited(Exception):
    """No code now: one was sent moments ago (``hourly`` False) or the hour's codes are used
    up (``hourly`` True). ``message`` says which, and how long to wait."""

    def __init__(self, retry_after: int, *, hourly: bool = False) -> None:
        self.retry_after = retry_after
        self.hourly = hourly
        why = (
            "Too many codes were sent in the last hour." if hourly else "A code was sent recently."
        )
        self.message = f"{why} Wait {wait_text(retry_after)}, then try again."
        super().__init__(self.message)


@dataclass(frozen=True)
class PhoneCodeSent:
    verification: PhoneVerification
    code: str


def _hash_code(verification_ref: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{verification_ref}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _phone_rate_limit(*, user: User, purpose: str) -> None:
    now = timezone.now()
    recent = PhoneVerification.objects.filter(user_id=user.pk, purpose=purpose)
    last = recent.order_by("-created_at").first()
    interval = timedelta(seconds=settings.PORTICO_PHONE_RESEND_INTERVAL_SECONDS)
    # The interval spaces out resends of a code that reached the user. After a code that was
    # used (signed in, then signed out again) or never delivered (the provider failed), the
    # next one is not a resend; the hourly cap below still bounds what one account causes.
    delivered = (PhoneVerification.Status.PENDING, PhoneVerification.Status.FAILED)
    if last and last.status in delivered and now - last.created_at < interval:
        raise PhoneRateLimited(int((last.created_at + interval - now).total_seconds()) + 1)
    hour_ago = now - timedelta(hours=1)
    in_hour = recent.filter(created_at__gte=hour_ago).order_by("created_at")
    if in_hour.count() >= settings.PORTICO_PHONE_SENDS_PER_HOUR:
        oldest = in_hour.first()
        assert oldest is not None
        wait = int((oldest.created_at + timedelta(hours=1) - now).total_seconds()) + 1
        raise PhoneRateLimited(wait, hourly=True)


def _voice_purpose(purpose: str) -> str:
    if purpose == PhoneVerification.Purpose.SIGN_IN:
        return "finish signing in"
    return "verify your phone number"


def phone_code_send(
    *, user: User, channel: str, purpose: str = PhoneVerification.Purpose.VERIFY
) -> PhoneCodeSent:
    """Send a fresh 6-digit code to the user's phone by text, or place a verification call.

    The call reads nothing secret: it asks the callee to key in the code the screen shows.
    Raises PhoneRateLimited (with seconds to wait) or GatewayError (the provider failed).
    """
    if not user.phone:
        raise ValidationError("Add a phone number first.", code="no_phone")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # serialise per user
        _phone_rate_limit(user=user, purpose=purpose)
        PhoneVerification.objects.filter(
            user_id=user.pk, purpose=purpose, status=PhoneVerification.Status.PENDING
        ).update(status=PhoneVerification.Status.SUPERSEDED)
        code = f"{secrets.randbelow(1_000_000):06d}"
        verification = PhoneVerification(
            user=user,
            phone=user.phone,
            channel=channel,
            purpose=purpose,
            expires_at=timezone.now()
            + timedelta(seconds=settings.PORTICO_PHONE_CODE_TIMEOUT_SECONDS),
        )
        verification.code_hash = _hash_code(str(verification.call_ref), code)
        verification.save()
    # Outside the transaction: a provider failure must not roll back the rate-limit record.
    idp = settings.PORTICO_BRAND["idp_name"]
    try:
        gateway = get_gateway()
        if channel == PhoneVerification.Channel.SMS:
            gateway.send_sms(
                to=user.phone,
                body=f"{code} is your {idp} verification code. It expires in "
                f"{settings.PORTICO_PHONE_CODE_TIMEOUT_SECONDS // 60} minutes. Do not share it.",
            )
        else:
            status_url = settings.PORTICO_BASE_URL.rstrip("/") + reverse(
                "identity:voice_webhook", kwargs={"call_ref": verification.call_ref}
            )
            gateway.place_call(
                call=VoiceCall(
                    to=user.phone,
                    call_ref=str(verification.call_ref),
                    answer_callback=VOICE_CALLBACK,
                    # Reads no number and no code: the callee keys the one on the screen.
                    prompt=f"This is {idp}. To {_voice_purpose(purpose)}, key in the six-digit "
                    "code shown on your screen, then press pound.",
                ),
                status_url=status_url,
            )
    except GatewayError as exc:
        _phone_code_undelivered(verification, reason=str(exc))
        raise
    # Recorded as sent only once the provider (or the outbox) accepted it.
    with transaction.atomic():
        _user_audit(
            "phone_code_sent",
            user=user,
            channel=channel,
            purpose=purpose,
            phone=phones.masked(user.phone),
        )
    return PhoneCodeSent(verification=verification, code=code)


@transaction.atomic
def _phone_code_undelivered(verification: PhoneVerification, *, reason: str) -> None:
    """The provider refused or could not be reached: the code never left, so it can never be
    accepted (the attempt still counts towards the resend limits)."""
    verification.status = PhoneVerification.Status.UNDELIVERED
    verification.completed_at = timezone.now()
    verification.save(update_fields=["status", "completed_at"])
    _user_audit(
        "phone_code_undelivered",
        user=verification.user,
        channel=verification.channel,
        purpose=verification.purpose,
        reason=reason,
    )


def _phone_verified(verification: PhoneVerification) -> None:
    verification.status = PhoneVerification.Status.VERIFIED
    verification.completed_at = timezone.now()
    verification.save(update_fields=["status", "completed_at"])
    user = verification.user
    if verification.purpose == PhoneVerification.Purpose.VERIFY:
        if user.phone != verification.phone:
            return  # the number was changed after this code was sent
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])
        _user_audit(
            "phone_verified",
            user=user,
            channel=verification.channel,
            phone=phones.masked(user.phone),
        )
    else:
        PhoneAuthenticator.objects.filter(user_id=user.pk).update(last_used_at=timezone.now())
        _user_audit("mfa_phone_used", user=user, channel=verification.channel)


@transaction.atomic
def phone_code_check(
    *, user: User, code: str, purpose: str = PhoneVerification.Purpose.VERIFY
) -> PhoneCheck:
    """Check a code typed on the screen against the user's latest code for ``purpose``."""
    verification = (
        PhoneVerification.objects.select_for_update()
        .filter(user_id=user.pk, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )
    if verification is None:
        return PhoneCheck.NONE
    if verification.status == PhoneVerification.Status.VERIFIED:
        return PhoneCheck.USED
    if verification.status == PhoneVerification.Status.UNDELIVERED:
        return PhoneCheck.UNDELIVERED
    if verification.status != PhoneVerification.Status.PENDING:
        return PhoneCheck.LOCKED
    if verification.is_expired:
        return PhoneCheck.EXPIRED
    digits = "".join(ch for ch in code if ch.isdigit())
    if hmac.compare_digest(_hash_code(str(verification.call_ref), digits), verification.code_hash):
        _phone_verified(verification)
        return PhoneCheck.OK
    verification.failed_attempts += 1
    if verification.failed_attempts >= settings.PORTICO_PHONE_CODE_MAX_ATTEMPTS:
        verification.status = PhoneVerification.Status.FAILED
    verification.save(update_fields=["failed_attempts", "status"])
    _user_audit("phone_code_rejected", user=user, purpose=purpose)
    return (
        PhoneCheck.WRONG
        if verification.status == PhoneVerification.Status.PENDING
        else (PhoneCheck.LOCKED)
    )


@transaction.atomic
def phone_voice_answer(*, call_ref: str, digits: str) -> bool:
    """The gateway's ``answer_callback``: the callee keyed ``digits`` during the call."""
    verification = (
        PhoneVerification.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(call_ref=call_ref, channel=PhoneVerification.Channel.VOICE)
        .first()
    )
    if verification is None or verification.status != PhoneVerification.Status.PENDING:
        return False
    if verification.is_expired:
        return False
    clean = "".join(ch for ch in digits if ch.isdigit())
    if hmac.compare_digest(_hash_code(str(verification.call_ref), clean), verification.code_hash):
        _phone_verified(verification)
        return True
    verification.failed_attempts += 1
    if verification.failed_attempts >= settings.PORTICO_PHONE_CODE_MAX_ATTEMPTS:
        verification.status = PhoneVerification.Status.FAILED
    verification.save(update_fields=["failed_attempts", "status"])
    _user_audit("phone_code_rejected", user=verification.user, purpose=verification.purpose)
    return False


@transaction.atomic
def phone_update(*, user: User, phone: str) -> User:
    """Change the phone number; it must be verified again before it is used."""
    old = user.phone
    user.phone = phone
    user.phone_verified = False
    user.save(update_fields=["phone", "phone_verified"])
    PhoneVerification.objects.filter(
        user_id=user.pk, status=PhoneVerification.Status.PENDING
    ).update(status=PhoneVerification.Status.SUPERSEDED)
    _user_audit(
        "phone_changed", user=user, phone={"from": phones.masked(old), "to": phones.masked(phone)}
    )
    return user


@transaction.atomic
def phone_verification_skip(*, user: User) -> None:
    _user_audit("phone_verification_skipped", user=user)


@transaction.atomic
def phone_factor_enable(*, user: User) -> PhoneAuthenticator:
    if not (user.phone and user.phone_verified):
        raise ValidationError(
            "Verify your phone number before using it to sign in.", code="phone_unverified"
        )
    factor, created = PhoneAuthenticator.objects.get_or_create(user=user)
    if created:
        user.legacy_email_mfa = False
        user.save(update_fields=["legacy_email_mfa"])
        _user_audit("mfa_added", user=user, type="phone", phone=phones.masked(user.phone))
    return factor


@transaction.atomic
def mfa_enrolled(*, user: User, type: str) -> None:
    """An allauth authenticator was added: record it; email MFA no longer stands in."""
    if user.legacy_email_mfa:
        user.legacy_email_mfa = False
        user.save(update_fields=["legacy_email_mfa"])
    _user_audit("mfa_added", user=user, type=type)


@transaction.atomic
def phone_factor_disable(*, user: User) -> None:
    deleted, _ = PhoneAuthenticator.objects.filter(user_id=user.pk).delete()
    if deleted:
        _user_audit("mfa_removed", user=user, type="phone")
