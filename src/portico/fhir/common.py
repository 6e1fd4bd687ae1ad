"""FHIR R4 building blocks shared by every FHIR mapping: pure Python, no Django.

* ``OperationOutcome`` helpers and ``FhirError`` (raise it from a handler; the endpoint turns it
  into an OperationOutcome with the given HTTP status);
* ``Bundle`` helpers (``searchset_bundle``, ``bundle_entry``);
* ``FhirRegistry``: where apps declare the interactions they serve under ``/fhir/r4/``. Each
  app's ``fhir_api.py`` defines ``register(registry)``; ``portico.api`` discovers it (like the
  REST routers) and builds the CapabilityStatement from what was registered;
* ``capability_statement``: the ``/fhir/r4/metadata`` resource.

See docs/api.md ("FHIR R4") for the handler contract.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

FHIR_VERSION = "4.0.1"
FHIR_MIME = "application/fhir+json"
FHIR_CONTENT_TYPE = f"{FHIR_MIME}; fhirVersion=4.0; charset=utf-8"

Severity = Literal["fatal", "error", "warning", "information"]
Json = dict[str, Any]

# Resource type names (R4: an upper-case letter, then letters).
RESOURCE_TYPE_RE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
# Resource ids (R4 ``id`` datatype).
RESOURCE_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# Operation names, with the leading "$".
OPERATION_RE = re.compile(r"^\$[a-z][A-Za-z0-9\-]{0,63}$")
SEARCH_PARAM_TYPES = (
    "number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special",
)  # fmt: skip


# ---------------------------------------------------------------------------
# OperationOutcome
# ---------------------------------------------------------------------------
def outcome_issue(
    code: str,
    diagnostics: str,
    *,
    severity: Severity = "error",
    expression: Sequence[str] = (),
    details: str = "",
) -> Json:
    """One ``OperationOutcome.issue``. ``code`` is from the R4 IssueType value set
    (``invalid``, ``structure``, ``required``, ``value``, ``not-found``, ``not-supported``,
    ``forbidden``, ``login``, ``processing``, ``duplicate``, ``exception``, ``throttled``, …)."""
    issue: Json = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if details:
        issue["details"] = {"text": details}
    if expression:
        issue["expression"] = list(expression)
    return issue


def operation_outcome(issues: Iterable[Json]) -> Json:
    issues = list(issues)
    if not issues:
        issues = [outcome_issue("informational", "All OK", severity="information")]
    return {"resourceType": "OperationOutcome", "issue": issues}


class FhirError(Exception):
    """Raise from a FHIR handler: the endpoint answers an OperationOutcome with ``status``.

    ``FhirError(400, "Bundle.entry is required", code="required", expression=["Bundle.entry"])``
    or, for several problems, ``FhirError(422, issues=[outcome_issue(...), ...])``.
    """

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        code: str = "invalid",
        expression: Sequence[str] = (),
        issues: Sequence[Json] = (),
    ) -> None:
        self.status = status
        self.issues: list[Json] = list(issues) or [
            outcome_issue(
                code, message or "The request could not be processed.", expression=expression
            )
        ]
        super().__init__(message or self.issues[0].get("diagnostics", ""))

    @property
    def outcome(self) -> Json:
        return operation_outcome(self.issues)


class FhirNotFound(FhirError):
    def __init__(self, message: str = "Resource not found.") -> None:
        super().__init__(404, message, code="not-found")


# ---------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------
def bundle_entry(resource: Json, *, base_url: str = "", search_mode: str = "") -> Json:
    entry: Json = {"resource": resource}
    if base_url and resource.get("id"):
        entry["fullUrl"] = f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
    if search_mode:
        entry["search"] = {"mode": search_mode}
    return entry


def searchset_bundle(
    resources: Iterable[Json],
    *,
    base_url: str = "",
    total: int | None = None,
    self_url: str = "",
    next_url: str = "",
) -> Json:
    """A ``searchset`` Bundle of ``resources`` (each with ``search.mode = match``)."""
    entries = [bundle_entry(r, base_url=base_url, search_mode="match") for r in resources]
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries) if total is None else total,
        "entry": entries,
    }
    links = [{"relation": "self", "url": self_url}] if self_url else []
    if next_url:
        links.append({"relation": "next", "url": next_url})
    if links:
        bundle["link"] = links
    if not entries:
        del bundle["entry"]
    return bundle


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------
class Principal(Protocol):
    """Who calls (``portico.api.auth.Principal``): ``kind`` is "user", "system" or
    "session"; ``user`` is the acting Portico user (for a system client, its service
    account); ``scopes`` the token's scopes; ``client_id`` the OAuth client, if any."""

    kind: str
    user: Any
    scopes: frozenset[str]
    client_id: str | None


