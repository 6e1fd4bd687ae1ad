"""Code-set values as people read them (``{% load code_sets %}``)."""

from __future__ import annotations

from django import template

from portico.codes.models import icd10_display

register = template.Library()


@register.filter
def icd10(code: str) -> str:
    """``M25561`` → ``M25.561``: stored and exchanged without the dot (X12, FHIR), printed with
    it, as the tabular list and every claim form show it."""
    return icd10_display(str(code or ""))
