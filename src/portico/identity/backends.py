"""The one authentication backend: allauth's, with Portico's account look-up.

allauth's backend finds accounts with ``__iexact`` (a scan of every account) and, listed after
Django's ``ModelBackend`` as allauth suggests, a sign-in by email address or in another case
than the stored username first failed in ``ModelBackend`` — which hashes the password once
"to mitigate timing attacks" — and then hashed it again in allauth's backend: two argon2 runs
per sign-in. This backend resolves the sign-in identifier through
``selectors.user_for_login`` (the case-insensitive unique indexes), reuses the account the
adapter already looked up for this request, and hashes exactly once whether or not the
account exists. Permissions come from ``ModelBackend``, which allauth's backend extends.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from portico.identity import selectors
from portico.identity.models import User

# Where the sign-in adapter leaves the account it looked up: (identifier, user or None).
LOOKED_UP_ATTR = "portico_login_user"


def user_for_login(request: HttpRequest | None, login: str) -> User | None:
    """The account ``login`` names, looked up once per request."""
    cached = getattr(request, LOOKED_UP_ATTR, None) if request is not None else None
    if cached is not None and cached[0] == login:
        return cached[1]  # type: ignore[no-any-return]
    user = selectors.user_for_login(login=login)
    if request is not None:
        setattr(request, LOOKED_UP_ATTR, (login, user))
    return user


class PorticoAuthenticationBackend(AuthenticationBackend):
    def _authenticate(
        self, request: HttpRequest | None, **credentials: Any
    ) -> AbstractBaseUser | None:
        login = credentials.get("username") or credentials.get("email") or ""
        password = credentials.get("password") or ""
        if not login:
            return None
        # No account: allauth's authenticate() hashes once anyway (timing).
        return self._check_password(user_for_login(request, str(login)), password)
