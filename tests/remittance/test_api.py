"""The remittance router: a payment's documents reach an API client, not only the browser."""

from __future__ import annotations

from typing import Any

import pytest

from portico.core.models import AuditEvent
from portico.remittance.api import router
from tests.conftest import router_client
from tests.factories.remittance import remittance_world

pytestmark = pytest.mark.django_db


def test_the_eob_pdf_is_served_to_an_api_client(world: Any) -> None:
    """Before: eob_pdf_url was the portal's page, which sends a bearer client to sign in."""
    payment = remittance_world(world)["payment_a"]
    api = router_client(router)
    user = world.users["billing_clerk"]
    detail = api.get(f"/payments/{payment.number}", user=user).json()
    assert detail["eob_pdf_url"] == f"/api/v1/remittance/payments/{payment.number}/eob.pdf"
    pdf = api.get(f"/payments/{payment.number}/eob.pdf", user=user)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="portico.payment.eob_downloaded").count() == 1
    other = api.get(f"/payments/{payment.number}/eob.pdf", user=world.users["billing_clerk_b"])
    assert other.status_code == 404