@dataclass(frozen=True)
class FhirRequest:
    """What a handler receives besides the principal."""

    resource_type: str
    interaction: str  # "read", "search-type" or "operation"
    base_url: str  # e.g. "https://portal.example.org/fhir/r4"
    id: str | None = None  # read
    operation: str | None = None  # e.g. "$submit"
    params: Mapping[str, list[str]] = field(default_factory=dict)  # query parameters
    body: Json | None = None  # parsed JSON body (operations called with POST)
    method: str = "GET"


@dataclass(frozen=True)
class FhirResponse:
    """Return this instead of a dict to choose the status or add headers."""

    resource: Json
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Any, FhirRequest], "Json | FhirResponse"]


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str = "token"
    documentation: str = ""
    definition: str = ""


@dataclass
class Interaction:
    resource_type: str
    kind: str  # "read" | "search-type" | "operation"
    handler: Handler
    scope: str
    name: str = ""  # operation name with "$"
    params: tuple[SearchParam, ...] = ()
    definition: str = ""  # operation: OperationDefinition canonical
    methods: tuple[str, ...] = ("GET",)
    accepts: tuple[str, ...] = ()  # operation: allowed body resourceTypes
    documentation: str = ""


@dataclass
class ResourceEntry:
    type: str
    profiles: list[str] = field(default_factory=list)
    documentation: str = ""
    read: Interaction | None = None
    search: Interaction | None = None
    operations: dict[str, Interaction] = field(default_factory=dict)


class RegistryError(ValueError):
    pass


