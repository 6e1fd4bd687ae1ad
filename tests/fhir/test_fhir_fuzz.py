"""Property-based fuzzing of the FHIR R4 endpoints under ``/fhir/r4/`` (issue "Trust": "never a
crash, always a structured error").

The interactions are discovered from the running system: the FHIR registry that
``/fhir/r4/metadata`` is built from (``fhir_views.get_registry()``): every search, read and
operation an app registers is fuzzed, each with the persona, set-up, URL arguments and valid
request body of its entry in the API permission matrix (``tests/matrix/api_*.py``), called with
a bearer token of that persona (all scopes). A new interaction is fuzzed without anyone listing
it; ``test_every_interaction_is_fuzzed`` fails if the matrix has no entry for one.

* **search** (GET with a query string, and POST ``_search`` with a form body): the declared
  search parameters, ``_count``, ``_format`` and random names, with random values: NUL, very
  long, unicode, malformed dates (``2020-13-45``), ``_count=-1`` / ``999999`` / ``1e3``;
* **read**: random ids (valid-looking, too long, with dots, unicode, the real id);
* **operations** (e.g. Da Vinci PAS ``Claim/$submit`` and ``$inquire``): random JSON (objects,
  lists, strings, numbers, NaN), invalid JSON, wrong content types, and the matrix's valid body
  mutated deep in its tree (keys deleted, values replaced by random JSON, lists emptied);
* **any path**: random resource types and segments under ``/fhir/r4/``.

The property: never a 5xx; every answer is ``application/fhir+json``; every 4xx body is an
``OperationOutcome`` with at least one issue with a severity and a code, valid R4 (validated
with ``fhir.resources``); every 2xx body has a ``resourceType``. Examples are bounded and
derandomized (a fixed seed, no example database).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import example, given, note
from hypothesis import strategies as st

from portico.api import fhir_views
from portico.fhir.common import Interaction
from tests.api.conftest import issue_token, user_client, with_mfa
from tests.api.test_api_matrix import declared_api_routes
from tests.fuzz_helpers import TEXT_CHARS, date_text, fuzz_settings, nasty_text
from tests.matrix.api import ApiRoute

BASE = "/fhir/r4"
SEARCH_EXAMPLES = 60
READ_EXAMPLES = 30
OPERATION_EXAMPLES = 120
PATH_EXAMPLES = 40
API_ROUTES = declared_api_routes()


def interaction_key(i: Interaction) -> str:
    """The interaction as the API matrix names it."""
    base = f"{BASE}/{i.resource_type}"
    if i.kind == "read":
        return f"GET {base}/{{id}}"
    if i.kind == "search-type":
        return f"GET {base}"
    return f"{i.methods[0]} {base}/{i.name}"


INTERACTIONS = {interaction_key(i): i for i in fhir_views.get_registry().interactions()}
SEARCHES = sorted(k for k, i in INTERACTIONS.items() if i.kind == "search-type")
READS = sorted(k for k, i in INTERACTIONS.items() if i.kind == "read")
OPERATIONS = sorted(k for k, i in INTERACTIONS.items() if i.kind == "operation")


def test_every_interaction_is_fuzzed():
    assert INTERACTIONS, "the FHIR registry is empty"
    missing = sorted(INTERACTIONS.keys() - API_ROUTES.keys())
    assert not missing, (
        f"FHIR interactions without an API matrix entry (persona, set-up): {missing}"
    )
    assert set(SEARCHES) | set(READS) | set(OPERATIONS) == INTERACTIONS.keys()


# ---------------------------------------------------------------------------
# The property
# ---------------------------------------------------------------------------
def assert_fhir_answer(response: Any, where: str) -> dict[str, Any]:
    status = response.status_code
    text = response.content[:400]
    assert status < 500, f"{where} → {status}: {text!r}"
    content_type = response["Content-Type"]
    assert content_type.startswith("application/fhir+json"), f"{where}: {content_type!r}"
    body = json.loads(response.content)
    assert isinstance(body, dict), f"{where}: {text!r}"
    assert isinstance(body.get("resourceType"), str) and body["resourceType"], where
    if status >= 400:
        assert body["resourceType"] == "OperationOutcome", f"{where} → {status}: {text!r}"
        assert body.get("issue"), f"{where}: an OperationOutcome without issues"
        for issue in body["issue"]:
            assert issue.get("severity") and issue.get("code"), f"{where}: {issue!r}"
        OperationOutcome.model_validate(body)  # real R4 (fhir.resources)
    return body


class Caller:
    """Requests to /fhir/r4/ with the persona's bearer token (the rate limit reset first)."""

    def __init__(self, world: Any, route: ApiRoute) -> None:
        cache.clear()
        world.extra = getattr(world, "extra", {})
        if route.setup:
            world.extra.update(route.setup(world) or {})
        user = with_mfa(world.users[route.user_a])
        self.token = issue_token(client=user_client(), user=user)
        self.client = HttpClient()

    def headers(self, **extra: str) -> dict[str, Any]:
        return {
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            "HTTP_ACCEPT": "application/fhir+json",
            **extra,
        }

    def get(self, path: str, query: list[tuple[str, str]] | None = None) -> Any:
        url = path + ("?" + urlencode(query) if query else "")
        return self.client.get(url, **self.headers())

    def post(self, path: str, body: bytes | str, content_type: str) -> Any:
        return self.client.post(path, data=body, content_type=content_type, **self.headers())


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------
SPECIAL_VALUES = [
    "2020-13-45",
    "ge2020-13-45",
    "le0000-00-00",
    "gt9999-12-31",
    "eq2020-02-30",
    "sa2020-01-01",
    "-1",
    "0",
    "999999",
    "99999999999999999999999",
    "1e3",
    "Patient/",
    "Patient/../../x",
    "|",
    "http://example.org|",
    "active,cancelled,",
    ",",
]


