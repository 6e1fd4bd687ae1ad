"""Amounts and quantities that fit their database columns.

A ``DecimalField(max_digits=12, decimal_places=2)`` holds at most 10 whole digits and cents.
PostgreSQL refuses a larger number (a 500 after the work was done), and SQLite stores it as a
float that Django cannot read back, so every way in (forms, REST, X12) checks first.
"""

from __future__ import annotations

from decimal import Decimal

MONEY_PLACES, MONEY_WHOLE_DIGITS = 2, 10  # DecimalField(max_digits=12, decimal_places=2)
QUANTITY_PLACES, QUANTITY_WHOLE_DIGITS = 3, 6  # DecimalField(max_digits=9, decimal_places=3)


def decimal_problem(value: Decimal, *, places: int, whole_digits: int, what: str) -> str:
    """Why ``value`` does not fit a column of ``whole_digits`` + ``places``; ``""`` if it does."""
    if not value.is_finite():
        return f"Enter the {what} as a number."
    if abs(value) >= Decimal(10) ** whole_digits:
        return f"The {what} must be less than {10**whole_digits:,}."
    if value != value.quantize(Decimal(1).scaleb(-places)):
        return f"The {what} can have at most {places} decimal places."
    return ""


def money_problem(value: Decimal, what: str = "amount") -> str:
    return decimal_problem(value, places=MONEY_PLACES, whole_digits=MONEY_WHOLE_DIGITS, what=what)


def quantity_problem(value: Decimal, what: str = "quantity") -> str:
    return decimal_problem(
        value, places=QUANTITY_PLACES, whole_digits=QUANTITY_WHOLE_DIGITS, what=what
    )