class FhirRegistry:
    """Interactions served under ``/fhir/r4/``, registered by each app's ``fhir_api.py``::

    def register(registry: FhirRegistry) -> None:
        registry.search("ExplanationOfBenefit", eob_search, scope="claims",
                        params=[SearchParam("patient", "reference"), ...],
                        profiles=[CARIN_BB_EOB_PROFESSIONAL])
        registry.read("ExplanationOfBenefit", eob_read, scope="claims")
        registry.operation("Claim", "$submit", pas_submit, scope="priorauth",
                           accepts=["Bundle"], definition=PAS_SUBMIT_CANONICAL)
    """

    def __init__(self) -> None:
        self.resources: dict[str, ResourceEntry] = {}

    # -- registration ------------------------------------------------------------------
    def _entry(
        self, resource_type: str, profiles: Iterable[str], documentation: str
    ) -> ResourceEntry:
        if not RESOURCE_TYPE_RE.match(resource_type):
            raise RegistryError(f"Not a FHIR resource type: {resource_type!r}")
        entry = self.resources.setdefault(resource_type, ResourceEntry(type=resource_type))
        for profile in profiles:
            if profile not in entry.profiles:
                entry.profiles.append(profile)
        if documentation:
            entry.documentation = documentation
        return entry

    def read(
        self,
        resource_type: str,
        handler: Handler,
        *,
        scope: str,
        profiles: Iterable[str] = (),
        documentation: str = "",
    ) -> None:
        entry = self._entry(resource_type, profiles, documentation)
        if entry.read is not None:
            raise RegistryError(f"{resource_type} read is registered twice")
        entry.read = Interaction(resource_type, "read", handler, scope)

    def search(
        self,
        resource_type: str,
        handler: Handler,
        *,
        scope: str,
        params: Iterable[SearchParam | str] = (),
        profiles: Iterable[str] = (),
        documentation: str = "",
    ) -> None:
        entry = self._entry(resource_type, profiles, documentation)
        if entry.search is not None:
            raise RegistryError(f"{resource_type} search is registered twice")
        parsed = tuple(p if isinstance(p, SearchParam) else SearchParam(p) for p in params)
        for p in parsed:
            if p.type not in SEARCH_PARAM_TYPES:
                raise RegistryError(f"{resource_type}?{p.name}: unknown type {p.type!r}")
        entry.search = Interaction(
            resource_type, "search-type", handler, scope, params=parsed, methods=("GET", "POST")
        )

    def operation(
        self,
        resource_type: str,
        name: str,
        handler: Handler,
        *,
        scope: str,
        definition: str = "",
        methods: Iterable[str] = ("POST",),
        accepts: Iterable[str] = (),
        profiles: Iterable[str] = (),
        documentation: str = "",
    ) -> None:
        """A type-level operation (``POST /fhir/r4/Claim/$submit``). ``accepts`` limits the
        body's ``resourceType`` (anything else → 400 OperationOutcome before the handler)."""
        if not OPERATION_RE.match(name):
            raise RegistryError(f"Operation names start with $: {name!r}")
        entry = self._entry(resource_type, profiles, documentation)
        if name in entry.operations:
            raise RegistryError(f"{resource_type}/{name} is registered twice")
        entry.operations[name] = Interaction(
            resource_type,
            "operation",
            handler,
            scope,
            name=name,
            definition=definition
            or f"http://hl7.org/fhir/OperationDefinition/{resource_type}-{name[1:]}",
            methods=tuple(m.upper() for m in methods),
            accepts=tuple(accepts),
            documentation=documentation,
        )

    # -- lookup ------------------------------------------------------------------------
    def interactions(self) -> list[Interaction]:
        found: list[Interaction] = []
        for entry in sorted(self.resources.values(), key=lambda e: e.type):
            found += [i for i in (entry.read, entry.search) if i is not None]
            found += [entry.operations[k] for k in sorted(entry.operations)]
        return found


# ---------------------------------------------------------------------------
# CapabilityStatement
# ---------------------------------------------------------------------------
def capability_statement(
    registry: FhirRegistry,
    *,
    base_url: str,
    software_name: str = "Portico",
    software_version: str = "",
    publisher: str = "",
    date: str | None = None,
    security_description: str = "",
) -> Json:
    resources: list[Json] = []
    for entry in sorted(registry.resources.values(), key=lambda e: e.type):
        resource: Json = {"type": entry.type}
        if entry.profiles:
            resource["supportedProfile"] = list(entry.profiles)
        if entry.documentation:
            resource["documentation"] = entry.documentation
        interactions = [{"code": i.kind} for i in (entry.read, entry.search) if i is not None]
        if interactions:
            resource["interaction"] = interactions
        if entry.search and entry.search.params:
            resource["searchParam"] = [
                {
                    "name": p.name,
                    "type": p.type,
                    **({"definition": p.definition} if p.definition else {}),
                    **({"documentation": p.documentation} if p.documentation else {}),
                }
                for p in entry.search.params
            ]
        if entry.operations:
            resource["operation"] = [
                {
                    "name": op.name[1:],
                    "definition": op.definition,
                    **({"documentation": op.documentation} if op.documentation else {}),
                }
                for op in (entry.operations[k] for k in sorted(entry.operations))
            ]
        resources.append(resource)
    rest: Json = {
        "mode": "server",
        "security": {
            "cors": False,
            "service": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                            "code": "OAuth",
                        }
                    ]
                }
            ],
            "description": security_description
            or "OAuth 2.0 bearer access tokens issued by the portal's OpenID Connect provider.",
        },
    }
    if resources:
        rest["resource"] = resources
    software: Json = {"name": software_name}
    if software_version:
        software["version"] = software_version
    statement: Json = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": "instance",
        "software": software,
        "implementation": {"description": f"{software_name} FHIR R4 server", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", FHIR_MIME],
        "rest": [rest],
    }
    if publisher:
        statement["publisher"] = publisher
    return statement
