"""One sequence of X12 interchange control numbers (ISA13/GS06) for every interchange Portico
sends: 999s, 277CAs, 277s, 278 responses. Partners drop an interchange whose control number
they have seen, so the numbers must never repeat across modules.

The claims app owns the counter (its number sequences) and registers its allocator from
``ready``; prior authorization and referrals, which sit below claims, draw from it here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_allocate: Callable[[], int] | None = None


def register_control_number_allocator(allocate: Callable[[], int]) -> None:
    global _allocate
    _allocate = allocate


def next_interchange_control_number() -> int:
    """The next ISA13/GS06 (1–999,999,999)."""
    if _allocate is None:
        raise ImproperlyConfigured("No interchange control number allocator (portico.claims).")
    return _allocate()
