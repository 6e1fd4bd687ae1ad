"""Counted nouns in sentences shown to people ("1 claim", "3 claims"), instead of "claim(s)"."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str = "") -> str:
    """``n`` and the noun in the right number; ``plural`` when adding "s" is wrong."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
