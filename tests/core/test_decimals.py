"""Amounts and quantities are checked against their columns before anything is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portico.core.decimals import money_problem, quantity_problem


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", ""),
        ("176.00", ""),
        ("176.0", ""),
        ("9999999999.99", ""),
        ("-12.50", ""),  # the sign is the caller's rule (refunds, adjustments)
        ("10000000000", "The amount must be less than 10,000,000,000."),
        ("1E+400", "The amount must be less than 10,000,000,000."),
        ("176.001", "The amount can have at most 2 decimal places."),
        ("Infinity", "Enter the amount as a number."),
        ("NaN", "Enter the amount as a number."),
    ],
)
def test_money(value: str, message: str) -> None:
    assert money_problem(Decimal(value)) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1", ""),
        ("0.125", ""),
        ("999999.999", ""),
        ("1000000", "The number of units must be less than 1,000,000."),
        ("1E+300", "The number of units must be less than 1,000,000."),
        ("1.0005", "The number of units can have at most 3 decimal places."),
    ],
)
def test_quantity(value: str, message: str) -> None:
    assert quantity_problem(Decimal(value), "number of units") == message
