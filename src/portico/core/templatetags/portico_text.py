"""Text filters for sentences built from stored values."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def as_sentence(value: object) -> str:
    """``value`` ending in exactly one full stop (or its own ``!``/``?``): reasons entered by
    staff or carried by X12 may or may not end with one, and a template that adds its own
    printed "requested (PWK).."."""
    text = str(value).rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
