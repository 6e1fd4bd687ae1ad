"""API rate limiting: a fixed window per caller in Django's cache (Redis in production).

The caller is who a bearer token acts for: its client for a system (client-credentials)
token, its user for a user's token, so a new token does not start a new window; else the
signed-in session user, else the client IP. A token the server does not know counts against
the address it came from, so guessing tokens is limited too.

``PORTICO_API_RATE_LIMIT`` sets the limit as ``"<count>/<period>"`` with the period in ``s``,
``m`` or ``h`` (default ``600/m``); over it the API answers 429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from allauth.idp.oidc.models import Token
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from portico.core.middleware import client_ip

DEFAULT_RATE = "600/m"
PERIODS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    count, _, period = text.strip().partition("/")
    period = period.strip() or "m"
    unit = period[-1]
    multiplier = int(period[:-1] or 1)
    if unit not in PERIODS or not count.strip().isdigit():
        raise ValueError(f"Rate {text!r}: use '<count>/<period>' with s, m or h")
    return Rate(int(count), multiplier * PERIODS[unit])


def current_rate() -> Rate:
    return parse_rate(str(getattr(settings, "PORTICO_API_RATE_LIMIT", DEFAULT_RATE)))


CALLER_CACHE_SECONDS = 300  # shorter than an access token's life; a token never changes hands


def _token_caller(value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    cache_key = f"portico.api.caller:{digest}"
    caller = cache.get(cache_key)
    if caller is None:
        row = (
            Token.objects.by_value(value)
            .filter(type=Token.Type.ACCESS_TOKEN)
            .values_list("client_id", "user_id")
            .first()
        )
        if row is None:
            caller = ""  # unknown: counted against the address (no free guesses per token)
        else:
            client_id, user_id = row
            caller = f"u:{user_id}" if user_id is not None else f"c:{client_id}"
        cache.set(cache_key, caller, timeout=CALLER_CACHE_SECONDS)
    return str(caller)


def caller_key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if (
            scheme.lower() == "bearer"
            and value.strip()
            and (caller := _token_caller(value.strip()))
        ):
            return caller
        return f"ip:{client_ip(request) or 'unknown'}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return f"ip:{client_ip(request) or 'unknown'}"


def consume(request: HttpRequest, rate: Rate | None = None) -> int | None:
    """Count one call; returns None if allowed, else the seconds until the window resets."""
    rate = rate or current_rate()
    if rate.count <= 0:
        return None
    now = time.time()
    window = int(now // rate.seconds)
    key = f"portico.api.rl:{caller_key(request)}:{window}"
    if cache.add(key, 1, timeout=rate.seconds + 1):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            used = 1
    if used <= rate.count:
        return None
    return max(1, int((window + 1) * rate.seconds - now) + 1)
