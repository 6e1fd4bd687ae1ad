"""Who calls the API: OAuth 2.0 bearer access tokens from Portico ID, or the browser session.

* **User tokens** (authorization code + PKCE): the token's user, active, whose sign-in used a
  second factor. The token's ``acr`` (when the provider recorded it on the token) must be
  ``urn:portico:acr:mfa``; otherwise the user must have a second factor enrolled (the
  authorization endpoint itself is behind the MFA gate, docs/oidc.md).
* **System tokens** (client credentials, no user): the client must be bound to an
  organisation (``ApiClientBinding``); the call runs as the binding's service account.
* **Session** (the portal's own pages): a signed-in, MFA-verified session; unsafe methods need
  the CSRF token (``X-CSRFToken``). A session has every API scope its user's grants allow.

After authentication ``request.user`` and ``request.auth`` are the acting ``User`` and
``request.principal`` is a ``Principal`` (kind, scopes, client). Scopes are checked per router
(``scope_required``); a token without the router's scope gets 403 ``insufficient_scope``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.idp.oidc.models import Token
from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.utils import check_csrf

from portico.api.models import ApiClientBinding
from portico.identity import selectors as identity_selectors
from portico.identity.middleware import session_mfa_verified
from portico.identity.oidc import ACR_MFA

KIND_USER = "user"
KIND_SYSTEM = "system"
KIND_SESSION = "session"
ANY_SCOPE = "*"


@dataclass(frozen=True)
class Principal:
    """The caller of one API request.

    ``kind``: "user" (a person's access token), "system" (a client-credentials token; ``user``
    is the client's service account) or "session" (the portal's browser session).
    ``scopes``: the token's scopes (a session holds ``{"*"}``: its grants decide).
    """

    kind: str
    user: Any
    scopes: frozenset[str]
    client_id: str | None = None
    client_name: str = ""
    organization_id: int | None = None  # system clients: the organisation they act for

    @property
    def is_system(self) -> bool:
        return self.kind == KIND_SYSTEM

    def has_scope(self, scope: str | None) -> bool:
        return not scope or ANY_SCOPE in self.scopes or scope in self.scopes


class ApiAuthError(HttpError):
    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(status, message)
        self.code = code


def _bearer_value(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiAuthError(
            401, "Use an Authorization: Bearer <access token> header.", "invalid_token"
        )
    return value.strip()


def _token_mfa_ok(token: Token) -> bool:
    if not settings.PORTICO_MFA_REQUIRED:
        return True
    data = token.data if isinstance(token.data, dict) else {}
    stored = data.get("portico_auth")
    if isinstance(stored, dict) and "acr" in stored:
        return stored.get("acr") == ACR_MFA
    user = token.user
    return not getattr(user, "legacy_email_mfa", False) and identity_selectors.has_mfa_factor(
        user=user
    )


def principal_from_token(value: str) -> Principal:
    """Validate an access token; raises ApiAuthError (401/403) when it cannot be used."""
    token = (
        Token.objects.valid()
        .by_value(value)
        .filter(type=Token.Type.ACCESS_TOKEN)
        .select_related("client", "user")
        .first()
    )
    if token is None or token.client is None:
        raise ApiAuthError(401, "The access token is invalid, expired or revoked.", "invalid_token")
    scopes = frozenset(token.get_scopes())
    if token.user is not None:
        user = token.user
        if not user.is_active:
            raise ApiAuthError(
                401, "The access token is invalid, expired or revoked.", "invalid_token"
            )
        if not _token_mfa_ok(token):
            raise ApiAuthError(
                403,
                "This account must sign in with a second factor (MFA) to use the API.",
                "mfa_required",
            )
        return Principal(
            kind=KIND_USER,
            user=user,
            scopes=scopes,
            client_id=token.client.id,
            client_name=token.client.name,
        )
    binding = (
        ApiClientBinding.objects.filter(client=token.client, is_active=True)
        .select_related("service_user")
        .first()
    )
    if binding is None or not binding.service_user.is_active:
        raise ApiAuthError(
            403,
            "This client is not bound to an organisation; register it with "
            "`portico api-client create`.",
            "client_not_bound",
        )
    return Principal(
        kind=KIND_SYSTEM,
        user=binding.service_user,
        scopes=scopes,
        client_id=token.client.id,
        client_name=token.client.name,
        organization_id=binding.organization_id,
    )


def principal_from_session(request: HttpRequest) -> Principal | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if settings.PORTICO_MFA_REQUIRED and not session_mfa_verified(request):
        raise ApiAuthError(403, "Verify your sign-in with a second factor first.", "mfa_required")
    return Principal(kind=KIND_SESSION, user=user, scopes=frozenset({ANY_SCOPE}))


def _enter(request: HttpRequest, principal: Principal, scope: str | None) -> Any:
    request.principal = principal  # type: ignore[attr-defined]
    request.user = principal.user
    if not principal.has_scope(scope):
        raise ApiAuthError(
            403, f"The access token lacks the {scope!r} scope.", "insufficient_scope"
        )
    return principal.user


def authenticate_request(request: HttpRequest, *, scope: str | None, csrf: bool = True) -> Any:
    """Bearer token if an Authorization header is present, else the session.

    Returns the acting user (or None: not authenticated). Raises ApiAuthError for a bad
    token, a missing scope, a missing second factor or a failed CSRF check.
    """
    value = _bearer_value(request)
    if value is not None:
        return _enter(request, principal_from_token(value), scope)
    principal = principal_from_session(request)
    if principal is None:
        return None
    if csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
        raise ApiAuthError(403, "CSRF check failed: send the X-CSRFToken header.", "csrf_failed")
    return _enter(request, principal, scope)


class BearerAuth(HttpBearer):
    """OpenAPI ``bearerAuth``: a Portico ID access token (the router's scope is required)."""

    openapi_scheme = "bearer"

    def __init__(self, scope: str | None = None) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        value = _bearer_value(request)
        if value is None:
            return None
        return _enter(request, principal_from_token(value), self.scope)

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return _enter(request, principal_from_token(token), self.scope)


class PorticoSessionAuth(SessionAuth):
    """OpenAPI ``cookie``: the portal's MFA-verified session (CSRF on unsafe methods)."""

    def __init__(self, scope: str | None = None) -> None:
        self.scope = scope
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return None  # the bearer scheme decides
        return authenticate_request(request, scope=self.scope)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return authenticate_request(request, scope=self.scope)


def auth_for(scope: str | None) -> list[Any]:
    return [BearerAuth(scope), PorticoSessionAuth(scope)]
