"""Portico ID as an OpenID Connect provider: django-allauth's IdP with Portico's rules.

allauth (``allauth.idp.oidc``) implements the protocol: discovery, JWKS, authorization code
with PKCE, refresh-token rotation, userinfo, revocation, RP-initiated logout and client
credentials. This module adds what Portico needs on top:

* ``sub`` is ``User.public_id`` (stable, opaque; never the database id);
* ID tokens carry ``auth_time``, ``amr`` and ``acr`` taken from the session's record of how
  the user signed in (allauth's ``account_authentication_methods``). The record is captured
  when the authorization code is issued and travels with the code, then with each rotated
  refresh token, because the token endpoint has no browser session;
* ``max_age`` forces re-authentication (allauth handles ``prompt=login`` only);
* PKCE ``plain`` is refused (discovery advertises S256 only);
* ``phone`` scope claims; every token issuance, consent, revocation and client change is
  audited;
* client secrets are hashed with a fast salted SHA-256 (they are 384-bit random strings;
  argon2 would only cap token-endpoint throughput).

Wiring: ``urlpatterns`` below must be mounted before ``allauth.idp.urls`` (same paths, so
allauth's URL names keep resolving to these views); ``register_admin`` is called from the
identity admin module. See docs/oidc.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import phonenumbers
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.core import context as allauth_context
from allauth.core.internal import jwkkit
from allauth.core.internal.httpkit import extract_basic_auth
from allauth.idp.oidc import app_settings as oidc_settings
from allauth.idp.oidc import views as allauth_views
from allauth.idp.oidc.adapter import DefaultOIDCAdapter, get_adapter
from allauth.idp.oidc.admin import ClientAdmin, TokenAdmin
from allauth.idp.oidc.internal.oauthlib import server as oauthlib_server
from allauth.idp.oidc.internal.oauthlib.request_validator import OAuthLibRequestValidator
from allauth.idp.oidc.internal.oauthlib.server import get_server
from allauth.idp.oidc.internal.oauthlib.utils import (
    extract_params,
    get_validator_context,
    respond_html_error,
)
from allauth.idp.oidc.models import Client, Token
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.hashers import (
    BasePasswordHasher,
    get_hashers_by_algorithm,
    make_password,
)
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from oauthlib.oauth2.rfc6749 import errors as oauth2_errors

from portico.core import statements
from portico.core.audit import audit_record, register_actions
from portico.identity.models import ConsumedRefreshToken

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------
ACR_MFA = "urn:portico:acr:mfa"
ACR_PWD = "urn:portico:acr:pwd"
SUPPORTED_SCOPES = ("openid", "profile", "email", "phone")
DEFAULT_SCOPES = ("openid", "profile", "email")
DEFAULT_GRANTS = (Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN)
# What a client may be registered for (and discovery lists); not the device flow.
OFFERED_GRANTS = (
    Client.GrantType.AUTHORIZATION_CODE.value,
    Client.GrantType.REFRESH_TOKEN.value,
    Client.GrantType.CLIENT_CREDENTIALS.value,
)
SESSION_OWNER_KEY = "account_authentication_methods_user"  # allauth's, see login flow
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 §3.3 scope-token

AUDIT_ACTIONS = {
    "portico.oidc.client_created": "created an OpenID Connect client",
    "portico.oidc.client_changed": "changed an OpenID Connect client",
    "portico.oidc.client_deleted": "deleted an OpenID Connect client",
    "portico.oidc.client_secret_rotated": "issued a new secret for an OpenID Connect client",
    "portico.oidc.consent_granted": "allowed an application to access their account",
    "portico.oidc.consent_denied": "refused an application access to their account",
    "portico.oidc.authorized": "signed in to an application with single sign-on",
    "portico.oidc.token_issued": "was issued OpenID Connect tokens",
    "portico.oidc.token_revoked": "revoked an OpenID Connect token",
    "portico.oidc.refresh_token_reused": (
        "presented a refresh token a second time; every token of that sign-in was revoked"
    ),
    "portico.oidc.code_reused": (
        "presented an authorization code a second time; every token it gave was revoked"
    ),
}
register_actions(AUDIT_ACTIONS)


# ---------------------------------------------------------------------------
# Signing key: parse the PEM once per process, not once per token
# ---------------------------------------------------------------------------
# allauth parses the PEM on every ID token, JWKS response and id_token_hint check. With
# cryptography >= 39 (OpenSSL 3) loading validates the RSA key, which costs tens of
# milliseconds: more than the rest of a token request together (bench/identity). The parsed
# key is immutable, so it is cached by PEM; rotation (a new PEM) is a new cache entry.
_uncached_load_jwk_from_pem = jwkkit.load_jwk_from_pem


@functools.lru_cache(maxsize=8)
def _load_jwk_from_pem_cached(pem: str) -> tuple[dict[str, Any], Any]:
    return _uncached_load_jwk_from_pem(pem)


def load_jwk_from_pem(pem: str) -> tuple[dict[str, Any], Any]:
    jwk, key = _load_jwk_from_pem_cached(pem)
    return dict(jwk), key


jwkkit.load_jwk_from_pem = load_jwk_from_pem


# ---------------------------------------------------------------------------
# How the user authenticated: auth_time, amr, acr
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AuthContext:
    """The ``auth_time``/``amr``/``acr`` triple of one sign-in, JSON-serialisable."""

    auth_time: int
    amr: tuple[str, ...]
    acr: str

    def as_dict(self) -> dict[str, Any]:
        return {"auth_time": self.auth_time, "amr": list(self.amr), "acr": self.acr}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthContext:
        return cls(auth_time=int(data["auth_time"]), amr=tuple(data["amr"]), acr=str(data["acr"]))


def _amr_of(record: Mapping[str, Any]) -> str | None:
    """RFC 8176 value for one allauth authentication record (None: not a factor)."""
    method, kind = record.get("method"), record.get("type")
    if method == "password":
        return "pwd"
    if method != "mfa":
        return None
    if kind in ("totp", "recovery_codes"):
        return "otp"
    if kind == "webauthn":
        return "hwk"
    if kind == "phone":
        return "tel" if record.get("channel") == "voice" else "sms"
    return None


def auth_context_from_records(
    records: Sequence[Mapping[str, Any]], *, fallback_time: float | None = None
) -> AuthContext:
    """amr lists every factor used in the session (in first-use order); auth_time is the
    most recent authentication; acr is MFA when a second factor or a passkey was used."""
    amr: list[str] = []
    times: list[float] = []
    for record in records:
        value = _amr_of(record)
        if value is None:
            continue
        times.append(float(record.get("at") or 0))
        if value not in amr:
            amr.append(value)
    mfa_used = any(v != "pwd" for v in amr)
    if len(amr) > 1:
        amr.append("mfa")
    auth_time = max(times) if times else (fallback_time or time.time())
    return AuthContext(
        auth_time=int(auth_time), amr=tuple(amr), acr=ACR_MFA if mfa_used else ACR_PWD
    )


def auth_context_from_session(request: HttpRequest, user: Any) -> AuthContext:
    session = request.session
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    owner = session.get(SESSION_OWNER_KEY)
    if not isinstance(records, list) or (owner is not None and owner != user_id_to_str(user)):
        records = []
    last_login = getattr(user, "last_login", None)
    return auth_context_from_records(
        records, fallback_time=last_login.timestamp() if last_login else None
    )


def _code_key(code: str) -> str:
    return "portico.oidc.code-auth:" + hashlib.sha256(code.encode()).hexdigest()


def _remember_code_context(code: str, client_id: str, ctx: AuthContext) -> None:
    cache.set(
        _code_key(code),
        {"client_id": client_id, **ctx.as_dict()},
        timeout=oidc_settings.AUTHORIZATION_CODE_EXPIRES_IN + 30,
    )


# ---------------------------------------------------------------------------
# Token families: refresh-token rotation with reuse detection
# ---------------------------------------------------------------------------
# Every token issued from one authorization (the code exchange, then each rotated refresh
# token and the access tokens issued with it) carries the same random family id in
# ``Token.data``. Each exchanged refresh token's hash is kept (ConsumedRefreshToken); if it
# is presented again, the whole family is revoked (RFC 9700 §4.14.2): either the client or an
# attacker holds a stolen copy, and the server cannot tell which.
FAMILY_KEY = "portico_family"
AUTH_KEY = "portico_auth"
CONSUMED_DEFAULT_KEEP = 90 * 24 * 3600  # when refresh tokens never expire


def _family_of(token: Token | None) -> str | None:
    if token is None or not isinstance(token.data, dict):
        return None
    family = token.data.get(FAMILY_KEY)
    return family if isinstance(family, str) else None


class PorticoRequestValidator(OAuthLibRequestValidator):
    """allauth's validator, tagging tokens with their family and sign-in context as they are
    built (no extra queries), recording each exchanged refresh token, and loading the user
    with the refresh token in one query."""

    def validate_refresh_token(
        self, refresh_token: str, client: Client, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # allauth's lookup() (valid().by_value().filter(type).first()), written as the one row
        # the unique (type, hash) names — no OR over the expiry, no ORDER BY — with the expiry
        # checked on that row: the same token, or none, for less query-building per grant.
        # A prepared statement (core/statements.py): every refresh asks it.
        token = statements.first(
            Token,
            related=("user",),
            client_id=client.pk,
            type=Token.Type.REFRESH_TOKEN,
            hash=get_adapter().hash_token(refresh_token),
        )
        expires_at = token.expires_at if token is not None else None
        if expires_at is not None and expires_at <= timezone.now():
            token = None
        if not token or not token.user or not token.user.is_active:
            return False
        request.user = token.user
        get_validator_context().refresh_token = token
        return True

    def _lookup_client(self, request: Any, client_id: str) -> Client | None:
        """allauth's, with the client read by a prepared statement (core/statements.py): each
        token request looks its client up. With client ID metadata documents (CIMD) on,
        allauth's own look-up, which may fetch one."""
        if oidc_settings.CIMD_ENABLED:
            return super()._lookup_client(request, client_id)  # type: ignore[no-any-return]
        cache = get_validator_context().clients
        if client_id not in cache:
            cache[client_id] = statements.first(Client, id=client_id)
        return cache[client_id]  # type: ignore[no-any-return]

    @staticmethod
    def _sign_in_context(presented: Token | None, client_id: str) -> dict[str, Any] | None:
        """How the user signed in: kept on the presented refresh token, or (code exchange)
        stashed on the request by TokenView from the authorization step."""
        stored = _stored_auth(presented)
        if stored is not None:
            return stored
        stashed = getattr(allauth_context.request, "portico_oidc_auth", None)
        if stashed and stashed.get("client_id") == client_id:
            return {k: v for k, v in stashed.items() if k != "client_id"}
        return None

    def _prep_refresh_token(self, ctx: Any, refresh_token: str, request: Any) -> Token:
        presented: Token | None = ctx.refresh_token
        token: Token = super()._prep_refresh_token(ctx, refresh_token, request)
        family = (
            _family_of(presented)
            or getattr(allauth_context.request, "portico_oidc_family", None)
            or (f"legacy-{presented.pk}" if presented is not None else secrets.token_hex(16))
        )
        allauth_context.request.portico_oidc_family = family  # read by _prep_access_token
        data = {**(token.data or {}), FAMILY_KEY: family}
        stored = self._sign_in_context(presented, request.client.id)
        if stored is not None:
            data[AUTH_KEY] = stored
        token.data = data
        if presented is not None and token is not presented:  # rotated: remember the old one
            keep = oidc_settings.REFRESH_TOKEN_EXPIRES_IN or CONSUMED_DEFAULT_KEEP
            consumed = ConsumedRefreshToken(
                hash=presented.hash,
                family=family,
                client_id=presented.client_id or "",
                user_id=presented.user_id,
                keep_until=timezone.now() + timedelta(seconds=keep),
            )
            statements.insert(consumed)
        return token

    def _prep_access_token(self, ctx: Any, token: dict[str, Any], request: Any) -> Token:
        """Access tokens carry the family and the sign-in context (``acr``), so that the API
        can require an MFA sign-in from the token itself."""
        access: Token = super()._prep_access_token(ctx, token, request)
        data = dict(access.data or {})
        family = getattr(allauth_context.request, "portico_oidc_family", None)
        if not family:
            # No refresh token (yet): the grant still starts a family, so that a replayed
            # authorization code can take back what it gave.
            family = secrets.token_hex(16)
            allauth_context.request.portico_oidc_family = family
        data[FAMILY_KEY] = family
        if request.user is not None:
            stored = self._sign_in_context(ctx.refresh_token, request.client.id)
            if stored is not None:
                data[AUTH_KEY] = stored
        if data:
            access.data = data
        return access


