"""The embedded profile's cache (core/cache.py): Django's local-memory cache without
memcached's key checks."""

from __future__ import annotations

import warnings

from django.core.cache import caches
from django.core.cache.backends.base import CacheKeyWarning

from portico.core.cache import LocalMemoryCache


def test_the_default_cache_is_portico_s_local_memory_cache():
    assert isinstance(caches["default"], LocalMemoryCache)


def test_any_key_is_stored_and_read_back_without_memcached_warnings():
    cache = LocalMemoryCache("portico-cache-test", {})
    key = "allauth:rl:account:login:30/60/ip:10.0.0.1 " + "x" * 300  # space, > 250 characters
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        cache.set(key, [1.5], 60)
        assert cache.get(key) == [1.5]
        assert cache.add(key, "other") is False
        cache.delete(key)
    assert cache.get(key) is None
