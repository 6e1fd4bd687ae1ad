"""API fixtures: access tokens of every kind, issued through the provider's token model (the
flow tests obtain them through the real token endpoint instead)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client, Token
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import timezone

from portico.api import services
from portico.identity.models import PhoneAuthenticator
from portico.organizations.models import Application

ALL_SCOPES = ["claims", "priorauth", "referrals", "patients", "support", "connect"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def user_client(name: str = "Practice PM", scopes: list[str] | None = None) -> Client:
    client = Client(name=name, type=Client.Type.CONFIDENTIAL)
    client.set_grant_types(["authorization_code", "refresh_token"])
    client.set_scopes(["openid", *(scopes or ALL_SCOPES)])
    client.set_redirect_uris(["https://rp.example.test/callback"])
    client.save()
    return client


def issue_token(
    *, client: Client, user: Any = None, scopes: list[str] | None = None, data: Any = None
) -> str:
    """An access token row as the provider stores it; returns the bearer value."""
    value = secrets.token_urlsafe(32)
    token = Token(
        client=client,
        user=user,
        type=Token.Type.ACCESS_TOKEN,
        hash=get_adapter().hash_token(value),
        expires_at=timezone.now() + timedelta(hours=1),
        data=data,
    )
    token.set_scopes(list(ALL_SCOPES if scopes is None else scopes))
    token.save()
    return value


def with_mfa(user: Any) -> Any:
    """Give ``user`` an enrolled second factor (the phone factor; factories verify phones)."""
    PhoneAuthenticator.objects.get_or_create(user=user)
    return user


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


@pytest.fixture
def api_client() -> HttpClient:
    return HttpClient()


@pytest.fixture
def system_client(world: Any) -> services.CreatedApiClient:
    """A client-credentials client bound to practice A with every application."""
    return services.api_client_create(
        name="Practice A robot",
        organization=world.practice_a,
        applications=[
            Application.CLAIMS,
            Application.PRIOR_AUTH,
            Application.REFERRALS,
            Application.PATIENT_INFO,
            Application.SUPPORT,
        ],
        options={"regions": ["R1"], "submit_claims": True},
    )


@pytest.fixture
def tokens(world: Any, system_client: services.CreatedApiClient):
    """``tokens(kind, persona=None)`` → bearer value for a token kind of the API matrix."""
    pm = user_client()

    def make(kind: str, persona: str | None = None, scopes: list[str] | None = None) -> str:
        if kind == "system":
            return issue_token(client=system_client.client, scopes=scopes)
        user = world.users[persona]
        return issue_token(client=pm, user=with_mfa(user), scopes=scopes)

    return make
