"""End to end against a running server: an Authlib relying party signs a user in with
authorization code + PKCE, verifies the ID token with the published JWKS, reads userinfo,
refreshes (rotation), revokes and logs out; a system client uses client credentials."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.account.internal.userkit import user_id_to_str
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.idp.oidc.models import Token
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.test import Client
from django.urls import clear_url_caches, get_resolver, include, path, resolve
from joserfc import jwt
from joserfc.jwk import KeySet

from portico.core.models import AuditEvent
from portico.identity import oidc
from tests.factories.identity import PASSWORD, UserFactory

REDIRECT_URI = "https://rp.example.test/callback"
LOGOUT_URI = "https://rp.example.test/signed-out"

# Until config/urls.py mounts Portico's wrappers, these tests serve them from this URLconf
# (the wrappers first, then the real root URLconf), and the wiring test below is an
# expected failure that says what to add.
urlpatterns = [*oidc.urlpatterns, path("", include("portico.config.urls"))]


def _portico_views_mounted() -> bool:
    return resolve("/identity/o/api/token").func.__name__ == oidc.TokenView.__name__


_OPEN: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _portico_oidc(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not _portico_views_mounted():
        settings.ROOT_URLCONF = __name__
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live server speaks http
    yield
    # Close keep-alive connections so no server thread outlives the test's database.
    while _OPEN:
        _OPEN.pop().close()


def test_root_urlconf_mounts_portico_oidc_views(settings: Any) -> None:
    settings.ROOT_URLCONF = "portico.config.urls"
    clear_url_caches()
    for url, view_class in [
        ("/identity/o/authorize", oidc.AuthorizationView),
        ("/identity/o/api/token", oidc.TokenView),
        ("/identity/o/api/revoke", oidc.RevokeView),
    ]:
        view = get_resolver().resolve(url).func
        assert getattr(view, "view_class", None) is view_class, (
            f"{url} must resolve to Portico's view: mount portico.identity.oidc before "
            "allauth.idp.urls in config/urls.py"
        )


# ---------------------------------------------------------------------------
# Helpers: a browser signed in to Portico, and a relying party built on Authlib
# ---------------------------------------------------------------------------
def browser_for(user: Any, *, methods: list[dict[str, Any]]) -> requests.Session:
    """A requests session carrying a Portico session cookie for ``user``."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = methods
    session["account_authentication_methods_user"] = user_id_to_str(user)
    session.save()
    browser = requests.Session()
    _OPEN.append(browser)
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return browser


def mfa_methods(at: float, username: str) -> list[dict[str, Any]]:
    return [
        {"method": "password", "at": at - 20, "username": username},
        {"method": "mfa", "at": at, "type": "totp", "id": 1},
    ]


def follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Follow Portico's own redirects; stop at a page or at a redirect to the RP."""
    for _ in range(10):
        location = response.headers.get("Location")
        if response.status_code not in (301, 302) or location is None:
            return response
        if location.startswith(("https://rp.example.test", "com.example")):
            return response
        response = browser.get(urljoin(response.url, location), allow_redirects=False)
    raise AssertionError("redirect loop")


class RelyingParty:
    def __init__(self, base: str, client: OIDCClient, secret: str | None, scope: str) -> None:
        self.meta = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
        self.jwks = KeySet.import_key_set(requests.get(self.meta["jwks_uri"], timeout=10).json())
        self.client_id = client.id
        self.oauth = OAuth2Session(
            client.id,
            secret,
            scope=scope,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        )
        _OPEN.append(self.oauth)

    def start(self, **params: Any) -> tuple[str, str, str, str]:
        verifier, nonce = generate_token(48), generate_token(20)
        url, state = self.oauth.create_authorization_url(
            self.meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
        )
        return url, state, verifier, nonce

    def sign_in(self, browser: requests.Session, **params: Any) -> tuple[dict, dict]:
        url, state, verifier, nonce = self.start(**params)
        response = follow(browser, browser.get(url, allow_redirects=False))
        callback = response.headers["Location"]
        assert callback.startswith(REDIRECT_URI), callback
        token = self.oauth.fetch_token(
            self.meta["token_endpoint"],
            authorization_response=callback,
            code_verifier=verifier,
            state=state,
        )
        claims = self.verify_id_token(token["id_token"], nonce=nonce)
        return dict(token), claims

    def verify_id_token(self, id_token: str, *, nonce: str | None = None) -> dict[str, Any]:
        decoded = jwt.decode(id_token, self.jwks, algorithms=["RS256"])
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.meta["issuer"]},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            **({"nonce": {"essential": True, "value": nonce}} if nonce else {}),
        )
        registry.validate(decoded.claims)
        return decoded.claims


