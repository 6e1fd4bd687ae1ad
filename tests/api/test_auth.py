"""Who may call the API: real tokens from Portico ID's token endpoint, scopes, MFA, system
clients bound to an organisation, and the browser session with CSRF."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.idp.oidc.models import Token
from django.test import Client as HttpClient

from portico.api import services
from portico.identity.oidc import ACR_MFA, ACR_PWD, oidc_client_create
from portico.organizations.models import Application
from tests.api.conftest import bearer, issue_token, user_client, with_mfa
from tests.conftest import mfa_login

REDIRECT = "https://rp.example.test/callback"
TOKEN_URL = "/identity/o/api/token"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def _code_flow(browser: HttpClient, client_id: str, secret: str, scope: str) -> dict[str, Any]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    response = browser.get(
        "/identity/o/authorize",
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 302, response.content[:500]
    code = parse_qs(urlsplit(response["Location"]).query)["code"][0]
    token = HttpClient().post(
        TOKEN_URL,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        **_basic(client_id, secret),
    )
    assert token.status_code == 200, token.content
    return token.json()


@pytest.mark.django_db
def test_user_token_from_the_authorization_code_flow_reads_the_api(world, api_client):
    clerk = with_mfa(world.users["billing_clerk"])
    client, secret = oidc_client_create(
        name="PM system",
        redirect_uris=[REDIRECT],
        first_party=True,
        scopes=["openid", "claims", "support"],
    )
    assert secret
    body = _code_flow(mfa_login(HttpClient(), clerk), client.id, secret, "openid claims")
    response = api_client.get("/api/v1/whoami", **bearer(body["access_token"]))
    assert response.status_code == 200, response.content
    me = response.json()
    assert me["kind"] == "user" and me["user"] == str(clerk.public_id)
    assert me["scopes"] == ["claims", "openid"]
    assert me["organizations"] == [world.practice_a.pk]
    # The token has no support scope: the support router refuses it.
    denied = api_client.get("/api/v1/support/cases", **bearer(body["access_token"]))
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in denied["WWW-Authenticate"]


@pytest.mark.django_db
def test_client_credentials_token_acts_for_the_bound_organisation(world, api_client):
    created = services.api_client_create(
        name="Lakeside robot",
        organization=world.practice_a,
        applications=[Application.CLAIMS, Application.SUPPORT],
    )
    token = HttpClient().post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "scope": "claims"},
        **_basic(created.client.id, created.secret),
    )
    assert token.status_code == 200, token.content
    body = token.json()
    assert "refresh_token" not in body and "id_token" not in body
    me = api_client.get("/api/v1/whoami", **bearer(body["access_token"])).json()
    assert me["kind"] == "system" and me["client_id"] == created.client.id
    assert me["organizations"] == [world.practice_a.pk]
    service = created.binding.service_user
    assert me["user"] == str(service.public_id)
    assert not service.has_usable_password()
    grant = service.grants.get(application=Application.CLAIMS)
    assert grant.organization == world.practice_a and grant.scope["tins"] == ["111111111"]


@pytest.mark.django_db
def test_client_credentials_client_without_a_binding_is_refused(world, api_client):
    client, _secret = oidc_client_create(
        name="Unbound", grant_types=["client_credentials"], scopes=["claims"]
    )
    value = issue_token(client=client, scopes=["claims"])
    response = api_client.get("/api/v1/whoami", **bearer(value))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "client_not_bound"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer ", "Basic abc", "Token x"],
)
def test_bad_credentials_answer_401_with_www_authenticate(world, api_client, header):
    response = api_client.get("/api/v1/whoami", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["message"]
    if header == "Bearer nonsense":  # RFC 6750 §3: a presented token that is refused
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.django_db
def test_expired_revoked_and_inactive_user_tokens_are_refused(world, api_client):
    clerk = with_mfa(world.users["billing_clerk"])
    client = user_client()
    expired = issue_token(client=client, user=clerk)
    Token.objects.update(expires_at=Token.objects.get().created_at - timedelta(seconds=1))
    assert api_client.get("/api/v1/whoami", **bearer(expired)).status_code == 401
    revoked = issue_token(client=client, user=clerk)
    assert api_client.get("/api/v1/whoami", **bearer(revoked)).status_code == 200
    Token.objects.filter(type=Token.Type.ACCESS_TOKEN).delete()
    assert api_client.get("/api/v1/whoami", **bearer(revoked)).status_code == 401
    live = issue_token(client=client, user=clerk)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert api_client.get("/api/v1/whoami", **bearer(live)).status_code == 401


@pytest.mark.django_db
def test_user_tokens_need_a_second_factor(world, api_client):
    clerk = world.users["billing_clerk"]  # no factor enrolled
    client = user_client()
    response = api_client.get("/api/v1/whoami", **bearer(issue_token(client=client, user=clerk)))
    assert response.status_code == 403 and response.json()["error"]["code"] == "mfa_required"
    # When the provider records the sign-in on the token, its acr decides.
    pwd = {"portico_auth": {"acr": ACR_PWD, "amr": ["pwd"], "auth_time": 1}}
    mfa = {"portico_auth": {"acr": ACR_MFA, "amr": ["pwd", "otp", "mfa"], "auth_time": 1}}
    with_mfa(clerk)
    assert (
        api_client.get(
            "/api/v1/whoami", **bearer(issue_token(client=client, user=clerk, data=pwd))
        ).status_code
        == 403
    )
    assert (
        api_client.get(
            "/api/v1/whoami", **bearer(issue_token(client=client, user=clerk, data=mfa))
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_session_calls_need_mfa_and_csrf_for_writes(world):
    user = world.users["direct_customer"]
    browser = HttpClient(enforce_csrf_checks=True)
    mfa_login(browser, user)
    assert browser.get("/api/v1/whoami").json()["kind"] == "session"
    payload = {"body": "hello"}
    refused = browser.post(
        "/api/v1/support/cases/CS-1/comments", payload, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    browser.get("/api/v1/docs")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    allowed = browser.post(
        "/api/v1/support/cases/CS-1/comments",
        payload,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert allowed.status_code == 403  # past CSRF: not a linked direct customer
    assert allowed.json()["error"]["code"] == "forbidden"


@pytest.mark.django_db
def test_session_without_mfa_is_not_an_api_caller(world, settings):
    browser = HttpClient()
    browser.force_login(world.users["billing_clerk"])
    response = browser.get("/api/v1/whoami")
    # The global MFA gate sends an unverified session to verify first.
    assert response.status_code in (302, 403)
