"""FHIR R4 building blocks shared by every FHIR mapping: pure Python, no Django.

* ``OperationOutcome`` helpers and ``FhirError`` (raise it from a handler; the endpoint turns it
  into an OperationOutcome with the given HTTP status);
* ``Bundle`` helpers (``searchset_bundle``, ``bundle_entry``) and search paging
  (``SearchPage``, ``parse_search_page``, ``search_links``, ``paged_searchset_bundle``);
* search parameter checks (``check_search_params``: unknown parameters, modifiers, token codes);
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
from urllib.parse import urlencode

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

# Search result parameters every search takes (handled here, not by the handlers' filters).
DEFAULT_COUNT = 20  # entries per page when ``_count`` is not given
MAX_COUNT = 100  # a larger ``_count`` is lowered to this (the links page through the rest)
MAX_OFFSET = 999_999_999  # ``_offset`` is 0..MAX_OFFSET
RESULT_PARAMS = ("_count", "_offset", "_summary")
SUMMARY_VALUES = ("count", "false")
_DIGITS_RE = re.compile(r"^[0-9]{1,12}$")


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
    links: Sequence[Json] = (),
) -> Json:
    """A ``searchset`` Bundle of ``resources`` (each with ``search.mode = match``), with
    ``links`` as its ``Bundle.link`` (``search_links``)."""
    entries = [bundle_entry(r, base_url=base_url, search_mode="match") for r in resources]
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries) if total is None else total,
        "entry": entries,
    }
    if links:
        bundle["link"] = list(links)
    if not entries:
        del bundle["entry"]
    return bundle


# ---------------------------------------------------------------------------
# Search: paging and parameter checks
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchPage:
    """Which page of a search's matches to answer (FHIR R4 http.html#paging), from
    ``_count``, ``_offset`` and ``_summary=count``. Matches are ordered by the handler
    (deterministically: a unique key last), so an offset names the same page every time."""

    offset: int = 0
    count: int = DEFAULT_COUNT
    summary_count: bool = False  # ``_summary=count``: the total only, no entries

    @property
    def size(self) -> int:
        """How many entries to fetch (0 for ``_summary=count`` or ``_count=0``)."""
        return 0 if self.summary_count else self.count

    @property
    def stop(self) -> int:
        """Slice the ordered matches with ``[page.offset:page.stop]``."""
        return self.offset + self.size


def _one_value(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise FhirError(400, f"{name} may be given once.", code="value", expression=[name])
    return values[0].strip() if values else None


def parse_search_page(
    params: Mapping[str, list[str]],
    *,
    default_count: int = DEFAULT_COUNT,
    max_count: int = MAX_COUNT,
) -> SearchPage:
    """``_count`` (0..; above ``max_count`` → ``max_count``), ``_offset`` (0..MAX_OFFSET) and
    ``_summary`` (``count`` or ``false``). Anything else → ``FhirError`` 400."""
    count = default_count
    raw = _one_value(params, "_count")
    if raw is not None:
        if not _DIGITS_RE.match(raw):
            raise FhirError(
                400,
                "_count must be a whole number, 0 or more.",
                code="value",
                expression=["_count"],
            )
        count = min(int(raw), max_count)
    offset = 0
    raw = _one_value(params, "_offset")
    if raw is not None:
        if not _DIGITS_RE.match(raw) or int(raw) > MAX_OFFSET:
            raise FhirError(
                400,
                f"_offset must be a whole number from 0 to {MAX_OFFSET}.",
                code="value",
                expression=["_offset"],
            )
        offset = int(raw)
    summary = _one_value(params, "_summary")
    if summary is not None and summary not in SUMMARY_VALUES:
        raise FhirError(
            400,
            f"_summary: only {' and '.join(SUMMARY_VALUES)} are supported here.",
            code="not-supported",
            expression=["_summary"],
        )
    return SearchPage(offset=offset, count=count, summary_count=summary == "count")


def _search_url(
    base_url: str, resource_type: str, params: Mapping[str, list[str]], extra: list[tuple[str, str]]
) -> str:
    query = [(k, v) for k, values in params.items() if k not in RESULT_PARAMS for v in values]
    return f"{base_url.rstrip('/')}/{resource_type}?{urlencode(query + extra)}"


def search_links(
    *,
    base_url: str,
    resource_type: str,
    params: Mapping[str, list[str]],
    page: SearchPage,
    total: int,
) -> list[Json]:
    """``Bundle.link`` of a search page: ``self`` (the parameters actually used, with the
    paging ones), and ``first`` / ``previous`` / ``next`` / ``last`` when there are pages."""

    def url(offset: int, *, summary: bool = False) -> str:
        extra = [("_count", str(page.count)), ("_offset", str(offset))]
        if summary:
            extra.append(("_summary", "count"))
        return _search_url(base_url, resource_type, params, extra)

    links = [{"relation": "self", "url": url(page.offset, summary=page.summary_count)}]
    if page.size == 0:
        return links  # no entries, no pages
    last = max(total - 1, 0) // page.count * page.count
    links.append({"relation": "first", "url": url(0)})
    if page.offset > 0:
        links.append(
            {"relation": "previous", "url": url(max(0, min(page.offset - page.count, last)))}
        )
    if page.offset + page.count < total:
        links.append({"relation": "next", "url": url(page.offset + page.count)})
    links.append({"relation": "last", "url": url(last)})
    return links


def paged_searchset_bundle(resources: Iterable[Json], *, req: FhirRequest, total: int) -> Json:
    """The searchset Bundle of one page (``req.page``): ``resources`` are that page's matches
    (``qs[page.offset:page.stop]``), ``total`` all matches; with paging links."""
    page = req.page or SearchPage()
    links = search_links(
        base_url=req.base_url,
        resource_type=req.resource_type,
        params=req.params,
        page=page,
        total=total,
    )
    return searchset_bundle(
        [] if page.size == 0 else resources, base_url=req.base_url, total=total, links=links
    )


def token_codes(raw: str) -> list[str]:
    """The codes of a token search value: ``a,b`` and ``system|code`` (the code is checked)."""
    return [part.split("|")[-1].strip() for part in raw.split(",")]


def check_search_params(
    declared: Sequence[SearchParam], params: Mapping[str, list[str]], *, strict: bool = False
) -> dict[str, list[str]]:
    """The parameters a search uses: the declared ones and the result parameters.

    * An undeclared parameter is ignored (left out of what the handler sees and of the
      ``self`` link), or refused with 400 ``not-supported`` when ``strict`` (the request
      said ``Prefer: handling=strict``) — FHIR R4's default handling is lenient;
    * a modifier on a declared parameter (``status:not``) → 400 ``not-supported`` (FHIR: an
      unsupported modifier is refused, not ignored);
    * a token parameter declared with ``values``: any other code → 400 ``value``.
    """
    by_name = {p.name: p for p in declared}
    used: dict[str, list[str]] = {}
    for name, values in params.items():
        base, _, modifier = name.partition(":")
        if modifier and (base in by_name or base in RESULT_PARAMS):
            raise FhirError(
                400, f"{name}: the modifier :{modifier} is not supported.",
                code="not-supported", expression=[name],
            )  # fmt: skip
        if name in RESULT_PARAMS:
            used[name] = list(values)
            continue
        param = by_name.get(name)
        if param is None:
            if strict:
                raise FhirError(
                    400,
                    f"Unknown search parameter {name!r} (Prefer: handling=strict).",
                    code="not-supported",
                    expression=[name],
                )
            continue
        if param.values:
            for raw in values:
                for code in token_codes(raw):
                    if code not in param.values:
                        raise FhirError(
                            400,
                            f"{name}: {code!r} is not one of {' | '.join(param.values)}.",
                            code="value",
                            expression=[name],
                        )
        used[name] = list(values)
    return used


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
    page: SearchPage | None = None  # search: the page asked for (checked by the endpoint)


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
    # token: the codes it takes; any other → 400 before the handler (empty: not checked).
    values: tuple[str, ...] = ()


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
            if p.values and p.type != "token":
                raise RegistryError(f"{resource_type}?{p.name}: values are for token parameters")
            if p.name in RESULT_PARAMS:
                raise RegistryError(f"{resource_type}?{p.name} is a result parameter")
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
SEARCH_POLICY = (
    "Search: matches come in pages of _count entries (default "
    f"{DEFAULT_COUNT}, at most {MAX_COUNT}; a larger _count is lowered) from _offset (0 "
    "when absent); Bundle.link gives self, first, previous, next and last. _summary=count "
    "answers the total only. Unknown search parameters are ignored and left out of the self "
    "link, unless the request says Prefer: handling=strict (then 400). A modifier on a "
    "parameter, or a code a token parameter does not take, is refused with 400."
)


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
        "documentation": SEARCH_POLICY,
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
