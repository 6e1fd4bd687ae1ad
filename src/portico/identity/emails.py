"""The activation link that goes with allauth's activation code in the verification email.

allauth sends either a code or a link; the source document's email carries both and either
one completes verification. The link is a signed, time-limited token naming the user and
the address, so it stops working once the code would have expired or the address changed.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.email_verification_by_code import EmailVerificationProcess
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

SALT = "portico.identity.email-activation"


def activation_token(address: Any) -> str:
    return signing.dumps({"u": address.user_id, "e": address.email.lower()}, salt=SALT)


def activation_url(request: HttpRequest | None, address: Any) -> str:
    if not address.user_id:
        return ""
    path = reverse("identity:verify_email_link", kwargs={"token": activation_token(address)})
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.PORTICO_BASE_URL.rstrip("/") + path


class LinkInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _token_data(token: str) -> dict[str, Any]:
    try:
        data = signing.loads(
            token, salt=SALT, max_age=settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT
        )
    except signing.SignatureExpired as exc:
        raise LinkInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("invalid") from exc
    if not isinstance(data, dict):
        raise LinkInvalid("invalid")
    return data


def address_for_token(token: str) -> EmailAddress:
    """The EmailAddress a link names; raise LinkInvalid("expired" | "invalid")."""
    data = _token_data(token)
    address = EmailAddress.objects.filter(
        user_id=data.get("u"), email__iexact=data.get("e")
    ).first()
    if address is None:
        raise LinkInvalid("invalid")
    return address


def pending_change_for_token(request: HttpRequest, token: str) -> EmailVerificationProcess | None:
    """The email change this browser is verifying, when the link names it.

    A new address added in "Email address" (My Profile) is not stored until it is verified:
    allauth keeps it, with its code, in the session. Its email carries the link as well, which
    then completes that change — in the same signed-in browser only, like the code.
    """
    try:
        data = _token_data(token)
    except LinkInvalid:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    process = EmailVerificationProcess.resume(request)
    if process is None or process.user is None or process.state.get("account_already_exists"):
        return None
    if not (process.user.pk == user.pk == data.get("u") and process.email.lower() == data.get("e")):
        return None
    return process
