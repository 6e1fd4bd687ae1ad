"""Connect: the hub's public pages, access forms and requests, routing, practice
administration and the access administrators' back office."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from portico.organizations.models import (
    AccessRequest,
    AccessRequestSignature,
    PracticeInvitation,
)
from portico.organizations.selectors import signature_token_hash
from portico.organizations.services.practice import invitation_token_hash
from tests.matrix import ANON, Route, anonymous_redirects

STAFF_ONLY = {"access_admin": 200, "superuser": 200}


def _request_of(world: Any, persona: str) -> dict[str, Any]:
    """A signed (uploaded) access request of ``persona``."""
    key = default_storage.save(
        f"access-forms/matrix-{uuid.uuid4().hex}.pdf", ContentFile(b"%PDF-1.4\n")
    )
    request = AccessRequest.objects.create(
        reference=f"AR-{uuid.uuid4().hex[:8].upper()}",
        application="claims",
        request_type="new",
        requester=world.users[persona],
        idempotency_key=uuid.uuid4(),
        practice_name="Matrix Practice",
        data={"tins": [], "portico_id": world.users[persona].username},
        status=AccessRequest.Status.SUBMITTED,
        signature_method="upload",
        signed_form_key=key,
        signed_form_name="signed.pdf",
        signed_form_content_type="application/pdf",
    )
    return {"pk": request.pk}


def _own_request(world: Any) -> dict[str, Any]:
    return _request_of(world, "billing_clerk")


def _other_org_request(world: Any) -> dict[str, Any]:
    return _request_of(world, "billing_clerk_b")


def _invitation(world: Any) -> dict[str, Any]:
    token = "matrix-" + uuid.uuid4().hex
    PracticeInvitation.objects.create(
        organization=world.practice_a,
        email="invitee@example.org",
        token_hash=invitation_token_hash(token),
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    return {"token": token}


def _signature_link(world: Any) -> dict[str, Any]:
    """A pending e-signature link of an access request awaiting signatures."""
    request = AccessRequest.objects.create(
        reference=f"AR-{uuid.uuid4().hex[:8].upper()}",
        application="claims",
        request_type="new",
        requester=world.users["billing_clerk"],
        idempotency_key=uuid.uuid4(),
        practice_name="Matrix Practice",
        data={"tins": [], "officer_first_name": "Dana", "officer_last_name": "Whitfield"},
    )
    token = "matrix-" + uuid.uuid4().hex
    AccessRequestSignature.objects.create(
        access_request=request,
        position=0,
        role="Authorizing Officer",
        name="Dana Whitfield",
        email="dana@example.org",
        token_hash=signature_token_hash(token),
        sent_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )
    return {"token": token}


def _post_only(**kwargs: Any) -> Route:
    """Signed-in POST endpoints: GET answers 405; anonymous users go to sign in."""
    return Route(expect={ANON: 302}, default=405, **kwargs)


def _staff(default_ok: int = 200, **kwargs: Any) -> Route:
    expect = {ANON: 302, **dict.fromkeys(STAFF_ONLY, default_ok)}
    return Route(expect=expect, default=403, **kwargs)


def _org_a(world: Any) -> dict[str, Any]:
    return {"org": world.practice_a.pk}


def _org_b(world: Any) -> dict[str, Any]:
    return {"org": world.practice_b.pk}


def _practice_admin_only(**kwargs: Any) -> Route:
    return Route(expect={ANON: 302, "practice_admin": 200}, default=404, **kwargs)


ROUTES = {
    "connect:landing": Route(),
    "connect:help": Route(),
    "connect:contact": Route(),
    "connect:signup": Route(expect={ANON: 200}, default=302),
    "connect:signup-choose": anonymous_redirects(),
    "connect:access-claims": anonymous_redirects(),
    "connect:access-patientinfo": anonymous_redirects(),
    "connect:access-support": anonymous_redirects(),
    "connect:request-list": anonymous_redirects(),
    "connect:request-detail": Route(
        expect={ANON: 302, "billing_clerk": 200},
        default=404,
        kwargs=_own_request,
        other_org=_other_org_request,
    ),
    "connect:request-pdf": Route(
        expect={ANON: 302, "billing_clerk": 200, **STAFF_ONLY},
        default=404,
        kwargs=_own_request,
        other_org=_other_org_request,
    ),
    "connect:request-signed-form": Route(
        expect={ANON: 302, "billing_clerk": 200, **STAFF_ONLY},
        default=404,
        kwargs=_own_request,
        other_org=_other_org_request,
    ),
    "connect:request-upload": _post_only(kwargs=_own_request),
    "connect:request-sign": _post_only(kwargs=_own_request),
    "connect:request-reply": _post_only(kwargs=_own_request),
    "connect:request-esign": _post_only(kwargs=_own_request),
    "connect:request-esign-resend": _post_only(
        kwargs=lambda w: {**_own_request(w), "signature": 1}
    ),
    # A signer's emailed link: public (the token is the credential); an unknown token
    # answers 404 for everyone (tests/connect/test_e_signatures.py).
    "connect:sign": Route(kwargs=_signature_link),
    # One application → straight to it (302); several or none → the chooser page (200).
    "connect:home": anonymous_redirects(billing_clerk=302, billing_clerk_b=302),
    # Claims has its own home now: granted users are sent there; the rest get 404.
    "connect:application": Route(
        expect={ANON: 302, "billing_clerk": 302, "billing_clerk_b": 302, "practice_admin": 302},
        default=404,
        kwargs=lambda w: {"application": "claims"},
    ),
    # A landing-page card: the portal, its access form or the sign-in, a redirect for everyone.
    "connect:open-application": Route(default=302, kwargs=lambda w: {"application": "claims"}),
    "connect:legacy-link": anonymous_redirects(),
    "connect:legacy-code": anonymous_redirects(),
    "connect:practice": anonymous_redirects(practice_admin=302),
    "connect:practice-users": _practice_admin_only(kwargs=_org_a, other_org=_org_b),
    "connect:practice-providers": _practice_admin_only(kwargs=_org_a, other_org=_org_b),
    "connect:practice-user-deactivate": _post_only(
        kwargs=lambda w: {"org": w.practice_a.pk, "pk": 1}
    ),
    "connect:practice-invitation-withdraw": _post_only(
        kwargs=lambda w: {"org": w.practice_a.pk, "pk": 1}
    ),
    "connect:practice-provider-remove": _post_only(
        kwargs=lambda w: {"org": w.practice_a.pk, "pk": 1}
    ),
    "connect:invitation": Route(kwargs=_invitation),
    "connect:staff-queue": _staff(),
    "connect:staff-request": _staff(kwargs=_own_request),
    "connect:staff-providers": _staff(),
    "connect:staff-review": _staff(405, kwargs=_own_request),
    "connect:staff-approve": _staff(405, kwargs=_own_request),
    "connect:staff-deny": _staff(405, kwargs=_own_request),
    "connect:staff-more-info": _staff(405, kwargs=_own_request),
    "connect:staff-attach-fax": _staff(405, kwargs=_own_request),
    "connect:staff-referrals": _staff(405, kwargs=_own_request),
    "connect:staff-provider-decide": _staff(405, kwargs=lambda w: {"pk": 1}),
    "connect:staff-access": _staff(),
    "connect:staff-access-user": _staff(kwargs=lambda w: {"user_pk": w.users["billing_clerk"].pk}),
    "connect:staff-access-remove": _staff(405, kwargs=lambda w: {"pk": 1}),
}
