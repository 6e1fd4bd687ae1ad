"""Referrals Portal."""
