"""The URL × persona permission matrix: each app declares the answer every persona gets.

Every module in this package defines ``ROUTES``: ``{url_name: Route(...)}``. The matrix test
walks the URL resolver; a URL with no entry here fails the test, so a new URL cannot ship
without a decision about who may open it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON = "anonymous"
SIGNED_IN = [
    "new_user",
    "billing_clerk",
    "billing_clerk_b",
    "physician",
    "practice_admin",
    "direct_customer",
    "access_admin",
    "claims_examiner",
    "um_reviewer",
    "support_agent",
    "superuser",
]
EVERYONE = [ANON, *SIGNED_IN]


@dataclass(frozen=True)
class Route:
    """What each persona gets from GET on this URL.

    ``expect`` maps persona → status; ``default`` applies to personas not named. ``kwargs``
    builds the URL arguments from the test world; ``other_org`` builds arguments naming an
    object of practice B, which every practice-A persona must get 404 for.
    """

    expect: dict[str, int] = field(default_factory=dict)
    default: int = 200
    kwargs: Callable[[Any], dict[str, Any]] | None = None
    other_org: Callable[[Any], dict[str, Any]] | None = None
    skip_reason: str = ""

    def status_for(self, persona: str) -> int:
        return self.expect.get(persona, self.default)


def anonymous_redirects(default: int = 200, **expect: int) -> Route:
    return Route(expect={ANON: 302, **expect}, default=default)
