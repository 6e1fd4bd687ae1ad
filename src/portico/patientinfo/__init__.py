"""Physician Info Portal."""
