"""OpenID Connect provider settings (django-allauth's ``allauth.idp.oidc``).

Portico's rules on top of allauth live in ``portico.identity.oidc``; docs/oidc.md describes the
endpoints, claims and how to register a client.
"""

from __future__ import annotations

import environ

env = environ.Env()

IDP_OIDC_ADAPTER = "portico.identity.oidc.PorticoOIDCAdapter"

# RS256 signing key (PEM). Profiles fill it: local/test generate one under var/, production
# requires it from the environment. allauth also accepts IDP_OIDC_PRIVATE_KEYS for rotation.
IDP_OIDC_PRIVATE_KEY = env.str("IDP_OIDC_PRIVATE_KEY", default="")

# Lifetimes (seconds). Access tokens are opaque and checked against the database, so a
# revoked or logged-out token stops working at once; refresh tokens rotate on every use and
# expire after this long without use.
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("PORTICO_OIDC_ACCESS_TOKEN_SECONDS", default=3600)
IDP_OIDC_ID_TOKEN_EXPIRES_IN = 300
IDP_OIDC_AUTHORIZATION_CODE_EXPIRES_IN = 60
IDP_OIDC_ROTATE_REFRESH_TOKEN = True
IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN = env.int(
    "PORTICO_OIDC_REFRESH_TOKEN_SECONDS", default=7 * 24 * 3600
)
IDP_OIDC_ACCESS_TOKEN_FORMAT = "opaque"

# Client authentication at the token endpoint; "none" is for public clients (PKCE required).
IDP_OIDC_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

# RP-initiated logout with an id_token_hint for the signed-in user ends the Portico session
# without asking (front-desk computers are shared); without a matching hint Portico asks.
IDP_OIDC_RP_INITIATED_LOGOUT_ASKS_FOR_OP_LOGOUT = False

# Clients are registered by administrators (portico oidc-client, or the admin), never by
# anonymous dynamic registration.
IDP_OIDC_DCR_ENABLED = False
IDP_OIDC_INTROSPECTION_ENABLED = False