def make_client(**kwargs: Any) -> tuple[OIDCClient, str | None]:
    kwargs.setdefault("redirect_uris", [REDIRECT_URI])
    kwargs.setdefault("post_logout_redirect_uris", [LOGOUT_URI])
    kwargs.setdefault("scopes", ["openid", "profile", "email", "phone"])
    return oidc.oidc_client_create(name=kwargs.pop("name", "Practice PM"), **kwargs)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# ---------------------------------------------------------------------------
# The whole journey
# ---------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_authorization_code_pkce_journey(live_server: Any) -> None:
    user = UserFactory(
        username="clerk-oidc1", first_name="Ana", last_name="Reyes", phone="+12125550142"
    )
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid profile email phone")
    signed_in_at = time.time() - 30
    browser = browser_for(user, methods=mfa_methods(signed_in_at, user.username))

    assert rp.meta["issuer"] == live_server.url
    assert "phone" in rp.meta["scopes_supported"]
    assert rp.meta["code_challenge_methods_supported"] == ["S256"]

    token, claims = rp.sign_in(browser)
    assert claims["sub"] == str(user.public_id) != str(user.pk)
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == oidc.ACR_MFA
    assert claims["auth_time"] == int(signed_in_at)
    assert claims["email"] == user.email and claims["email_verified"] is True
    assert claims["phone_number"] == "+12125550142"
    assert {"access_token", "refresh_token", "id_token"} <= token.keys()

    # userinfo with the access token
    info = rp.oauth.get(rp.meta["userinfo_endpoint"]).json()
    assert info["sub"] == str(user.public_id)
    assert info["given_name"] == "Ana" and info["family_name"] == "Reyes"
    assert info["preferred_username"] == "clerk-oidc1"
    assert info["phone_number"] == "+12125550142" and info["phone_number_verified"] is True

    # refresh: new tokens, same sign-in facts; the old refresh token is dead (rotation)
    old_refresh = token["refresh_token"]
    refreshed = rp.oauth.refresh_token(rp.meta["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh
    again = rp.verify_id_token(refreshed["id_token"])
    assert (again["sub"], again["auth_time"], again["amr"], again["acr"]) == (
        claims["sub"],
        claims["auth_time"],
        claims["amr"],
        claims["acr"],
    )
    # (a second use of old_refresh would revoke the whole family: see the reuse test below)

    # revocation: the access token stops working at once
    access = refreshed["access_token"]
    revoked = rp.oauth.revoke_token(
        rp.meta["revocation_endpoint"], access, token_type_hint="access_token"
    )
    assert revoked.status_code == 200
    denied = requests.get(
        rp.meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert denied.status_code == 401

    # RP-initiated logout with id_token_hint ends the Portico session and returns to the RP
    logout = browser.get(
        rp.meta["end_session_endpoint"],
        params={
            "id_token_hint": refreshed["id_token"],
            "post_logout_redirect_uri": LOGOUT_URI,
            "state": "bye",
        },
        allow_redirects=False,
    )
    assert logout.status_code == 302
    assert logout.headers["Location"] == f"{LOGOUT_URI}?state=bye"
    url, *_ = rp.start()
    after = browser.get(url, allow_redirects=False)
    assert after.status_code == 302 and "/id/login/" in after.headers["Location"]
    assert not Token.objects.filter(user=user, client=client).exists()

    recorded = actions()
    assert recorded.count("portico.oidc.token_issued") == 2  # code exchange + refresh
    assert "portico.oidc.authorized" in recorded
    assert "portico.oidc.token_revoked" in recorded
    assert "portico.oidc.consent_granted" not in recorded  # first-party: no consent screen
    issued = AuditEvent.objects.filter(action="portico.oidc.token_issued").order_by("id").first()
    assert issued is not None and issued.actor_id == user.pk
    assert issued.changes["grant_type"] == "authorization_code"
    assert access not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


@pytest.mark.django_db(transaction=True)
def test_public_client_needs_pkce_and_no_secret(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc2")
    client, secret = make_client(public=True, first_party=True)
    assert secret is None
    rp = RelyingParty(live_server.url, client, None, "openid")
    browser = browser_for(user, methods=mfa_methods(time.time(), user.username))

    _token, claims = rp.sign_in(browser)
    assert claims["sub"] == str(user.public_id)

    without = OAuth2Session(client.id, scope="openid", redirect_uri=REDIRECT_URI)
    no_pkce, _state = without.create_authorization_url(rp.meta["authorization_endpoint"])
    response = follow(browser, browser.get(no_pkce, allow_redirects=False))
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]


@pytest.mark.django_db(transaction=True)
def test_plain_pkce_is_refused(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc3")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid")
    browser = browser_for(user, methods=mfa_methods(time.time(), user.username))
    url, state = rp.oauth.create_authorization_url(
        rp.meta["authorization_endpoint"], code_challenge="x" * 43, code_challenge_method="plain"
    )
    response = browser.get(url, allow_redirects=False)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert query["error"] == ["invalid_request"] and query["state"] == [state]


@pytest.mark.django_db(transaction=True)
def test_third_party_client_asks_for_consent(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc4")
    client, secret = make_client(name="Outside scheduling app")
    rp = RelyingParty(live_server.url, client, secret, "openid email")
    browser = browser_for(user, methods=mfa_methods(time.time(), user.username))

    def consent_page() -> tuple[requests.Response, str]:
        url, state, *_ = rp.start()
        page = follow(browser, browser.get(url, allow_redirects=False))
        assert page.status_code == 200 and "Outside scheduling app" in page.text
        # The portal's own page (before: allauth's bare layout, unstyled), each scope a
        # labelled checkbox.
        assert "Allow Outside scheduling app to use your" in page.text
        assert 'class="usa-header' in page.text and "usa-checkbox__input" in page.text
        return page, state

    def post(page: requests.Response, action: str) -> requests.Response:
        html = page.text
        signed = html.split('name="request" value="', 1)[1].split('"', 1)[0]
        return browser.post(
            rp.meta["authorization_endpoint"],
            data={
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                "request": signed,
                "scopes": ["openid", "email"],
                "action": action,
            },
            headers={"Referer": page.url},
            allow_redirects=False,
        )

    page, state = consent_page()
    denied = post(page, "cancel")
    assert parse_qs(urlsplit(denied.headers["Location"]).query) == {
        "error": ["access_denied"],
        "state": [state],
    }
    page, state = consent_page()
    granted = post(page, "grant")
    query = parse_qs(urlsplit(granted.headers["Location"]).query)
    assert query["state"] == [state] and query["code"]
    assert actions()[-3:] == [
        "portico.oidc.consent_denied",
        "portico.oidc.consent_granted",
        "portico.oidc.authorized",
    ]


@pytest.mark.django_db(transaction=True)
def test_prompt_login_forces_reauthentication(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc5")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid")
    long_ago = time.time() - 3600
    browser = browser_for(user, methods=mfa_methods(long_ago, user.username))

    url, state, verifier, nonce = rp.start(prompt="login")
    response = browser.get(url, allow_redirects=False)
    assert "/id/reauthenticate/" in response.headers["Location"]
    form = browser.get(urljoin(url, response.headers["Location"]))
    assert form.status_code == 200
    before = time.time()
    posted = browser.post(
        form.url,
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"], "password": PASSWORD},
        headers={"Referer": form.url},
        allow_redirects=False,
    )
    assert posted.status_code == 302, posted.text[:500]
    callback = follow(browser, posted).headers["Location"]
    token = rp.oauth.fetch_token(
        rp.meta["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
        state=state,
    )
    claims = rp.verify_id_token(token["id_token"], nonce=nonce)
    assert claims["auth_time"] >= int(before)


@pytest.mark.django_db(transaction=True)
def test_max_age(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc6")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid")
    an_hour_ago = time.time() - 3600
    browser = browser_for(user, methods=mfa_methods(an_hour_ago, user.username))

    # recent enough: no re-authentication, auth_time tells the RP how old the sign-in is
    _token, claims = rp.sign_in(browser, max_age=7200)
    assert claims["auth_time"] == int(an_hour_ago)

    # too old: re-authenticate (or, with prompt=none, login_required back to the RP)
    url, *_ = rp.start(max_age=60)
    response = browser.get(url, allow_redirects=False)
    assert "/id/reauthenticate/" in response.headers["Location"]
    assert "max_age" not in parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    url, state, *_ = rp.start(max_age=60, prompt="none")
    response = browser.get(url, allow_redirects=False)
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "error": ["login_required"],
        "error_description": ["Authentication is too old."],
        "state": [state],
    }
    url, state, *_ = rp.start(max_age="soon")
    response = browser.get(url, allow_redirects=False)
    assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == ["invalid_request"]


@pytest.mark.django_db(transaction=True)
def test_password_only_session_is_acr_pwd(live_server: Any, settings: Any) -> None:
    settings.PORTICO_MFA_REQUIRED = False
    user = UserFactory(username="clerk-oidc7")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid")
    at = time.time() - 5
    browser = browser_for(user, methods=[{"method": "password", "at": at, "username": "x"}])
    _token, claims = rp.sign_in(browser)
    assert claims["amr"] == ["pwd"] and claims["acr"] == oidc.ACR_PWD
    assert claims["auth_time"] == int(at)


@pytest.mark.django_db(transaction=True)
def test_client_credentials_for_a_system_client(live_server: Any) -> None:
    client, secret = oidc.oidc_client_create(
        name="Claims robot", grant_types=["client_credentials"], scopes=["claims.read"]
    )
    assert secret is not None
    meta = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    session = OAuth2Session(client.id, secret, scope="claims.read")
    _OPEN.append(session)
    token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "claims.read"
    assert "refresh_token" not in token and "id_token" not in token
    stored = Token.objects.get(type=Token.Type.ACCESS_TOKEN, client=client)
    assert stored.user is None and stored.get_scopes() == ["claims.read"]

    wrong = OAuth2Session(client.id, "not-the-secret-" * 3, scope="claims.read")
    _OPEN.append(wrong)
    response = wrong.post(
        meta["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(client.id, "not-the-secret-" * 3),
    )
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="portico.oidc.token_issued")
    assert event.actor_id is None and event.object_id == client.id
    assert event.changes["grant_type"] == "client_credentials"


@pytest.mark.django_db(transaction=True)
def test_a_client_cannot_revoke_another_clients_token(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc8")
    client, secret = make_client(first_party=True)
    other, other_secret = make_client(name="Other", first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid")
    browser = browser_for(user, methods=mfa_methods(time.time(), user.username))
    token, _claims = rp.sign_in(browser)
    response = requests.post(
        rp.meta["revocation_endpoint"],
        data={"token": token["refresh_token"]},
        auth=(other.id, other_secret),
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"
    assert Token.objects.filter(type=Token.Type.REFRESH_TOKEN, client=client).exists()


def _refresh(rp: RelyingParty, refresh: str, secret: str | None) -> requests.Response:
    return requests.post(
        rp.meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        auth=(rp.client_id, secret or ""),
        timeout=10,
    )


def _userinfo(rp: RelyingParty, access: str) -> int:
    response = requests.get(
        rp.meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    return response.status_code


@pytest.mark.django_db(transaction=True)
def test_refresh_token_reuse_revokes_the_whole_family(live_server: Any) -> None:
    """Rotation with reuse detection: presenting an exchanged refresh token again revokes
    every token descending from that sign-in, and only those."""
    user = UserFactory(username="clerk-oidc-reuse")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid profile")
    browser = browser_for(user, methods=mfa_methods(time.time() - 5, user.username))
    first, _claims = rp.sign_in(browser)
    other, _claims = rp.sign_in(browser)  # a second authorization: another family

    rt1 = _refresh(rp, first["refresh_token"], secret).json()
    rt2 = _refresh(rp, rt1["refresh_token"], secret).json()
    assert _userinfo(rp, rt2["access_token"]) == 200

    # An attacker (or a confused client) presents the first, already exchanged, value.
    reuse = _refresh(rp, first["refresh_token"], secret)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"

    # The whole family is gone: the newest refresh token and every access token of it ...
    assert _refresh(rp, rt2["refresh_token"], secret).json()["error"] == "invalid_grant"
    for access in (first["access_token"], rt1["access_token"], rt2["access_token"]):
        assert _userinfo(rp, access) == 401
    # ... while the other sign-in's tokens still work.
    assert _userinfo(rp, other["access_token"]) == 200
    assert _refresh(rp, other["refresh_token"], secret).status_code == 200

    event = AuditEvent.objects.get(action="portico.oidc.refresh_token_reused")
    assert (
        event.actor_id == user.pk and event.changes["tokens_revoked"] == 4
    )  # rt2 and three access tokens


@pytest.mark.django_db(transaction=True)
def test_a_reused_authorization_code_takes_back_its_tokens(live_server: Any) -> None:
    """RFC 6749 §4.1.2: before, a second exchange of a code was refused but the tokens the
    first exchange gave kept working."""
    user = UserFactory(username="clerk-oidc-code")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid profile")
    browser = browser_for(user, methods=mfa_methods(time.time() - 5, user.username))
    url, _state, verifier, _nonce = rp.start()
    callback = follow(browser, browser.get(url, allow_redirects=False)).headers["Location"]
    code = parse_qs(urlsplit(callback).query)["code"][0]

    def exchange() -> requests.Response:
        return requests.post(
            rp.meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            auth=(client.id, secret or ""),
            timeout=10,
        )

    first = exchange()
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert _userinfo(rp, tokens["access_token"]) == 200
    again = exchange()
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert _userinfo(rp, tokens["access_token"]) == 401
    assert _refresh(rp, tokens["refresh_token"], secret).json()["error"] == "invalid_grant"
    event = AuditEvent.objects.get(action="portico.oidc.code_reused")
    assert event.actor_id == user.pk and event.changes["tokens_revoked"] == 2


@pytest.mark.django_db(transaction=True)
def test_revoking_a_refresh_token_ends_its_access_tokens(live_server: Any) -> None:
    user = UserFactory(username="clerk-oidc-revoke")
    client, secret = make_client(first_party=True)
    rp = RelyingParty(live_server.url, client, secret, "openid profile")
    browser = browser_for(user, methods=mfa_methods(time.time() - 5, user.username))
    token, _claims = rp.sign_in(browser)
    assert _userinfo(rp, token["access_token"]) == 200
    revoked = rp.oauth.revoke_token(
        rp.meta["revocation_endpoint"], token["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    assert _userinfo(rp, token["access_token"]) == 401
