"""The API permission matrix's declarations: REST operations and FHIR interactions × token kind.

Each ``tests/matrix/api_<label>.py`` defines ``API_ROUTES = {"METHOD /path": ApiRoute(...)}``
(keys exactly as in ``/api/v1/openapi.json``, FHIR as ``/fhir/r4/<Type>``,
``/fhir/r4/<Type>/{id}`` and ``/fhir/r4/<Type>/$op``) and ``ROUTES = {}`` (the URL matrix walks
every module here). ``tests/api/test_api_matrix.py`` fails for an operation without one.
See docs/api.md, "API permission matrix".

This module also declares (in ``ROUTES``) the API app's named URLs for the URL × persona matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.matrix import Route

# Token kinds: no credentials; a user of practice A; a user of practice B; a client-credentials
# client bound to practice A; a staff user.
KINDS = ("none", "user_a", "user_b", "system", "staff")


@dataclass(frozen=True)
class ApiRoute:
    expect: dict[str, int] = field(default_factory=dict)
    default: int = 200
    path: Callable[[Any], dict[str, Any]] | None = None
    query: Callable[[Any], dict[str, Any]] | None = None
    body: Callable[[Any], Any] | None = None
    files: Callable[[Any], dict[str, Any]] | None = None  # multipart upload instead of JSON
    raw: Callable[[Any], tuple[bytes, str]] | None = None  # (body, content type), e.g. X12
    setup: Callable[[Any], dict[str, Any] | None] | None = None
    user_a: str = "billing_clerk"
    user_b: str = "billing_clerk_b"
    staff: str = "support_agent"
    skip_reason: str = ""

    def status_for(self, kind: str) -> int:
        return self.expect.get(kind, self.default)


def authenticated(default: int = 200, **expect: int) -> ApiRoute:
    """No token → 401; everyone else ``default`` unless named."""
    return ApiRoute(expect={"none": 401, **expect}, default=default)


# The URL × persona matrix: the API app's named URLs (public: no PHI).
ROUTES = {
    "api:api-root": Route(),
    "api:openapi-json": Route(),
    "api:docs": Route(),
    "fhir:metadata": Route(),
}

API_ROUTES = {
    "GET /api/v1/whoami": authenticated(),
}
