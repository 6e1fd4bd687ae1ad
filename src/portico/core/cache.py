"""The in-process cache of the embedded profile (no Redis).

Django's base cache checks every key for what memcached would refuse, one character at a time,
and warns (``CacheKeyWarning``); no memcached is ever behind this cache. Django's documentation
suggests this subclass for that case ("override ``validate_key``"). Each sign-in makes about
twenty cache calls for its rate limits (bench/identity).
"""

from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache


class LocalMemoryCache(LocMemCache):
    """Django's local-memory cache, without memcached's key checks."""

    def validate_key(self, key: str) -> None:
        return None