# allauth builds its oauthlib servers with this name; Portico's subclass takes its place.
oauthlib_server.OAuthLibRequestValidator = PorticoRequestValidator  # type: ignore[misc]


@transaction.atomic
def oidc_token_family_revoke(
    *,
    family: str,
    reason: str,
    actor: Any = None,
    action: str = "portico.oidc.refresh_token_reused",
) -> int:
    """Delete every live token of a family; returns how many went."""
    tokens = Token.objects.filter(**{f"data__{FAMILY_KEY}": family})
    client = Client.objects.filter(
        id__in=ConsumedRefreshToken.objects.filter(family=family).values("client_id")[:1]
    ).first()
    count, _ = tokens.delete()
    audit_record(
        action=action,
        actor=actor,
        obj=client,
        object_repr=client.name if client else "",
        changes={"family": family, "tokens_revoked": count, "reason": reason},
    )
    return count


def oidc_consumed_tokens_purge() -> int:
    """Forget exchanged refresh tokens whose family can no longer be alive."""
    count, _ = ConsumedRefreshToken.objects.filter(keep_until__lt=timezone.now()).delete()
    return count


# ---------------------------------------------------------------------------
# Client secrets: fast hashing of high-entropy generated secrets
# ---------------------------------------------------------------------------
class ClientSecretHasher(BasePasswordHasher):
    """Salted SHA-256, for machine-generated OIDC client secrets only.

    Secrets come from ``generate_client_secret`` (64 URL-safe characters, 384 bits), so a
    slow hash adds no protection but would cost a full argon2 run on every token request.
    Refuses short inputs so it can never end up hashing a person's password. Must be listed
    in ``PASSWORD_HASHERS`` (not first) for ``check_password`` to recognise its hashes.
    """

    algorithm = "portico_client_sha256"
    MIN_LENGTH = 32

    def encode(self, password: str, salt: str) -> str:
        if len(password) < self.MIN_LENGTH:
            raise ValueError("ClientSecretHasher only hashes generated client secrets.")
        if not salt or "$" in salt:
            raise ValueError("Salt must be non-empty and free of '$'.")
        digest = hashlib.sha256(f"{salt}${password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        if algorithm != self.algorithm:
            raise ValueError("Not a client-secret hash.")
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        if len(password) < self.MIN_LENGTH:
            return False
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {_("algorithm"): decoded["algorithm"], _("salt"): decoded["salt"][:4] + "…"}

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None


def hash_client_secret(secret: str) -> str:
    """The stored form of a client secret: fast hash when configured, else the default."""
    if ClientSecretHasher.algorithm in get_hashers_by_algorithm():
        return make_password(secret, hasher=ClientSecretHasher.algorithm)
    return make_password(secret)


# ---------------------------------------------------------------------------
# The allauth adapter
# ---------------------------------------------------------------------------
def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PorticoOIDCAdapter(DefaultOIDCAdapter):
    SCOPES = {
        "openid": _("Know who you are (your {idp_name})"),
        "email": _("View your email address"),
        "profile": _("View your name and username"),
        "phone": _("View your phone number"),
        # The REST API's scopes (docs/api.md): what an application may do as you.
        "claims": _("Use the Claims Online Portal as you: claims, payments and appeals"),
        "priorauth": _("Use the prior authorization portal as you"),
        "referrals": _("Use the Referrals Portal as you"),
        "patients": _("Read the patients of the Physician Info Portal as you"),
        "support": _("Use your support cases as you"),
        "connect": _("See your application access and submit access requests as you"),
    }

    @property
    def scope_display(self) -> dict[str, str]:
        """The consent screen's line for each scope, with the configured identity name."""
        idp_name = settings.PORTICO_BRAND["idp_name"]
        return {scope: str(text).format(idp_name=idp_name) for scope, text in self.SCOPES.items()}

    def generate_client_secret(self) -> str:
        return secrets.token_urlsafe(48)

    def get_user_sub(self, client: Client, user: Any) -> str:
        return str(user.public_id)

    def get_user_by_sub(self, client: Client, sub: str) -> Any:
        try:
            return get_user_model().objects.filter(public_id=sub, is_active=True).first()
        except ValidationError:  # not a UUID
            return None

    def get_claims(
        self,
        purpose: Literal["id_token", "userinfo"],
        user: Any,
        client: Client,
        scopes: Iterable[str],
        email: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        scopes = list(scopes)
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        phone: str = user.phone if hasattr(user, "phone") else ""
        if "phone" in scopes and phone:
            number = _e164(phone)
            if number:
                claims["phone_number"] = number
                claims["phone_number_verified"] = bool(user.phone_verified)
        return claims

    def populate_id_token(
        self, id_token: dict[str, Any], client: Client, scopes: Iterable[str], **kwargs: Any
    ) -> None:
        ctx = self._auth_context(client)
        if ctx is not None:
            id_token.update(ctx.as_dict())
            if not ctx.amr:
                del id_token["amr"]

    def _auth_context(self, client: Client) -> AuthContext | None:
        request = self.request
        stashed = getattr(request, "portico_oidc_auth", None)
        if stashed and stashed.get("client_id") == client.id:
            return AuthContext.from_dict(stashed)
        presented = get_validator_context().refresh_token  # refresh grant: validated token
        stored = _stored_auth(presented)
        if presented is not None and presented.client_id == client.id and stored:
            return AuthContext.from_dict(stored)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            # ID token issued at the authorization endpoint (implicit/hybrid response types).
            return auth_context_from_session(request, user)
        return None

    def populate_server_metadata(self, data: dict[str, Any]) -> None:
        data["scopes_supported"] = list(SUPPORTED_SCOPES)
        data["claims_supported"] = [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr",
            "name", "given_name", "family_name", "preferred_username",
            "email", "email_verified", "phone_number", "phone_number_verified",
        ]  # fmt: skip
        data["acr_values_supported"] = [ACR_PWD, ACR_MFA]
        data["prompt_values_supported"] = ["none", "login", "consent"]
        data["response_modes_supported"] = ["query"]
        data["claims_parameter_supported"] = False
        data["request_parameter_supported"] = False
        data["grant_types_supported"] = list(OFFERED_GRANTS)
        data["response_types_supported"] = ["code"]
        # The device flow (RFC 8628) is not offered: its endpoints answer as below.
        data.pop("device_authorization_endpoint", None)


# ---------------------------------------------------------------------------
# Client services (used by the management command and the admin)
# ---------------------------------------------------------------------------
def _validate_redirect_uri(uri: str, *, public: bool) -> None:
    parts = urlsplit(uri)
    if not parts.scheme or parts.fragment or "*" in uri:
        raise ValidationError(f"{uri!r}: an absolute URI without fragment or wildcard.")
    if parts.scheme == "https":
        if not parts.hostname:
            raise ValidationError(f"{uri!r}: missing host.")
    elif parts.scheme == "http":
        if parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise ValidationError(f"{uri!r}: http is allowed for localhost only; use https.")
    elif not public or "." not in parts.scheme:
        # RFC 8252 §7.1: native apps use a reverse-domain private-use scheme.
        raise ValidationError(
            f"{uri!r}: use https (private-use schemes such as com.example.app:/cb are for "
            "public native clients only)."
        )


def _client_summary(client: Client) -> dict[str, Any]:
    return {
        "client_id": client.id,
        "name": client.name,
        "type": client.type,
        "first_party": client.skip_consent,
        "grant_types": client.get_grant_types(),
        "scopes": client.get_scopes(),
        "redirect_uris": client.get_redirect_uris(),
        "post_logout_redirect_uris": client.get_post_logout_redirect_uris(),
        "created_at": client.created_at.isoformat(),
    }


@transaction.atomic
def oidc_client_create(
    *,
    name: str,
    redirect_uris: Sequence[str] = (),
    post_logout_redirect_uris: Sequence[str] = (),
    public: bool = False,
    first_party: bool = False,
    grant_types: Sequence[str] = (),
    scopes: Sequence[str] = (),
    actor: Any = None,
) -> tuple[Client, str | None]:
    """Register a client; returns it with its secret (None for public clients), shown once."""
    name = name.strip()
    if not name or len(name) > 100 or "<" in name or ">" in name:
        raise ValidationError("Give the client a name of 1–100 characters, without < or >.")
    grants = list(dict.fromkeys(grant_types or DEFAULT_GRANTS))
    unknown = set(grants) - set(OFFERED_GRANTS)
    if unknown:
        raise ValidationError(f"Unknown grant type(s): {', '.join(sorted(unknown))}.")
    if public and Client.GrantType.CLIENT_CREDENTIALS in grants:
        raise ValidationError("Client credentials need a confidential client (no --public).")
    uses_browser = Client.GrantType.AUTHORIZATION_CODE in grants
    if uses_browser and not redirect_uris:
        raise ValidationError("The authorization code grant needs at least one --redirect-uri.")
    for uri in [*redirect_uris, *post_logout_redirect_uris]:
        _validate_redirect_uri(uri, public=public)
    wanted = list(dict.fromkeys(scopes or (DEFAULT_SCOPES if uses_browser else ())))
    bad = [s for s in wanted if not _SCOPE_TOKEN.match(s)]
    if bad:
        raise ValidationError(f"Invalid scope name(s): {', '.join(bad)}.")
    if uses_browser and "openid" not in wanted:
        wanted.insert(0, "openid")

    client = Client(
        name=name,
        type=Client.Type.PUBLIC if public else Client.Type.CONFIDENTIAL,
        skip_consent=first_party,
    )
    client.set_grant_types(grants)
    client.set_response_types(["code"] if uses_browser else [])
    client.set_redirect_uris(list(redirect_uris))
    client.set_scopes(wanted)
    client.set_default_scopes([s for s in wanted if s in DEFAULT_SCOPES] if uses_browser else [])
    if post_logout_redirect_uris:
        client.set_post_logout_redirect_uris(list(post_logout_redirect_uris))
    secret: str | None = None
    if public:
        client.secret = ""
    else:
        secret = get_adapter().generate_client_secret()
        client.secret = hash_client_secret(secret)
    client.full_clean(exclude=["secret", "response_types", "scopes"])
    client.save()
    audit_record(
        action="portico.oidc.client_created",
        actor=actor,
        obj=client,
        object_repr=client.name,
        changes={k: v for k, v in _client_summary(client).items() if k != "created_at"},
    )
    return client, secret


@transaction.atomic
def oidc_client_rotate_secret(*, client_id: str, actor: Any = None) -> str:
    client = Client.objects.select_for_update().get(id=client_id)
    if client.type != Client.Type.CONFIDENTIAL:
        raise ValidationError("Public clients have no secret.")
    secret = get_adapter().generate_client_secret()
    client.secret = hash_client_secret(secret)
    client.save(update_fields=["secret"])
    audit_record(
        action="portico.oidc.client_secret_rotated",
        actor=actor,
        obj=client,
        object_repr=client.name,
    )
    return secret


@transaction.atomic
def oidc_client_delete(*, client_id: str, actor: Any = None) -> None:
    """Delete a client; its tokens go with it (cascade), so it can no longer call the API."""
    client = Client.objects.select_for_update().get(id=client_id)
    tokens = Token.objects.filter(client=client).count()
    audit_record(
        action="portico.oidc.client_deleted",
        actor=actor,
        obj=client,
        object_repr=client.name,
        changes={"tokens_revoked": tokens},
    )
    client.delete()


def oidc_clients_list() -> list[dict[str, Any]]:
    return [_client_summary(c) for c in Client.objects.order_by("name", "id")]


# ---------------------------------------------------------------------------
# Views: allauth's, with Portico's checks and audit around them
# ---------------------------------------------------------------------------
def _without_params(url: str, *names: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    for name in names:
        query.pop(name, None)
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _issued_code(response: HttpResponse) -> str | None:
    if response.status_code != 302:
        return None
    location = urlsplit(response.get("Location", ""))
    params = parse_qs(location.query) or parse_qs(location.fragment)
    if "error" in params or not params.get("code"):
        return None
    return params["code"][-1]


def _scope_changes(scopes: Iterable[str], **extra: Any) -> dict[str, Any]:
    return {"scopes": sorted(scopes), **extra}


class AuthorizationView(allauth_views.AuthorizationView):
    """Adds ``max_age``, refuses PKCE ``plain``, remembers how the user signed in for the
    ID token, and audits consent and authorization."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("code_challenge") and (
            request.GET.get("code_challenge_method", "plain") != "S256"
        ):
            return self._error(request, "invalid_request", "code_challenge_method must be S256.")
        raw_max_age = request.GET.get("max_age")
        if raw_max_age is not None:
            if not raw_max_age.isdigit():
                return self._error(request, "invalid_request", "max_age must be an integer.")
            response = self._enforce_max_age(request, int(raw_max_age))
            if response is not None:
                return response
        return super().get(request, *args, **kwargs)

    def _enforce_max_age(self, request: HttpRequest, max_age: int) -> HttpResponse | None:
        prompts = request.GET.get("prompt", "").split()
        if not request.user.is_authenticated or "login" in prompts:
            return None  # allauth sends the user to sign in (again) anyway
        ctx = auth_context_from_session(request, request.user)
        if time.time() - ctx.auth_time <= max_age:
            return None
        if "none" in prompts:
            return self._error(request, "login_required", "Authentication is too old.")
        # Like allauth's prompt=login: re-authenticate, then resume without max_age (the
        # ID token always carries auth_time, which the client checks).
        next_url = _without_params(request.get_full_path(), "max_age")
        target = reverse("account_reauthenticate")
        return HttpResponseRedirect(f"{target}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")

    def _error(self, request: HttpRequest, error: str, description: str) -> HttpResponse:
        """An error response to the client's redirect_uri once client and URI are validated
        (an unvalidated redirect_uri gets the HTML error page instead)."""
        try:
            _scopes, info = get_server().validate_authorization_request(*extract_params(request))
        except oauth2_errors.FatalClientError as exc:
            return respond_html_error(request, error=exc)
        except oauth2_errors.OAuth2Error as exc:
            return allauth_views._ClientHttpResponseRedirect(exc.in_uri(exc.redirect_uri))
        params = {"error": error, "error_description": description}
        if info.get("state"):
            params["state"] = info["state"]
        separator = "&" if "?" in info["redirect_uri"] else "?"
        return allauth_views._ClientHttpResponseRedirect(
            info["redirect_uri"] + separator + urlencode(params)
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        code = _issued_code(response)
        info = getattr(self, "_request_info", None) or {}
        client_id = info.get("client_id") or request.GET.get("client_id")
        if code and client_id and request.user.is_authenticated:
            ctx = auth_context_from_session(request, request.user)
            _remember_code_context(code, client_id, ctx)
            consented = request.method == "POST"
            client = Client.objects.filter(id=client_id).first()
            scopes = getattr(self, "_granted_scopes", None) or getattr(self, "_scopes", [])
            if consented:
                audit_record(
                    action="portico.oidc.consent_granted",
                    actor=request.user,
                    obj=client,
                    object_repr=client.name if client else client_id,
                    changes=_scope_changes(scopes),
                )
            audit_record(
                action="portico.oidc.authorized",
                actor=request.user,
                obj=client,
                object_repr=client.name if client else client_id,
                changes=_scope_changes(scopes, acr=ctx.acr, amr=list(ctx.amr)),
            )
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        self._granted_scopes = list(form.cleaned_data["scopes"])
        return super().form_valid(form)

    def _respond_with_access_denied(self) -> HttpResponse:
        client_id = self._request_info.get("client_id", "")
        client = Client.objects.filter(id=client_id).first()
        audit_record(
            action="portico.oidc.consent_denied",
            actor=self.request.user,
            obj=client,
            object_repr=client.name if client else client_id,
        )
        return super()._respond_with_access_denied()


def _stored_auth(token: Token | None) -> dict[str, Any] | None:
    """The sign-in context kept on a refresh token (None for tokens without one)."""
    if token is None or not isinstance(token.data, dict):
        return None
    stored = token.data.get("portico_auth")
    return stored if isinstance(stored, dict) else None


class TokenView(allauth_views.TokenView):
    """Carries the sign-in context from code to tokens and across refresh-token rotation
    (PorticoRequestValidator writes it on the tokens), revokes a token family when one of
    its exchanged refresh tokens comes back, and audits every issuance (in the transaction
    that issues the tokens)."""

    @transaction.atomic
    def post(self, request: HttpRequest) -> HttpResponse:
        grant_type = request.POST.get("grant_type", "")
        code = request.POST.get("code", "")
        if grant_type == Client.GrantType.AUTHORIZATION_CODE and code:
            # Read by the validator and PorticoOIDCAdapter.populate_id_token.
            request.portico_oidc_auth = cache.get(_code_key(code))  # type: ignore[attr-defined]
        response = super().post(request)
        if response.status_code == 200:
            self._issued(request, grant_type, json.loads(response.content))
        elif grant_type == Client.GrantType.REFRESH_TOKEN and response.status_code == 400:
            self._reused(request.POST.get("refresh_token", ""), what="refresh token")
        elif grant_type == Client.GrantType.AUTHORIZATION_CODE and response.status_code == 400:
            # RFC 6749 §4.1.2: a code used twice should take back the tokens it gave.
            self._reused(code, what="authorization code", action="portico.oidc.code_reused")
        return response

    @staticmethod
    def _reused(
        value: str, *, what: str, action: str = "portico.oidc.refresh_token_reused"
    ) -> None:
        if not value:
            return
        consumed = (
            ConsumedRefreshToken.objects.filter(hash=get_adapter().hash_token(value))
            .select_related("user")
            .first()
        )
        if consumed is not None:
            oidc_token_family_revoke(
                family=consumed.family, reason=f"{what} reused", actor=consumed.user, action=action
            )

    def _issued(self, request: HttpRequest, grant_type: str, body: Mapping[str, Any]) -> None:
        # A refresh grant: allauth validated (and loaded) the presented token, its user and
        # client; reuse them rather than query again. Other grants: the new access token row.
        validated = get_validator_context()
        presented = validated.refresh_token
        if grant_type == Client.GrantType.REFRESH_TOKEN and presented is not None:
            user = presented.user
            client = validated.clients.get(presented.client_id) or presented.client
            scopes = str(body.get("scope", "")).split()
        else:
            access = (
                Token.objects.by_value(body.get("access_token", ""))
                .filter(type=Token.Type.ACCESS_TOKEN)
                .select_related("client", "user")
                .get()
            )
            user, client, scopes = access.user, access.client, access.get_scopes()
            if grant_type == Client.GrantType.AUTHORIZATION_CODE:
                code = request.POST.get("code", "")
                cache.delete(_code_key(code))
                self._remember_code(code, access)
        audit_record(
            action="portico.oidc.token_issued",
            actor=user,
            obj=client,
            object_repr=client.name if client else "",
            changes={
                "grant_type": grant_type,
                "scopes": scopes,
                "id_token": "id_token" in body,
                "refresh_token": bool(body.get("refresh_token")),
            },
        )

    @staticmethod
    def _remember_code(code: str, access: Token) -> None:
        """An exchanged code, kept as an exchanged refresh token is (``ConsumedRefreshToken``)
        with the family of the tokens it gave, so that a second use revokes them."""
        family = _family_of(access)
        if not code or family is None:
            return
        keep = oidc_settings.REFRESH_TOKEN_EXPIRES_IN or CONSUMED_DEFAULT_KEEP
        statements.insert(
            ConsumedRefreshToken(
                hash=get_adapter().hash_token(code),
                family=family,
                client_id=access.client_id or "",
                user_id=access.user_id,
                keep_until=timezone.now() + timedelta(seconds=keep),
            )
        )


class RevokeView(allauth_views.RevokeView):
    """RFC 7009 revocation, refusing tokens issued to another client, with an audit row."""

    @transaction.atomic
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        value = request.POST.get("token", "")
        tokens = list(
            Token.objects.by_value(value)
            .filter(type__in=[Token.Type.ACCESS_TOKEN, Token.Type.REFRESH_TOKEN])
            .select_related("client", "user")
        )
        caller = self._caller_client_id(request)
        if caller and any(t.client_id != caller for t in tokens):
            return JsonResponse(
                {"error": "unauthorized_client", "error_description": "Not your token."},
                status=400,
            )
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            gone = {t.pk for t in tokens} - set(
                Token.objects.filter(pk__in=[t.pk for t in tokens]).values_list("pk", flat=True)
            )
            for token in (t for t in tokens if t.pk in gone):
                family = _family_of(token)
                if token.type == Token.Type.REFRESH_TOKEN and family:
                    # RFC 7009 §2.1: the access tokens of the same grant go with it.
                    Token.objects.filter(**{f"data__{FAMILY_KEY}": family}).delete()
                audit_record(
                    action="portico.oidc.token_revoked",
                    actor=token.user,
                    obj=token.client,
                    object_repr=token.client.name if token.client else "",
                    changes={"token_type": token.get_type_display()},
                )
        return response

    @staticmethod
    def _caller_client_id(request: HttpRequest) -> str | None:
        client_id, _secret = extract_basic_auth(
            {"Authorization": request.headers.get("Authorization", "")}
        )
        return client_id or request.POST.get("client_id") or None


# Mounted in config/urls.py before allauth.idp.urls: same paths, no names (reverse() of
# allauth's names such as "idp:oidc:token" gives these paths, which resolve here first).
def device_flow_not_offered(request: HttpRequest) -> HttpResponse:
    """allauth serves the device authorization grant (RFC 8628); Portico does not offer it
    (issue #3 asks for the code, refresh and client-credentials grants), so its two endpoints
    answer as an unknown grant and an unknown page would."""
    if request.path.endswith("/code"):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        body = {"error": "unauthorized_client", "error_description": "No device flow here."}
        return JsonResponse(body, status=400)
    raise Http404


urlpatterns = [
    path("identity/o/authorize", AuthorizationView.as_view()),
    path("identity/o/api/token", TokenView.as_view()),
    path("identity/o/api/revoke", RevokeView.as_view()),
    path("identity/o/api/device/code", csrf_exempt(device_flow_not_offered)),
    path("identity/o/device", device_flow_not_offered),
]


# ---------------------------------------------------------------------------
# Admin: allauth's client/token admin, with Portico's secret hashing and audit
# ---------------------------------------------------------------------------
def _lines(text: str | None) -> list[str]:
    """allauth keeps a client's lists as text, one value per line."""
    return list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))


class OIDCClientAdminForm(forms.ModelForm):
    """The admin's client form, held to the rules of ``oidc_client_create``: only the grants
    Portico offers (not the device flow), only the code response type, scope names as RFC 6749
    spells them, redirect URIs matched exactly and over https (http for localhost only), and
    no client credentials for a public client. allauth's form takes any text."""

    class Meta:
        model = Client
        fields = [
            "id", "name", "type", "owner", "skip_consent", "grant_types", "response_types",
            "scopes", "default_scopes", "redirect_uris", "allow_uri_wildcards", "cors_origins",
            "data",
        ]  # fmt: skip

    def clean_grant_types(self) -> str:
        grants = _lines(self.cleaned_data.get("grant_types"))
        unknown = [g for g in grants if g not in OFFERED_GRANTS]
        offered = f"Give one per line of: {', '.join(OFFERED_GRANTS)}."
        if unknown:
            raise ValidationError(f"Not offered here: {', '.join(unknown)}. {offered}")
        if not grants:
            raise ValidationError(offered)
        return "\n".join(grants)

    def clean_response_types(self) -> str:
        types = _lines(self.cleaned_data.get("response_types"))
        if [t for t in types if t != "code"]:
            raise ValidationError("Only the code response type is offered here: write “code”.")
        return "\n".join(types)

    def clean_scopes(self) -> str:
        scopes = _lines(self.cleaned_data.get("scopes"))
        bad = [s for s in scopes if not _SCOPE_TOKEN.match(s)]
        if bad:
            raise ValidationError(f"Not a scope name: {', '.join(bad)}. Write one per line.")
        return "\n".join(scopes)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        public = data.get("type") == Client.Type.PUBLIC
        grants = _lines(data.get("grant_types"))
        if public and Client.GrantType.CLIENT_CREDENTIALS in grants:
            self.add_error("grant_types", "Client credentials need a confidential client.")
        if data.get("allow_uri_wildcards"):
            self.add_error("allow_uri_wildcards", "Redirect URIs are matched exactly here.")
        uris = _lines(data.get("redirect_uris"))
        if Client.GrantType.AUTHORIZATION_CODE in grants and not uris:
            self.add_error("redirect_uris", "The authorization code grant needs a redirect URI.")
        problems: list[str] = []
        for uri in uris:
            try:
                _validate_redirect_uri(uri, public=public)
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            self.add_error("redirect_uris", problems)
        return data


class OIDCClientAdmin(ClientAdmin):
    form = OIDCClientAdminForm

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        with transaction.atomic():
            if not change:
                secret = get_adapter().generate_client_secret()
                obj.secret = hash_client_secret(secret)
                if obj.type == Client.Type.CONFIDENTIAL:
                    self.message_user(
                        request,
                        format_html(
                            "The client secret is shown only once: <code>{}</code>", secret
                        ),
                        level=messages.WARNING,
                    )
            admin.ModelAdmin.save_model(self, request, obj, form, change)
            audit_record(
                action="portico.oidc.client_changed" if change else "portico.oidc.client_created",
                actor=request.user,
                obj=obj,
                object_repr=obj.name,
                changes={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request: HttpRequest, obj: Client) -> None:
        oidc_client_delete(client_id=obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for client_id in list(queryset.values_list("pk", flat=True)):
            oidc_client_delete(client_id=client_id, actor=request.user)


class OIDCTokenAdmin(TokenAdmin):
    def _audit_revocation(self, request: HttpRequest, token: Token) -> None:
        audit_record(
            action="portico.oidc.token_revoked",
            actor=request.user,
            obj=token.client,
            object_repr=token.client.name if token.client else "",
            changes={"token_type": token.get_type_display(), "user_id": token.user_id},
        )

    def delete_model(self, request: HttpRequest, obj: Token) -> None:
        with transaction.atomic():
            self._audit_revocation(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for token in queryset.select_related("client"):
                self._audit_revocation(request, token)
            super().delete_queryset(request, queryset)


def register_admin(site: admin.AdminSite) -> None:
    """Replace allauth's client/token admin with the audited versions."""
    for model, model_admin in ((Client, OIDCClientAdmin), (Token, OIDCTokenAdmin)):
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)
