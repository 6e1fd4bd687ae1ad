"""Text filters for sentences built from stored values."""

from __future__ import annotations

from django import template

from portico.core.text import tin_display

register = template.Library()


@register.filter
def as_sentence(value: object) -> str:
    """``value`` ending in exactly one full stop (or its own ``!``/``?``): reasons entered by
    staff or carried by X12 may or may not end with one, and a template that adds its own
    printed "requested (PWK).."."""
    text = str(value).rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


@register.filter
def tin(value: object) -> str:
    """A stored 9-digit Tax ID as ``12-3456789`` (``core.text.tin_display``)."""
    return tin_display(value)
