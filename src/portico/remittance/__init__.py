"""Payments and remittance (835, EOB, reconciliation)."""
