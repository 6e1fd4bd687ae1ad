"""The REST API root: one django-ninja ``NinjaAPI`` at ``/api/v1/`` with every app's router.

``build_api()`` creates the API, mounts each discovered router (``discovery``) at
``/api/v1/<label>/`` with the root's authentication (bearer token or session, the router's
scope), installs the structured error handlers and adds the root's own operations.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema

from portico.api import auth, discovery, errors
from portico.organizations import selectors as org_selectors

TITLE = "Portico API"
DESCRIPTION = (
    "Portico's REST API. Authenticate with an OAuth 2.0 bearer access token from Portico ID "
    "(authorization code + PKCE for people, client credentials for systems) or, from the "
    "portal's own pages, the browser session with its CSRF token. Every error answers "
    '`{"error": {"code", "message", "fields": [{"field", "message"}]}, "detail"}`. '
    "See /api/v1/docs."
)
# Statuses every authenticated operation may answer besides its own.
COMMON_ERRORS = (401, 403, 404, 422, 429)


class PorticoAPI(NinjaAPI):
    def get_operation_url_name(self, operation: Any, router: Router) -> str:
        # Operations are not named Django URLs: the API permission matrix (tests/api/)
        # covers them through the OpenAPI schema instead of the URL × persona matrix.
        return None  # type: ignore[return-value]

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        error_schema = errors.ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for name, definition in error_schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas.setdefault("ErrorOut", error_schema)
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                statuses = COMMON_ERRORS if operation.get("security") else (422, 429)
                for status in statuses:
                    responses.setdefault(
                        status,
                        {
                            "description": errors.MESSAGES[status],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


class WhoAmIOut(Schema):
    kind: str
    scopes: list[str]
    client_id: str | None
    client_name: str
    user: str
    organizations: list[int]


root = Router(tags=["api"])


@root.get(
    "/whoami",
    response={200: WhoAmIOut},
    summary="Who the credentials act as",
    auth=auth.auth_for(None),
)
def whoami(request: HttpRequest) -> Any:
    """The caller's kind (user, system or session), scopes, client and organisations."""
    principal: auth.Principal = request.principal  # type: ignore[attr-defined]
    return {
        "kind": principal.kind,
        "scopes": sorted(principal.scopes),
        "client_id": principal.client_id,
        "client_name": principal.client_name,
        "user": str(principal.user.public_id),
        "organizations": sorted(org_selectors.organization_ids_for_user(user=principal.user)),
    }


def build_api(
    routers: list[discovery.DiscoveredRouter] | None = None, *, namespace: str = "api"
) -> PorticoAPI:
    api = PorticoAPI(
        title=TITLE,
        version="1",
        description=DESCRIPTION,
        urls_namespace=namespace,
        docs_url=None,  # the human-readable page is portico.api.views.docs (no CDN assets)
        auth=auth.auth_for(None),
        parser=errors.JsonBodyParser(),
    )
    errors.install_handlers(api)
    api.add_router("/", root)
    for found in discovery.discover_routers() if routers is None else routers:
        api.add_router(f"/{found.label}/", found.router, auth=auth.auth_for(found.scope))
    return api


_api: PorticoAPI | None = None
_mounted: dict[str, str] = {}


def get_api() -> PorticoAPI:
    """The API served at /api/v1/ (built once per process from the discovered routers)."""
    global _api
    if _api is None:
        routers = discovery.discover_routers()
        _mounted.update({found.label: found.scope for found in routers})
        _api = build_api(routers)
    return _api


def mounted_scopes() -> dict[str, str]:
    """``{label: scope}`` of the routers mounted in ``get_api()``."""
    get_api()
    return dict(_mounted)