def search_params(interaction: Interaction) -> st.SearchStrategy[list[tuple[str, str]]]:
    names = [p.name for p in interaction.params] + ["_count", "_format", "_id", "_sort"]
    name = st.one_of(
        st.sampled_from(names),
        st.sampled_from(names).map(lambda n: f"{n}:missing"),
        st.text(TEXT_CHARS, min_size=1, max_size=12),
    )
    value = st.one_of(st.sampled_from(SPECIAL_VALUES), date_text(), nasty_text())
    prefixed = st.tuples(st.sampled_from(["", "eq", "ge", "le", "gt", "lt", "ne"]), date_text())
    return st.lists(st.tuples(name, st.one_of(value, prefixed.map("".join))), max_size=5)


@pytest.mark.django_db
@pytest.mark.parametrize("key", SEARCHES)
def test_search_never_crashes(key, world):
    interaction = INTERACTIONS[key]
    caller = Caller(world, API_ROUTES[key])
    path = f"{BASE}/{interaction.resource_type}"

    @fuzz_settings(SEARCH_EXAMPLES)
    @given(query=search_params(interaction), as_post=st.booleans())
    @example(query=[("created", "2020-13-45")], as_post=False)
    @example(query=[("birthdate", "2020-13-45"), ("_count", "-1")], as_post=False)
    @example(query=[("_count", "999999"), ("created", "ge0000-01-01")], as_post=True)
    def fuzz(query: list[tuple[str, str]], as_post: bool) -> None:
        note(f"{'POST _search' if as_post else 'GET'} {query!r}")
        if as_post:
            body = urlencode(query)
            response = caller.post(f"{path}/_search", body, "application/x-www-form-urlencoded")
        else:
            response = caller.get(path, query)
        body_json = assert_fhir_answer(response, f"{key} {query!r}")
        if response.status_code == 200:
            assert body_json["resourceType"] == "Bundle"

    fuzz()


# ---------------------------------------------------------------------------
# Read
# ---------------------------------------------------------------------------
def resource_ids(real: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(real),
        st.just(real.lower()),
        st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9\-.]{65,80}", fullmatch=True),
        st.text(TEXT_CHARS, min_size=1, max_size=30),
        st.sampled_from([".", "..", "-", "_history", "$everything", "%00", "a%2Fb", "0" * 200]),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("key", READS)
def test_read_never_crashes(key, world):
    interaction = INTERACTIONS[key]
    route = API_ROUTES[key]
    caller = Caller(world, route)
    real = str(next(iter((route.path(world) if route.path else {"id": "x"}).values())))
    path = f"{BASE}/{interaction.resource_type}"

    @fuzz_settings(READ_EXAMPLES)
    @given(resource_id=resource_ids(real))
    def fuzz(resource_id: str) -> None:
        note(f"id={resource_id!r}")
        response = caller.get(f"{path}/{quote(resource_id, safe='')}")
        body = assert_fhir_answer(response, f"{key} {resource_id!r}")
        if response.status_code == 200:
            assert body["resourceType"] == interaction.resource_type

    fuzz()


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------
def json_leaves() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        nasty_text(20),
        st.sampled_from(["Bundle", "Claim", "Patient", "Coverage", "Organization", "#", ""]),
    )


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.one_of(st.sampled_from(keys), st.text(TEXT_CHARS, max_size=10))
    return st.recursive(
        json_leaves(),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(key, children, max_size=4)
        ),
        max_leaves=10,
    )


