"""Template filters for the EOB: ``{{ amount|eob_money }}`` and ``{{ date|eob_date }}`` print
what ``portico.remittance.formatting`` prints in the EOB PDF."""

from __future__ import annotations

from django import template

from portico.remittance import formatting

register = template.Library()


@register.filter
def eob_money(value: object) -> str:
    return formatting.money(value)


@register.filter
def eob_deduction(value: object) -> str:
    """An amount taken off the payment (a provider-level adjustment): ``1.25`` → ``-$1.25``,
    ``-1.25`` (an amount added) → ``$1.25``."""
    return formatting.money(formatting.negated(value))


@register.filter
def eob_date(value: object) -> str:
    return formatting.us_date(value)


@register.filter
def eob_lines(payment_claim: object) -> list[formatting.EobLine]:
    """``{% for ln in pc|eob_lines %}``: a claim's lines as the EOB PDF prints them."""
    return formatting.eob_lines(payment_claim)
