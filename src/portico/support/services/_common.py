"""Errors the support services raise; ``message`` is safe to show."""

from __future__ import annotations


class SupportError(Exception):
    """A refused write; ``message`` is safe to show to the person who asked for it."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class CustomerLoginFailed(SupportError):
    pass


class CustomerLoginThrottled(CustomerLoginFailed):
    pass
