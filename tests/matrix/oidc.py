"""The OpenID Connect provider's URLs (allauth's ``idp:oidc:*``, some served by Portico's
wrappers in ``portico.identity.oidc``). What a browser GET without OAuth parameters gets."""

from tests.matrix import ANON, Route

ROUTES = {
    # Public metadata.
    "idp:oidc:configuration": Route(),
    "idp:oidc:jwks": Route(),
    # Browser endpoints: sign-in first; signed in without parameters, an error page that
    # explains the request is invalid (never a redirect to an unvalidated URI).
    "idp:oidc:authorization": Route(expect={ANON: 302}),
    # The device flow is not offered (identity/oidc.py, device_flow_not_offered).
    "idp:oidc:device_authorization": Route(default=404),
    # Without an id_token_hint a signed-in user is asked whether to sign out; anonymous
    # visitors are sent on to the post-logout page.
    "idp:oidc:logout": Route(expect={ANON: 302}),
    # Back-channel endpoints: POST only, and a session cookie is no bearer token.
    "idp:oidc:token": Route(default=405),
    "idp:oidc:revoke": Route(default=405),
    "idp:oidc:device_code": Route(default=405),  # POST only, and refused (not offered)
    "idp:oidc:userinfo": Route(default=401),
}
