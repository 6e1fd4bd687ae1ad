"""How long one of allauth's rate limits still refuses an action, so that a page can say "Wait
40 seconds" where allauth answers with the bare 429 page. Reads allauth's counters in the
cache; consumes nothing."""

from __future__ import annotations

import math
import time
from typing import Any

from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache
from django.http import HttpRequest


def wait_seconds(
    request: HttpRequest,
    *,
    action: str,
    key: str | None = None,
    user: Any = None,
    app: str = "allauth.account",
) -> int:
    """Seconds until ``action`` is allowed again (0 when it is allowed now)."""
    now = time.time()
    wait = 0.0
    for rate in get_rates(app=app, action=action):
        cache_key = get_cache_key(request, app=app, action=action, rate=rate, key=key, user=user)
        recent = sorted(
            (at for at in cache.get(cache_key, []) if at > now - rate.duration), reverse=True
        )
        if len(recent) >= rate.amount:
            # Allowed again once the oldest of the last ``amount`` attempts leaves the window.
            wait = max(wait, recent[rate.amount - 1] + rate.duration - now)
    return math.ceil(wait)
