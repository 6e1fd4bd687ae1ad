"""Portico's OIDC rules in isolation: amr/acr mapping, claims, client secrets, the
``oidc-client`` command, the audited admin, discovery."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.idp.oidc.models import Token
from django.contrib.admin import AdminSite
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from portico.core.audit import describe
from portico.core.models import AuditEvent
from portico.identity import oidc
from tests.factories.identity import UserFactory

PWD = {"method": "password", "at": 100.0, "username": "someone"}


def mfa(kind: str, at: float = 110.0, **extra: Any) -> dict[str, Any]:
    return {"method": "mfa", "at": at, "type": kind, "id": 1, **extra}


@pytest.mark.parametrize(
    ("records", "amr", "acr", "auth_time"),
    [
        ([PWD], ("pwd",), oidc.ACR_PWD, 100),
        ([PWD, mfa("totp")], ("pwd", "otp", "mfa"), oidc.ACR_MFA, 110),
        ([PWD, mfa("recovery_codes")], ("pwd", "otp", "mfa"), oidc.ACR_MFA, 110),
        ([PWD, mfa("webauthn")], ("pwd", "hwk", "mfa"), oidc.ACR_MFA, 110),
        ([mfa("webauthn", passwordless=True)], ("hwk",), oidc.ACR_MFA, 110),
        ([PWD, mfa("phone")], ("pwd", "sms", "mfa"), oidc.ACR_MFA, 110),
        ([PWD, mfa("phone", channel="voice")], ("pwd", "tel", "mfa"), oidc.ACR_MFA, 110),
        # re-authentication: latest time, factors listed once
        (
            [PWD, mfa("totp"), {**PWD, "at": 500.0, "reauthenticated": True}],
            ("pwd", "otp", "mfa"),
            oidc.ACR_MFA,
            500,
        ),
        # records that are not authentication factors are ignored
        ([PWD, {"method": "code", "at": 900.0}], ("pwd",), oidc.ACR_PWD, 100),
    ],
)
def test_amr_acr_auth_time_from_session_records(records, amr, acr, auth_time):
    ctx = oidc.auth_context_from_records(records)
    assert (ctx.amr, ctx.acr, ctx.auth_time) == (amr, acr, auth_time)
    assert oidc.AuthContext.from_dict(ctx.as_dict()) == ctx


def test_no_records_fall_back_to_last_login_at_the_lowest_level():
    ctx = oidc.auth_context_from_records([], fallback_time=1234.5)
    assert (ctx.amr, ctx.acr, ctx.auth_time) == ((), oidc.ACR_PWD, 1234)


@pytest.mark.django_db
def test_records_of_another_user_are_ignored(rf: RequestFactory) -> None:
    user = UserFactory()
    request = rf.get("/")
    request.session = {  # type: ignore[assignment]
        "account_authentication_methods": [PWD, mfa("totp")],
        "account_authentication_methods_user": "someone-else",
    }
    assert oidc.auth_context_from_session(request, user).amr == ()


@pytest.mark.django_db
def test_claims_use_public_id_and_follow_scopes() -> None:
    user = UserFactory(first_name="Ana", last_name="Reyes", phone="+12125550142")
    client, _ = oidc.oidc_client_create(name="PM", redirect_uris=["https://pm.example/cb"])
    adapter = oidc.PorticoOIDCAdapter()
    assert adapter.get_claims("userinfo", user, client, ["openid"]) == {"sub": str(user.public_id)}
    claims = adapter.get_claims("userinfo", user, client, ["openid", "profile", "email", "phone"])
    assert claims == {
        "sub": str(user.public_id),
        "name": "Ana Reyes",
        "given_name": "Ana",
        "family_name": "Reyes",
        "preferred_username": user.username,
        "email": user.email,
        "email_verified": True,
        "phone_number": "+12125550142",
        "phone_number_verified": True,
    }
    assert adapter.get_user_by_sub(client, str(user.public_id)) == user
    assert adapter.get_user_by_sub(client, str(user.pk)) is None  # not a UUID
    user.is_active = False
    user.save()
    assert adapter.get_user_by_sub(client, str(user.public_id)) is None


@pytest.mark.django_db
def test_unparseable_phone_is_left_out() -> None:
    user = UserFactory(phone="12")
    client, _ = oidc.oidc_client_create(name="PM", redirect_uris=["https://pm.example/cb"])
    claims = oidc.PorticoOIDCAdapter().get_claims("userinfo", user, client, ["openid", "phone"])
    assert "phone_number" not in claims


@pytest.mark.django_db
def test_discovery_and_jwks(client: Any) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["scopes_supported"] == ["openid", "profile", "email", "phone"]
    assert meta["acr_values_supported"] == [oidc.ACR_PWD, oidc.ACR_MFA]
    assert {"auth_time", "amr", "acr", "phone_number"} <= set(meta["claims_supported"])
    assert meta["response_types_supported"] == ["code"]
    assert "client_credentials" in meta["grant_types_supported"]
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]


@pytest.mark.django_db
def test_the_device_flow_is_not_offered(client: Any) -> None:
    """Before: discovery advertised allauth's device authorization endpoint, which issued codes
    that no page or token request would take."""
    meta = client.get("/.well-known/openid-configuration").json()
    assert "device_authorization_endpoint" not in meta
    assert meta["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "client_credentials",
    ]
    rp, _ = oidc.oidc_client_create(name="TV", grant_types=["client_credentials"])
    answer = client.post("/identity/o/api/device/code", {"client_id": rp.id})
    assert answer.status_code == 400 and answer.json()["error"] == "unauthorized_client"
    assert client.get("/identity/o/device").status_code == 404
    with pytest.raises(ValidationError, match="Unknown grant type"):
        oidc.oidc_client_create(name="TV2", grant_types=["device_code"])


# ---------------------------------------------------------------------------
# Client secrets
# ---------------------------------------------------------------------------
def test_client_secret_hasher_roundtrip_and_guard() -> None:
    hasher = oidc.ClientSecretHasher()
    secret = oidc.PorticoOIDCAdapter.generate_client_secret(None)  # type: ignore[arg-type]
    encoded = hasher.encode(secret, hasher.salt())
    assert encoded.startswith("portico_client_sha256$")
    assert hasher.verify(secret, encoded)
    tampered = secret[:-1] + ("y" if secret.endswith("x") else "x")
    assert not hasher.verify(tampered, encoded)
    assert not hasher.verify("short", encoded)
    with pytest.raises(ValueError):
        hasher.encode("Correct-Horse-42", hasher.salt())  # never a person's password


def test_secrets_use_the_fast_hasher_only_when_it_is_configured(settings: Any) -> None:
    secret = "s" * 64
    encoded = oidc.hash_client_secret(secret)
    assert encoded.startswith("portico_client_sha256$")
    assert check_password(secret, encoded)
    settings.PASSWORD_HASHERS = [
        h for h in settings.PASSWORD_HASHERS if h != "portico.identity.oidc.ClientSecretHasher"
    ]
    fallback = oidc.hash_client_secret(secret)
    assert not fallback.startswith("portico_client_sha256$")
    assert check_password(secret, fallback)


# ---------------------------------------------------------------------------
# portico oidc-client
# ---------------------------------------------------------------------------
def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("oidc_client", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_create_confidential_first_party_client() -> None:
    result = run(
        "create",
        "--name",
        "Practice PM",
        "--redirect-uri",
        "https://pm.example.org/cb",
        "--redirect-uri",
        "http://localhost:8765/cb",
        "--post-logout-redirect-uri",
        "https://pm.example.org/",
        "--first-party",
        "--scope",
        "openid profile",
        "--scope",
        "phone",
    )
    client = OIDCClient.objects.get(id=result["client_id"])
    assert client.check_secret(result["client_secret"])
    assert client.type == OIDCClient.Type.CONFIDENTIAL and client.skip_consent
    assert client.get_redirect_uris() == ["https://pm.example.org/cb", "http://localhost:8765/cb"]
    assert client.get_post_logout_redirect_uris() == ["https://pm.example.org/"]
    assert client.get_scopes() == ["openid", "profile", "phone"]
    assert client.get_grant_types() == ["authorization_code", "refresh_token"]
    assert client.get_response_types() == ["code"]
    event = AuditEvent.objects.get(action="portico.oidc.client_created")
    assert event.object_id == client.id and result["client_secret"] not in json.dumps(event.changes)
    assert describe("portico.oidc.client_created") == "created an OpenID Connect client"


@pytest.mark.django_db
def test_create_public_and_system_clients() -> None:
    public = run("create", "--name", "Mobile", "--public", "--redirect-uri", "com.example.app:/cb")
    assert "client_secret" not in public and public["type"] == "public"
    assert public["scopes"] == ["openid", "profile", "email"]
    system = run(
        "create", "--name", "Robot", "--grant", "client_credentials", "--scope", "claims.read"
    )
    assert system["grant_types"] == ["client_credentials"] and system["scopes"] == ["claims.read"]
    assert system["redirect_uris"] == [] and system["client_secret"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "A", "--public", "--grant", "client_credentials"], "confidential"),
        (["--name", "A"], "redirect-uri"),
        (["--name", "A", "--redirect-uri", "http://pm.example.org/cb"], "localhost"),
        (["--name", "A", "--redirect-uri", "com.example.app:/cb"], "public native"),
        (["--name", "A", "--redirect-uri", "https://*.example.org/cb"], "wildcard"),
        (["--name", "<b>", "--redirect-uri", "https://pm.example.org/cb"], "name"),
        (["--name", "A", "--redirect-uri", "https://a.example/cb", "--scope", 'x"y'], "scope"),
    ],
)
@pytest.mark.django_db
def test_create_refuses_unsafe_clients(args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run("create", *args)
    assert not OIDCClient.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_list_rotate_delete() -> None:
    created = run("create", "--name", "PM", "--redirect-uri", "https://pm.example.org/cb")
    client_id = created["client_id"]
    listed = run("list")["clients"]
    assert [c["client_id"] for c in listed] == [client_id]
    assert "secret" not in json.dumps(listed)

    rotated = run("rotate-secret", client_id)
    client = OIDCClient.objects.get(id=client_id)
    assert client.check_secret(rotated["client_secret"])
    assert not client.check_secret(created["client_secret"])

    Token.objects.create(client=client, type=Token.Type.ACCESS_TOKEN, hash="h")
    assert run("delete", client_id) == {"deleted": client_id}
    assert not OIDCClient.objects.exists() and not Token.objects.exists()
    deleted = AuditEvent.objects.get(action="portico.oidc.client_deleted")
    assert deleted.changes == {"tokens_revoked": 1}
    with pytest.raises(CommandError, match="No client"):
        run("delete", client_id)


# ---------------------------------------------------------------------------
# Admin
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_changes_are_audited(rf: RequestFactory) -> None:
    site = AdminSite()
    site.register(OIDCClient)  # as allauth does on the real site
    oidc.register_admin(site)
    model_admin = site._registry[OIDCClient]
    assert isinstance(model_admin, oidc.OIDCClientAdmin)
    assert isinstance(site._registry[Token], oidc.OIDCTokenAdmin)

    staff = UserFactory(is_staff=True, is_superuser=True)
    request = rf.post("/")
    request.user = staff
    request.session = {}  # type: ignore[assignment]
    request._messages = type("M", (), {"add": lambda *a, **k: None})()  # type: ignore[attr-defined]
    form_class = model_admin.get_form(request)
    form = form_class(
        data={
            "id": "admin-made",
            "name": "From the admin",
            "scopes": "openid",
            "type": "confidential",
            "grant_types": "authorization_code",
            "redirect_uris": "https://pm.example.org/cb",
            "response_types": "code",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        }
    )
    assert form.is_valid(), form.errors
    client = form.save(commit=False)
    model_admin.save_model(request, client, form, change=False)
    assert client.secret and not client.check_secret("")
    model_admin.delete_model(request, client)
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_id")) == [
        ("portico.oidc.client_created", staff.pk),
        ("portico.oidc.client_deleted", staff.pk),
    ]


@pytest.mark.django_db
def test_consumed_refresh_tokens_are_purged_when_their_family_cannot_be_alive() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from portico.identity import tasks
    from portico.identity.models import ConsumedRefreshToken

    now = timezone.now()
    ConsumedRefreshToken.objects.create(hash="old", family="f1", keep_until=now - timedelta(1))
    ConsumedRefreshToken.objects.create(hash="new", family="f2", keep_until=now + timedelta(1))
    assert tasks.purge_consumed_refresh_tokens() == 1
    assert list(ConsumedRefreshToken.objects.values_list("hash", flat=True)) == ["new"]


def _admin_client_form(data: dict[str, str]) -> Any:
    site = AdminSite()
    site.register(OIDCClient)
    oidc.register_admin(site)
    request = RequestFactory().get("/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True)
    form_class = site._registry[OIDCClient].get_form(request)
    base = {
        "id": "admin-made",
        "name": "From the admin",
        "scopes": "openid\nprofile",
        "type": "confidential",
        "grant_types": "authorization_code\nrefresh_token",
        "redirect_uris": "https://pm.example.org/cb",
        "response_types": "code",
        "created_at_0": "2026-01-01",
        "created_at_1": "00:00:00",
    }
    return form_class(data={**base, **data})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"grant_types": "urn:ietf:params:oauth:grant-type:device_code"},
            "grant_types",
            "Not offered here: urn:ietf:params:oauth:grant-type:device_code.",
        ),
        ({"grant_types": "authorisation_code"}, "grant_types", "Not offered here"),
        ({"response_types": "code\nid_token token"}, "response_types", "Only the code"),
        ({"scopes": 'openid\nbad"scope'}, "scopes", 'Not a scope name: bad"scope.'),
        (
            {"type": "public", "grant_types": "client_credentials"},
            "grant_types",
            "Client credentials need a confidential client.",
        ),
        ({"redirect_uris": "http://rp.example.org/cb"}, "redirect_uris", "http is allowed"),
        ({"redirect_uris": "https://*.example.org/cb"}, "redirect_uris", "without fragment"),
        ({"redirect_uris": ""}, "redirect_uris", "needs a redirect URI"),
        ({"allow_uri_wildcards": "on"}, "allow_uri_wildcards", "matched exactly"),
    ],
)
def test_the_admin_holds_clients_to_the_command_s_rules(
    data: dict[str, str], field: str, message: str
) -> None:
    form = _admin_client_form(data)
    assert not form.is_valid()
    assert any(message in m for m in form.errors.get(field, [])), form.errors


@pytest.mark.django_db
def test_the_admin_accepts_a_client_the_command_would_make() -> None:
    form = _admin_client_form(
        {"redirect_uris": "https://pm.example.org/cb\nhttp://localhost:8400/cb"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["grant_types"] == "authorization_code\nrefresh_token"
