"""Electronic signatures of every signer of an access form.

"Sign in the browser and ask the others by email": the requester signs their own lines
(typed name and attestation, time and IP), and each other signer named on the form gets a
one-time link by email (the token is the credential; only its SHA-256 hash is stored). When
the last line is signed the request moves by the lifecycle's "sign" transition (signature
method "browser") and the requester is told. Uploading or faxing the signed form still works
at any time and supersedes the pending signatures (their links then say the form was signed).

Every function is keyword-only, runs in one transaction with its audit events, and sends its
emails after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.text import counted, names_match
from portico.organizations.models import AccessRequest, AccessRequestSignature, Signer
from portico.organizations.selectors import (
    signature_for_token,
    signature_problem,
    signature_token_hash,
)
from portico.organizations.services.access import (
    AccessRequestError,
    _lock,
    _lock_own,
    _move,
    _notify,
)
from portico.organizations.transitions import Actor, check

S = AccessRequest.Status


def _link_days() -> int:
    return int(getattr(settings, "PORTICO_ESIGN_LINK_DAYS", 14))


def _resend_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "PORTICO_ESIGN_RESEND_MINUTES", 10)))


@dataclass(frozen=True)
class ESignPlan:
    """How a form can be signed electronically: the requester's own lines, the others' (each
    with an email), and the lines that cannot be e-signed (no email on the form)."""

    own: list[tuple[int, Signer]]
    others: list[tuple[int, Signer]]
    without_email: list[Signer]

    @property
    def possible(self) -> bool:
        return bool(self.others) and not self.without_email


def esign_plan(access_request: AccessRequest) -> ESignPlan:
    own: list[tuple[int, Signer]] = []
    others: list[tuple[int, Signer]] = []
    without_email: list[Signer] = []
    for position, signer in enumerate(access_request.signers()):
        if access_request.is_requesters_line(signer):
            own.append((position, signer))
        elif not signer.email:
            without_email.append(signer)
        else:
            others.append((position, signer))
    return ESignPlan(own=own, others=others, without_email=without_email)


def esign_offered(access_request: AccessRequest) -> bool:
    """Whether "Sign in the browser and ask the others by email" can start: others sign too,
    each has an email on the form, and nothing is signed or asked for yet (the conditions
    ``access_request_esign_start`` enforces)."""
    return (
        not access_request.signed_by_requester_alone()
        and not access_request.is_signed
        and not access_request.signatures.exists()
        and esign_plan(access_request).possible
    )


def _sign_url(token: str) -> str:
    return settings.PORTICO_BASE_URL.rstrip("/") + reverse("connect:sign", kwargs={"token": token})


def _new_token(signature: AccessRequestSignature, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    signature.token_hash = signature_token_hash(token)
    signature.sent_at = now
    signature.expires_at = now + dt.timedelta(days=_link_days())
    return token


def _email_link(access_request: AccessRequest, signature: AccessRequestSignature, token: str):
    site = settings.PORTICO_BRAND["site_name"]
    requester = access_request.requester
    assert signature.expires_at is not None
    body = "\n\n".join(
        [
            f"Hello {signature.name},",
            f"{requester.get_full_name() or requester.get_username()} asks you to sign the "
            f"{access_request.get_application_display()} access form of "
            f"{access_request.practice_name}, on which you are named as "
            f"{signature.role}.",
            f"Read and sign it here (no sign-in needed; this link is yours alone): "
            f"{_sign_url(token)}",
            f"The link can be used once and expires on {signature.expires_at:%B %d, %Y}.",
            f"Reference: {access_request.reference}",
            "If you did not expect this, ignore this email.",
            f"— {site}",
        ]
    )
    subject = f"{site}: please sign access form {access_request.reference}"
    recipient = signature.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


def _complete_if_all_signed(access_request: AccessRequest, actor: Any) -> bool:
    """Move the request by "sign" when its last line is signed; True when it did."""
    signatures = list(access_request.signatures.order_by("position"))
    if not signatures or any(not s.is_signed for s in signatures):
        return False
    last = max(signatures, key=lambda s: s.signed_at or timezone.now())
    access_request.signature_method = AccessRequest.SignatureMethod.BROWSER
    access_request.signed_name = "; ".join(s.signed_name for s in signatures)[:200]
    access_request.signed_at = last.signed_at
    access_request.signed_ip = last.signed_ip
    _move(
        access_request,
        "sign",
        Actor.REQUESTER,
        actor=actor,
        changes={
            "method": "browser",
            "signers": [{"role": s.role, "signed_name": s.signed_name} for s in signatures],
        },
        fields=["signature_method", "signed_name", "signed_at", "signed_ip"],
    )
    _notify(
        access_request,
        "signed",
        ["Everyone named on your access form has signed it in the browser."],
    )
    return True


def _record_signature(
    access_request: AccessRequest,
    signature: AccessRequestSignature,
    *,
    typed_name: str,
    ip_address: str | None,
    actor: Any,
) -> None:
    signature.signed_name = typed_name
    signature.signed_at = timezone.now()
    signature.signed_ip = ip_address
    # The token hash stays: the used link then says it was used (and cannot sign again).
    signature.save(update_fields=["signed_name", "signed_at", "signed_ip", "updated_at"])
    audit_record(
        action="portico.access_request.e_signature_signed",
        actor=actor,
        obj=access_request,
        changes={
            "role": signature.role,
            "name": signature.name,
            "email": signature.email,
            "signed_name": typed_name,
            "ip": ip_address,
        },
    )


@transaction.atomic
def access_request_esign_start(
    *, access_request: AccessRequest, actor: Any, typed_name: str, ip_address: str | None
) -> AccessRequest:
    """The requester signs their own lines (if any) and every other signer is emailed a
    one-time link. Refused when a signer has no email (the printed form is for them) or the
    signatures were already asked for."""
    access_request = _lock_own(access_request, actor, "sign it")
    check(access_request, "sign", Actor.REQUESTER)
    if access_request.is_signed:
        raise AccessRequestError("The form is already signed.")
    if access_request.signatures.exists():
        raise AccessRequestError("The signers were already asked by email.")
    plan = esign_plan(access_request)
    if plan.without_email:
        names = ", ".join(f"{s.role} {s.name}".strip() for s in plan.without_email)
        raise AccessRequestError(
            f"The form has no email address for {names}, so it cannot be signed in the "
            "browser: print it for their signature, then upload the signed form or fax it."
        )
    if not plan.others:
        raise AccessRequestError("Only you sign this form: sign it in your browser.")
    if plan.own:
        expected = " ".join(actor.get_full_name().split())
        if not typed_name or (expected and not names_match(typed_name, expected)):
            raise AccessRequestError(f"Type your name as it is on your profile: {expected}.")
    now = timezone.now()
    for position, signer in plan.own:
        signature = AccessRequestSignature.objects.create(
            access_request=access_request,
            position=position,
            role=signer.role,
            name=signer.name,
            email=signer.email,
        )
        _record_signature(
            access_request, signature, typed_name=typed_name, ip_address=ip_address, actor=actor
        )
    for position, signer in plan.others:
        signature = AccessRequestSignature(
            access_request=access_request,
            position=position,
            role=signer.role,
            name=signer.name,
            email=signer.email,
        )
        token = _new_token(signature, now)
        signature.save()
        _email_link(access_request, signature, token)
    audit_record(
        action="portico.access_request.e_signatures_requested",
        actor=actor,
        obj=access_request,
        changes={"signers": [{"role": s.role, "email": s.email} for _, s in plan.others]},
    )
    return access_request


@transaction.atomic
def access_request_signature_resend(
    *, access_request: AccessRequest, actor: Any, signature_id: int
) -> AccessRequestSignature:
    """A new link for a signer who has not signed yet (the old link stops working). At most
    once per ``PORTICO_ESIGN_RESEND_MINUTES`` per signer."""
    access_request = _lock_own(access_request, actor, "send the link again")
    signature = (
        AccessRequestSignature.objects.select_for_update()
        .filter(access_request=access_request, pk=signature_id)
        .first()
    )
    if signature is None or signature.is_signed or not signature.email:
        raise AccessRequestError("There is no pending signature to send again.")
    if access_request.is_signed or access_request.status not in {
        S.AWAITING_SIGNATURE,
        S.MORE_INFO,
    }:
        raise AccessRequestError("The form is already signed.")
    now = timezone.now()
    if signature.sent_at and now - signature.sent_at < _resend_after():
        wait = _resend_after() - (now - signature.sent_at)
        minutes = max(1, int(wait.total_seconds() // 60) + 1)
        raise AccessRequestError(
            f"The link was just sent to {signature.email}. You can send it again in "
            f"{counted(minutes, 'minute')}."
        )
    token = _new_token(signature, now)
    signature.save(update_fields=["token_hash", "sent_at", "expires_at", "updated_at"])
    _email_link(access_request, signature, token)
    audit_record(
        action="portico.access_request.e_signature_link_resent",
        actor=actor,
        obj=access_request,
        changes={"role": signature.role, "email": signature.email},
    )
    return signature


# ---------------------------------------------------------------------------
# The signer's link (no sign-in: the token is the credential)
# ---------------------------------------------------------------------------
@transaction.atomic
def access_request_signature_sign(
    *, token: str, typed_name: str, ip_address: str | None
) -> AccessRequestSignature:
    """A signer signs their line through their link (typed name checked by the form)."""
    found = signature_for_token(token=token)
    if found is None:
        raise AccessRequestError(signature_problem(signature=None))
    access_request = _lock(found.access_request)
    signature = AccessRequestSignature.objects.select_for_update().get(pk=found.pk)
    signature.access_request = access_request
    if signature.token_hash != signature_token_hash(token):
        raise AccessRequestError(signature_problem(signature=None))
    problem = signature_problem(signature=signature)
    if problem:
        raise AccessRequestError(problem)
    if not names_match(typed_name, signature.name):
        raise AccessRequestError(f"Type your name as it is on the form: {signature.name}.")
    _record_signature(
        access_request, signature, typed_name=typed_name, ip_address=ip_address, actor=None
    )
    _complete_if_all_signed(access_request, None)
    return signature
