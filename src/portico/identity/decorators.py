"""View decorators of Portico ID."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V", bound=Callable[..., object])

MFA_EXEMPT_ATTR = "portico_mfa_exempt"


def mfa_exempt(view: V) -> V:
    """Let a signed-in user whose session has no second factor yet open this view.

    Only for pages without PHI that such a user needs, such as a support contact page (a
    user who lost their phone must be able to find the number to call). Declared on the view,
    next to its code, instead of as a path prefix in settings. The MFA gate
    (``MFARequiredMiddleware``) reads the mark.
    """
    setattr(view, MFA_EXEMPT_ATTR, True)
    return view
