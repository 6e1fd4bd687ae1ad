"""Helpers for Portico ID tests: drive the real sign-up and sign-in forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from portico.core.models import OutboxMessage
from portico.identity import services

PASSWORD = "Harbor-Light-73"

SIGNUP = {
    "first_name": "Dana",
    "last_name": "Whitfield",
    "year_of_birth": "1984",
    "email": "dana.whitfield@example.org",
    "username": "dwhitfield",
    "phone_country": "US",
    "phone_number": "202 555 0143",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "accept_terms": "on",
    "accept_privacy": "on",
}


def signup(client: Client, **overrides: Any) -> Any:
    data = {**SIGNUP, **overrides}
    return client.post("/id/signup/", {k: v for k, v in data.items() if v is not None})


def last_message(channel: str, to: str) -> OutboxMessage:
    message = OutboxMessage.objects.filter(channel=channel, to=to).order_by("-id").first()
    assert message is not None, f"no {channel} to {to}"
    return message


def email_code(to: str = SIGNUP["email"]) -> str:
    return last_message(OutboxMessage.Channel.EMAIL, to).codes[0]


def sms_code(to: str = "+12025550143") -> str:
    return last_message(OutboxMessage.Channel.SMS, to).codes[0]


def signup_through_email(client: Client, **overrides: Any) -> Any:
    response = signup(client, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/id/confirm-email/"
    email = overrides.get("email", SIGNUP["email"])
    response = client.post("/id/confirm-email/", {"action": "verify", "code": email_code(email)})
    assert response.status_code == 302
    assert response["Location"] == "/id/phone/verify/"
    return response


def password_login(client: Client, login: str, password: str = PASSWORD) -> Any:
    return client.post("/id/login/", {"login": login, "password": password})


@pytest.fixture(autouse=True)
def _legal_documents(request: Any) -> None:
    """Migration 0003 publishes v1.0 of both documents; a transactional test flushes them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    services.legal_defaults_publish()