def _paths(node: Any, trail: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*trail, k)
            yield from _paths(v, (*trail, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*trail, i)
            yield from _paths(v, (*trail, i))


def _keys(node: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            keys.add(k)
            keys |= _keys(v)
    elif isinstance(node, list):
        for v in node:
            keys |= _keys(v)
    return keys


@st.composite
def mutated(draw: st.DrawFn, document: Any, keys: list[str]) -> Any:
    """The valid body with 1-4 changes deep in its tree: a key deleted, a value replaced by
    random JSON, a list emptied or a scalar put where an object was."""
    doc = copy.deepcopy(document)
    # A uniform choice of place (Hypothesis' own choices lean to the first, the top level).
    chooser = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = chooser.choice(paths)
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "empty", "scalar"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(json_values(keys))
        elif action == "empty":
            parent[last] = [] if isinstance(parent[last], list) else {}
        else:
            parent[last] = draw(json_leaves())
    return doc


@st.composite
def operation_bodies(draw: st.DrawFn, valid: Any) -> tuple[bytes, str]:
    """(body, content type): mostly the valid body mutated (the way past the gate to the
    parsers and services), else random JSON, a wrong resource, bytes that are not JSON; mostly
    sent as ``application/fhir+json``. (The mix is drawn from a seeded ``Random``: Hypothesis'
    own choices lean heavily to the first alternative.)"""
    keys = sorted(_keys(valid)) or ["resourceType"]
    mix = draw(st.randoms(use_true_random=False)).random()
    if mix < 0.7:
        content = json.dumps(draw(mutated(valid, keys))).encode()
    elif mix < 0.8:
        content = json.dumps(draw(json_values(keys))).encode()
    elif mix < 0.9:
        wrong = st.fixed_dictionaries(
            {"resourceType": st.sampled_from(["Bundle", "Claim", "Parameters", ""])},
            optional={"entry": json_values(keys), "type": json_values(keys)},
        )
        content = json.dumps(draw(wrong)).encode()
    else:
        content = draw(
            st.one_of(
                st.binary(max_size=200),
                st.sampled_from(
                    [b"", b"{", b"null", b"[]", b'{"resourceType": "Bundle",}', b"\xff\xfe"]
                ),
                st.just(json.dumps(valid).encode()[:-1]),  # truncated
            )
        )
    if draw(st.randoms(use_true_random=False)).random() < 0.85:
        content_type = "application/fhir+json"
    else:
        content_type = draw(
            st.sampled_from(
                ["application/json", "application/fhir+json; charset=utf-8", "text/plain", ""]
            )
        )
    return content, content_type


@pytest.mark.django_db
@pytest.mark.parametrize("key", OPERATIONS)
def test_operation_never_crashes(key, world):
    interaction = INTERACTIONS[key]
    route = API_ROUTES[key]
    caller = Caller(world, route)
    valid = route.body(world) if route.body else {"resourceType": "Parameters"}
    path = f"{BASE}/{interaction.resource_type}/{interaction.name}"

    @fuzz_settings(OPERATION_EXAMPLES)
    @given(body=operation_bodies(valid))
    def fuzz(body: tuple[bytes, str]) -> None:
        content, content_type = body
        note(f"Content-Type: {content_type!r}; body: {content!r}")
        if "POST" in interaction.methods:
            response = caller.post(path, content, content_type)
        else:
            response = caller.get(path, [("_", content.decode("latin-1"))])
        answer = assert_fhir_answer(response, f"{key} {content[:200]!r}")
        if response.status_code < 300:
            assert answer["resourceType"] != "OperationOutcome" or answer.get("issue")

    fuzz()


# ---------------------------------------------------------------------------
# Any path
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_any_fhir_path_answers_an_operation_outcome(world):
    caller = Caller(world, API_ROUTES[SEARCHES[0]] if SEARCHES else ApiRoute())
    types = sorted({i.resource_type for i in INTERACTIONS.values()})
    segment = st.one_of(
        st.sampled_from([*types, "metadata", "_search", "$submit", "$inquire", "$everything"]),
        st.from_regex(r"[A-Z][A-Za-z]{0,20}", fullmatch=True),
        st.text(TEXT_CHARS, min_size=1, max_size=20),
    )

    @fuzz_settings(PATH_EXAMPLES)
    @given(
        segments=st.lists(segment, min_size=1, max_size=3),
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    )
    def fuzz(segments: list[str], method: str) -> None:
        path = f"{BASE}/" + "/".join(quote(s, safe="$") for s in segments)
        note(f"{method} {path}")
        response = caller.client.generic(
            method, path, b"{}", content_type="application/fhir+json", **caller.headers()
        )
        assert_fhir_answer(response, f"{method} {path}")

    fuzz()


# ---------------------------------------------------------------------------
# Regressions (found by this fuzzing)
# ---------------------------------------------------------------------------
def _pas_case(world: Any, key: str) -> tuple[Caller, Any, str]:
    route = API_ROUTES[key]
    caller = Caller(world, route)
    return caller, copy.deepcopy(route.body(world)), key.split(" ", 1)[1]  # type: ignore[misc]


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return document


ITEM = ("entry", 0, "resource", "item", 0)
CLAIM = ("entry", 0, "resource")


SUBMIT, INQUIRE = "POST /fhir/r4/Claim/$submit", "POST /fhir/r4/Claim/$inquire"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "changes"),
    [
        # Each of these raised AttributeError/TypeError/ValueError/OverflowError in
        # portico.fhir.pas (→ 500) before it read JSON of the wrong type as absent.
        (SUBMIT, [((*ITEM, "productOrService"), "63047")]),
        (SUBMIT, [((*ITEM, "quantity"), [1])]),
        (SUBMIT, [((*ITEM, "quantity", "value"), float("nan"))]),
        (SUBMIT, [((*ITEM, "quantity", "value"), float("inf"))]),
        (SUBMIT, [((*ITEM, "servicedPeriod"), "2026-12-01")]),
        (SUBMIT, [((*ITEM, "sequence"), "first")]),
        (SUBMIT, [((*ITEM, "sequence"), float("inf"))]),
        (SUBMIT, [((*CLAIM, "priority"), "urgent")]),
        (SUBMIT, [((*CLAIM, "priority", "coding", 0), "stat")]),
        (SUBMIT, [((*CLAIM, "diagnosis", 0), "M54.50")]),
        (SUBMIT, [((*CLAIM, "insurance"), 7)]),
        (SUBMIT, [((*CLAIM, "careTeam"), ["provider"])]),
        (SUBMIT, [(("entry", 3, "resource", "name", 0, "given"), [1, None])]),
        (INQUIRE, [((*ITEM, "productOrService"), 5)]),
        (INQUIRE, [((*CLAIM, "identifier", 0), "urn:portico:priorauth")]),
        (INQUIRE, [((*CLAIM, "identifier"), []), ((*CLAIM, "related"), [1])]),
    ],
)
def test_pas_bodies_with_wrong_json_types_answer_operation_outcomes(world, key, changes):
    caller, body, url = _pas_case(world, key)
    for path, value in changes:
        _set(body, path, value)
    response = caller.post(url, json.dumps(body), "application/fhir+json")
    assert_fhir_answer(response, f"{key} {changes!r}")


@pytest.mark.django_db
@pytest.mark.parametrize("created", ["2020-13-45", "ge2020-02-30", "le0000-01-01"])
def test_eob_search_with_an_impossible_date_is_a_400(world, created):
    """Found by the search fuzzing: ``created=2020-13-45`` has the shape of a date, so it
    passed the pattern and ``date.fromisoformat`` raised ValueError (→ 500)."""
    key = "GET /fhir/r4/ExplanationOfBenefit"
    caller = Caller(world, API_ROUTES[key])
    response = caller.get(f"{BASE}/ExplanationOfBenefit", [("created", created)])
    outcome = assert_fhir_answer(response, created)
    assert response.status_code == 400
    assert outcome["issue"][0]["expression"] == ["created"]


@pytest.mark.django_db
@pytest.mark.parametrize("junk", [1, "x", {"resource": []}, {"resource": "Claim"}])
def test_inquiry_with_a_junk_entry_before_the_claim(world, junk):
    caller, body, url = _pas_case(world, "POST /fhir/r4/Claim/$inquire")
    body["entry"] = [junk, *body["entry"]]
    response = caller.post(url, json.dumps(body), "application/fhir+json")
    assert_fhir_answer(response, f"$inquire with entry[0]={junk!r}")
