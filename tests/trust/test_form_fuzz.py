"""Property-based fuzzing of every HTML form and every page that takes one (issue "Trust":
"never a crash, always a structured error").

**Every form.** The forms are discovered from the running system: every module of every
``portico.*`` app is imported, then every ``django.forms.BaseForm`` subclass defined in a
``portico`` module is a case (``Form`` and ``ModelForm``, mixins and bases included), and so is
every formset class a ``portico`` module defines (``formset_factory`` over a portico form). A
new form is fuzzed without anyone listing it. A form whose ``__init__`` is its own (it may need
``user=``, ``tins=``, ``category=``…) must have an entry in ``FORM_KWARGS`` (a list of
constructor keyword variants built from the test world); ``test_every_form_is_fuzzed_or_excluded``
fails for one that has none, and for an ``EXCLUDED_FORMS`` entry without a reason or for a
form that no longer exists.

For each form, Hypothesis draws data for the form's fields (as built by its constructor, so
dynamic fields and choices are included): arbitrary text (NUL bytes, very long strings,
unicode, digits only, whitespace), the field's real choices, wrong dates and numbers, lists for
multi-value fields, missing keys, unknown extra keys, and uploaded files with random bytes and
random (path-traversal) names. The property: ``is_valid()`` returns a bool and raises nothing;
a valid form has ``cleaned_data``; an invalid one has ``errors``: a dict of non-empty lists of
non-empty strings (rendered as JSON and text); and the bound form renders.

**Every page that takes a form.** The URL resolver is walked (``tests/test_permission_matrix``);
for each named URL, the view is inspected: which methods it accepts (Django's
``require_http_methods`` family, or a class-based view's handlers), which form and formset
classes its code (and its module's helpers) construct, with which ``prefix``, and which raw
``request.POST`` / ``request.GET`` keys it reads. Every URL whose view accepts POST is posted
Hypothesis-generated values for those fields (as the persona the URL matrix of ``tests/matrix/``
says may open it, with its URL arguments from the matrix); every page whose view reads a form
or a query parameter from GET is fuzzed through its query string too (downloads are read to
the end). The property: never a 5xx, never an unhandled exception (the test client re-raises
it); a re-rendered form (200), a redirect, 400/401/403/404/405/406/409/410/413/415/422/429 are
all fine. Which persona posts to a URL the matrix gives none for (POST-only actions: GET → 405
for everyone) is declared in ``POST_PERSONA``; a URL that accepts POST and has neither a matrix
persona nor an entry there (or in ``EXCLUDED_PAGES``, with a reason) fails
``test_every_post_page_is_fuzzed_or_excluded``. Every raw parameter is also sent once with a
NUL (``test_nul_in_a_raw_parameter_is_not_a_crash``): PostgreSQL refuses NUL in text.

Examples are bounded (``FORM_EXAMPLES`` per form, ``PAGE_EXAMPLES`` per page and method) and
derandomized (a fixed seed, no example database), so every run tries the same inputs. The
crashes this fuzzing found have explicit regression tests at the end of the module.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import pytest
from allauth.core import context as allauth_context
from django import forms
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, QueryDict
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import given, note
from hypothesis import strategies as st

from tests.conftest import World, mfa_login
from tests.fuzz_helpers import form_payload, formset_payload, fuzz_settings, nasty_text
from tests.matrix import Route
from tests.test_permission_matrix import ROUTES, walk_urls

FORM_EXAMPLES = 30
PAGE_EXAMPLES = 5


# ---------------------------------------------------------------------------
# Discovery: every portico module, form and formset
# ---------------------------------------------------------------------------
def portico_modules() -> list[str]:
    """Import every module of every ``portico.*`` app (not migrations) and name them."""
    names = []
    for config in apps.get_app_configs():
        if not config.name.startswith("portico"):
            continue
        package = importlib.import_module(config.name)
        names.append(config.name)
        for info in pkgutil.walk_packages(package.__path__, f"{config.name}."):
            if ".migrations" in info.name:
                continue
            importlib.import_module(info.name)
            names.append(info.name)
    return names


MODULES = portico_modules()


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def discovered_forms() -> dict[str, type[forms.BaseForm]]:
    return {
        f"{cls.__module__}.{cls.__qualname__}": cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.startswith("portico.")
    }


def _formset_key(cls: type[BaseFormSet]) -> str:
    return f"{cls.form.__module__}.{cls.__name__}"


def discovered_formsets() -> dict[str, type[BaseFormSet]]:
    """Formset classes that portico modules define or hold (``formset_factory`` results)."""
    found: dict[str, type[BaseFormSet]] = {}
    for name in MODULES:
        for value in vars(sys.modules[name]).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseFormSet)
                and getattr(value, "form", None) is not None
                and value.form.__module__.startswith("portico.")
            ):
                found.setdefault(_formset_key(value), value)
    return found


FORMS = discovered_forms()
FORMSETS = discovered_formsets()

# Forms that cannot be fuzzed on their own, with the reason. (None today: mixins and bases
# are ordinary forms and are fuzzed like the rest.)
EXCLUDED_FORMS: dict[str, str] = {}


# ---------------------------------------------------------------------------
# Constructor keywords of the forms with their own __init__
# ---------------------------------------------------------------------------
def _request(user: Any = None, path: str = "/") -> HttpRequest:
    """A request as a view sees it: a session, the user, a POST."""
    request = RequestFactory().post(path)
    SessionMiddleware(lambda r: None).process_request(request)  # type: ignore[arg-type,return-value]
    request.user = user or AnonymousUser()
    return request


def _pa(world: World) -> Any:
    from tests.factories.priorauth import make_pa_world

    return make_pa_world(world)


def _no_kwargs(world: World) -> list[dict[str, Any]]:
    return [{}]


def _with_pa_world(world: World) -> list[dict[str, Any]]:
    """No keywords; the prior-authorization plan and categories exist (model choices)."""
    _pa(world)
    return [{}]


def _clerk(world: World) -> Any:
    return world.users["billing_clerk"]


def _access_form(world: World) -> list[dict[str, Any]]:
    return [
        {"user": _clerk(world), "idp_name": "Portico ID"},
        {"user": world.users["new_user"], "idp_name": "Portico ID"},
    ]


def _request_form(world: World) -> list[dict[str, Any]]:
    pa = _pa(world)
    return [
        {"providers": [pa.provider_a], "category": pa.category},
        {"providers": [], "category": None},
    ]


def _fax_form(world: World) -> list[dict[str, Any]]:
    return [{"category": _pa(world).category}, {"category": None}]


def _referral_form(world: World) -> list[dict[str, Any]]:
    _pa(world)  # practice A gets a connected provider (a referring PCP choice)
    return [
        {"organizations": [world.practice_a]},
        {"organizations": [world.practice_a, world.practice_b]},
        {"organizations": []},
    ]


def _case_form(world: World) -> list[dict[str, Any]]:
    from portico.support import conf

    types = [code for code, _ in conf.case_type_choices()]
    return [{"case_type": "claim"}, *({"case_type": t} for t in types if t != "claim")]


def _blank_named_user(world: World) -> Any:
    user = world.users["new_user"]
    user.first_name = user.last_name = ""
    return user


# Keyed by "module.QualName". A form whose __init__ is its own needs an entry (see the test).
FORM_KWARGS: dict[str, Callable[[World], list[dict[str, Any]]]] = {
    "portico.identity.forms.SignupForm": _no_kwargs,
    "portico.identity.phones.PhoneFieldsMixin": _no_kwargs,
    "portico.identity.forms.PhoneForm": lambda w: [{"user": _clerk(w)}, {}],
    "portico.identity.forms.LoginForm": lambda w: [{"request": _request()}],
    # "Correct your email address" before verification: the address being corrected.
    "portico.identity.forms.ChangeEmailForm": lambda w: [{"email": _clerk(w).email}, {}],
    "portico.identity.forms.EmailCodeForm": lambda w: [
        {"code": "123456", "user": _clerk(w), "email": "new-address@example.org"},
        {"code": "654321", "user": _clerk(w), "email": _clerk(w).email},
    ],
    "portico.identity.forms.AddPasskeyForm": lambda w: [{"user": _clerk(w)}],
    "portico.identity.forms.ActivateTOTPForm": lambda w: [{"user": _clerk(w)}],
    "portico.identity.forms.PreferencesForm": lambda w: [{"instance": _clerk(w)}, {}],
    "portico.support.forms.CustomerLoginForm": _no_kwargs,
    "portico.support.forms.CaseTypeForm": _no_kwargs,
    "portico.support.forms.CaseForm": _case_form,
    "portico.support.forms.QueueFilterForm": _no_kwargs,
    "portico.support.forms.AssignForm": _no_kwargs,
    "portico.support.forms.ReplyForm": _no_kwargs,
    "portico.referrals.forms.ReferralForm": _referral_form,
    "portico.priorauth.forms.StartForm": _with_pa_world,
    "portico.priorauth.forms.RequiredCheckForm": _with_pa_world,
    "portico.priorauth.forms.SearchForm": _no_kwargs,
    "portico.priorauth.forms.LineForm": lambda w: [{"first": True}, {}],
    "portico.priorauth.forms.RequestForm": _request_form,
    "portico.priorauth.forms.FaxIntakeForm": _fax_form,
    "portico.priorauth.forms.VersionForm": _no_kwargs,
    "portico.priorauth.forms.SendBackForm": _no_kwargs,
    "portico.priorauth.forms.PendForm": _no_kwargs,
    "portico.priorauth.forms.WithdrawForm": _no_kwargs,
    "portico.priorauth.forms.AssignForm": _no_kwargs,
    "portico.priorauth.forms.DecideForm": _no_kwargs,
    "portico.claims.forms.ClaimForm": lambda w: [
        {"tins": ["111111111"], "payers": [(_pa(w).plan.payer_id, "Harborview")]},
        {"tins": ["111111111", "123456789"], "payers": [("HFX01", "A"), ("OTHER", "B")]},
        {"tins": [], "payers": []},
    ],
    "portico.claims.forms.LineForm": lambda w: [
        {"first": True},
        {"first": True, "kind": "institutional"},
        {},
    ],
    "portico.claims.forms.ClaimSearchForm": lambda w: [{"tins": ["111111111"]}, {"tins": []}],
    "portico.claims.forms.AppealForm": lambda w: [
        {"lines": [(1, "Line 1"), (2, "Line 2")], "max_files": 3},
        {"lines": [], "max_files": 0},
    ],
    "portico.remittance.forms.PaymentSearchForm": lambda w: [{"tins": ["111111111"]}, {}],
    "portico.connect.forms.access._AccessFormBase": _access_form,
    "portico.connect.forms.access.ClaimsAccessForm": _access_form,
    "portico.connect.forms.access.PhysicianInfoAccessForm": _access_form,
    "portico.connect.forms.access.SupportAccessForm": _access_form,
    "portico.connect.forms.access.SignedFormUploadForm": _no_kwargs,
    "portico.connect.forms.access.BrowserSignatureForm": lambda w: [
        {"user": _clerk(w)},
        {"user": _blank_named_user(w)},
    ],
    "portico.connect.forms.access.SignerSignatureForm": lambda w: [
        {"expected_name": "Dana Whitfield"},
        {"expected_name": ""},
    ],
    "portico.connect.forms.staff.FaxAttachForm": _no_kwargs,
}

_PLAIN_INITS = {forms.BaseForm.__init__, forms.BaseModelForm.__init__}


def _needs_kwargs(cls: type[forms.BaseForm]) -> bool:
    return cls.__init__ not in _PLAIN_INITS  # type: ignore[comparison-overlap]


FUZZED_FORMS = sorted(key for key in FORMS if key not in EXCLUDED_FORMS)


def test_every_form_is_fuzzed_or_excluded():
    assert len(FORMS) >= 50, f"form discovery found only {len(FORMS)} forms"
    missing = [key for key in FUZZED_FORMS if _needs_kwargs(FORMS[key]) and key not in FORM_KWARGS]
    assert not missing, (
        f"forms with their own __init__ and no constructor keywords in FORM_KWARGS: {missing}"
    )
    stale = sorted((FORM_KWARGS.keys() | EXCLUDED_FORMS.keys()) - FORMS.keys())
    assert not stale, f"FORM_KWARGS/EXCLUDED_FORMS entries for forms that no longer exist: {stale}"
    assert all(EXCLUDED_FORMS.values()), "every excluded form needs a reason"
    assert FORMSETS, "formset discovery found nothing"


# ---------------------------------------------------------------------------
# The form property
# ---------------------------------------------------------------------------
def as_querydict(values: dict[str, list[Any]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, items in values.items():
        query.setlist(key, list(items))
    query._mutable = False
    return query


def assert_structured_errors(errors: Any, where: str) -> None:
    """``form.errors``: a dict of non-empty lists of non-empty strings."""
    assert isinstance(errors, dict), where
    assert errors, f"{where}: invalid without any error"
    data = errors.get_json_data() if hasattr(errors, "get_json_data") else errors
    for name, items in data.items():
        assert isinstance(name, str), where
        assert isinstance(items, list) and items, f"{where}: {name} has no messages"
        for item in items:
            message = item["message"] if isinstance(item, dict) else item
            assert isinstance(message, str) and message.strip(), f"{where}: {name}: {item!r}"


def check_form(form: forms.BaseForm, where: str) -> None:
    valid = form.is_valid()
    assert valid is True or valid is False, where
    if valid:
        assert isinstance(form.cleaned_data, dict), where
    else:
        assert_structured_errors(form.errors, where)
        assert isinstance(form.errors.as_text(), str)
    str(form)  # the bound form (with its errors) renders


def check_formset(formset: BaseFormSet, where: str) -> None:
    valid = formset.is_valid()
    assert valid is True or valid is False, where
    assert isinstance(formset.errors, list), where
    for errors in formset.errors:
        assert isinstance(errors, dict), where
        if errors:
            assert_structured_errors(errors, where)
    for message in formset.non_form_errors():
        assert isinstance(message, str) and message.strip(), where
    if not valid:
        assert any(formset.errors) or formset.non_form_errors(), f"{where}: invalid, no errors"
    if formset.total_form_count() <= 20:  # a thousand rows (a posted TOTAL_FORMS) renders slowly
        str(formset)


@pytest.mark.django_db
@pytest.mark.parametrize("key", FUZZED_FORMS)
def test_form_never_crashes(key, world):
    cls = FORMS[key]
    variants = FORM_KWARGS.get(key, _no_kwargs)(world)
    with allauth_context.request_context(_request(_clerk(world))):
        templates = [cls(**kwargs) for kwargs in variants]
        cases = st.one_of(
            [
                st.tuples(st.just(i), form_payload(dict(template.fields)))
                for i, template in enumerate(templates)
            ]
        )

        @fuzz_settings(FORM_EXAMPLES)
        @given(case=cases)
        def fuzz(case: tuple[int, tuple[dict[str, list[Any]], dict[str, list[Any]]]]) -> None:
            index, (data, files) = case
            note(f"{key} kwargs={variants[index]!r} data={data!r} files={files!r}")
            form = cls(as_querydict(data), MultiValueDict(files), **variants[index])
            check_form(form, f"{key}{variants[index]!r}")

        fuzz()


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(FORMSETS))
def test_formset_never_crashes(key, world):
    cls = FORMSETS[key]
    prefix = cls.get_default_prefix()
    fields = dict(cls.form().fields)

    @fuzz_settings(FORM_EXAMPLES)
    @given(payload=formset_payload(fields, prefix=prefix))
    def fuzz(payload: tuple[dict[str, list[Any]], dict[str, list[Any]]]) -> None:
        data, files = payload
        note(f"{key} data={data!r} files={files!r}")
        check_formset(cls(as_querydict(data), MultiValueDict(files)), key)

    fuzz()


# ---------------------------------------------------------------------------
# Pages: which views take which forms and methods
# ---------------------------------------------------------------------------
@dataclass
class ViewInputs:
    """What a view reads: forms/formsets (class, prefix) and raw POST/GET/FILES keys
    (``request.POST.get("k")``, ``request.POST["k"]``, ``"k" in request.POST``)."""

    forms: list[tuple[type, str | None]] = field(default_factory=list)
    post_keys: set[str] = field(default_factory=set)
    get_keys: set[str] = field(default_factory=set)
    reads_get: bool = False
    reads_post: bool = False


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return namespace.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def _request_dict(node: ast.expr) -> str | None:
    """``request.POST`` → "POST" (and GET, FILES)."""
    if isinstance(node, ast.Attribute) and node.attr in ("POST", "GET", "FILES"):
        return node.attr
    return None


def _is_form_class(value: Any) -> TypeGuard[type]:
    return isinstance(value, type) and issubclass(value, forms.BaseForm | BaseFormSet)


def _collect(func: Any, inputs: ViewInputs, seen: set[Any]) -> None:
    func = inspect.unwrap(func)
    if func in seen or not inspect.isfunction(func):
        return
    seen.add(func)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return
    namespace = func.__globals__
    for node in ast.walk(tree):
        which = _request_dict(node) if isinstance(node, ast.Attribute) else None
        if which == "GET":
            inputs.reads_get = True
        elif which in ("POST", "FILES"):
            inputs.reads_post = True
        key_node: ast.expr | None = None
        if isinstance(node, ast.Subscript) and _request_dict(node.value):
            key_node, which = node.slice, _request_dict(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "getlist")
            and _request_dict(node.func.value)
            and node.args
        ):
            key_node, which = node.args[0], _request_dict(node.func.value)
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _request_dict(node.comparators[0])
        ):
            key_node, which = node.left, _request_dict(node.comparators[0])  # "x" in request.POST
        if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
            (inputs.get_keys if which == "GET" else inputs.post_keys).add(key_node.value)
        if not isinstance(node, ast.Call):
            continue
        target = _resolve(node.func, namespace)
        if _is_form_class(target):
            prefix = next(
                (
                    kw.value.value
                    for kw in node.keywords
                    if kw.arg == "prefix"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ),
                None,
            )
            if (target, prefix) not in inputs.forms:
                inputs.forms.append((target, prefix))
        elif inspect.isfunction(target) and target.__module__ == func.__module__:
            _collect(target, inputs, seen)  # the view module's helpers (_forms, _save, …)


def view_inputs(view: Any) -> ViewInputs:
    inputs = ViewInputs()
    cls = _view_class(view)
    if cls is not None:
        inputs.reads_post = True
        form_class = None
        try:
            form_class = cls().get_form_class()
        except Exception:  # noqa: BLE001 - a library view may need its request for this
            form_class = getattr(cls, "form_class", None)
        if _is_form_class(form_class):
            inputs.forms.append((form_class, None))
        return inputs
    _collect(view, inputs, set())
    return inputs


def _view_class(view: Any) -> Any:
    layer = view
    while layer is not None:
        if getattr(layer, "view_class", None) is not None:
            return layer.view_class
        layer = getattr(layer, "__wrapped__", None)
    return None


def accepted_methods(view: Any) -> set[str] | None:
    """The methods a view accepts, when a decorator or a class-based view says (else None)."""
    cls = _view_class(view)
    if cls is not None:
        return {m.upper() for m in cls.http_method_names if hasattr(cls, m)}
    layer = view
    while layer is not None:
        if inspect.isfunction(layer):
            try:
                methods = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
            except (TypeError, ValueError):
                methods = None
            if methods:
                return {str(m).upper() for m in methods}
        layer = getattr(layer, "__wrapped__", None)
    return None


VIEWS = {name: view for _, name, view in walk_urls(get_resolver().url_patterns)}

# Who posts to the URLs the matrix gives no persona for: POST-only actions (GET → 405 for
# everyone), posted as the persona that may use the page the action's form is on; and
# state-dependent pages (below).
POST_PERSONA = {
    "claims:claim_check": "billing_clerk",
    "claims:claim_delete": "billing_clerk",
    "claims:appeal_withdraw": "billing_clerk",
    "claims:appeal_add_files": "billing_clerk",
    "claims_staff:claim_adjudicate": "claims_examiner",
    "claims_staff:claim_accept": "claims_examiner",
    "claims_staff:claim_pend": "claims_examiner",
    "claims_staff:claim_deny": "claims_examiner",
    "claims_staff:appeal_start": "claims_examiner",
    "claims_staff:appeal_decide": "claims_examiner",
    "connect:request-upload": "billing_clerk",
    "connect:request-sign": "billing_clerk",
    "connect:request-reply": "billing_clerk",
    "connect:request-esign": "billing_clerk",
    "connect:request-esign-resend": "billing_clerk",
    "connect:practice-user-deactivate": "practice_admin",
    "connect:practice-invitation-withdraw": "practice_admin",
    "connect:practice-provider-remove": "practice_admin",
    "core:outbox-answer": "billing_clerk",
    "core:outbox-clear": "billing_clerk",
    "documents:staff_mark_printed": "claims_examiner",
    "documents:staff_mark_mailed": "claims_examiner",
    "identity:voice_webhook": "anonymous",
    "identity:mfa_phone_enable": "billing_clerk",
    "identity:mfa_phone_disable": "billing_clerk",
    "identity:profile_username": "billing_clerk",
    "identity:profile_preferences": "billing_clerk",
    "identity:password_change": "billing_clerk",
    "identity:password_set": "billing_clerk",
    "identity:session_extend": "billing_clerk",
    "idp:oidc:token": "anonymous",
    "idp:oidc:revoke": "anonymous",
    "idp:oidc:device_code": "anonymous",
    "priorauth:draft_delete": "physician",
    "priorauth:request_respond": "physician",
    "priorauth:request_attach": "physician",
    "priorauth:staff_assign": "um_reviewer",
    "priorauth:staff_start": "um_reviewer",
    "priorauth:staff_send_back": "um_reviewer",
    "priorauth:staff_pend": "um_reviewer",
    "priorauth:staff_withdraw": "um_reviewer",
    "priorauth:staff_decide": "um_reviewer",
    "remittance:staff_run_create": "claims_examiner",
    "remittance:staff_plb_create": "claims_examiner",
    "remittance:staff_plb_cancel": "claims_examiner",
    "support:customer_logout": "direct_customer",
    "support:case_reopen": "direct_customer",
    "support:staff_case_assign": "support_agent",
    "support:staff_case_reply": "support_agent",
    "support:staff_case_attach": "support_agent",
    "support:staff_case_status": "support_agent",
    "support:staff_case_merge": "support_agent",
    # Pages every persona is sent away from (302/400/401/404) unless some state exists (a
    # sign-in awaiting its second step, a factor to edit, a customer log-in): the post still
    # runs through the view's guards.
    "account_confirm_login_code": "anonymous",
    "account_email_verification_sent": "anonymous",
    "identity:email_code": "anonymous",
    "account_set_password": "billing_clerk",
    "identity:mfa_phone": "billing_clerk",
    "identity:verify_email_link": "anonymous",
    "idp:oidc:userinfo": "anonymous",
    "mfa_authenticate": "anonymous",
    "mfa_login_webauthn": "anonymous",
    "mfa_reauthenticate": "billing_clerk",
    "mfa_reauthenticate_webauthn": "billing_clerk",
    "mfa_deactivate_totp": "billing_clerk",
    "mfa_edit_webauthn": "billing_clerk",
    "mfa_remove_webauthn": "billing_clerk",
    "identity:remove_passkey": "billing_clerk",
    # The direct customer's session carries the customer log-in (see _client).
    "support:case_create": "direct_customer",
    "support:case_comment": "direct_customer",
    "support:case_attach": "direct_customer",
}

# URLs that accept POST but are not posted to here, with the reason.
EXCLUDED_PAGES: dict[str, str] = {
    **dict.fromkeys(
        ["api:api-root", "api:docs", "api:openapi-json"],
        "the REST API's own documents (no form, the same answer to any method); the REST "
        "operations are fuzzed by tests/api/test_schema_fuzz.py",
    ),
}

# Signed-in personas first (anonymous only where nobody else may open the page).
PERSONA_ORDER = [
    "billing_clerk",
    "physician",
    "practice_admin",
    "direct_customer",
    "access_admin",
    "claims_examiner",
    "um_reviewer",
    "support_agent",
    "new_user",
    "billing_clerk_b",
    "superuser",
    "anonymous",
]


def persona_for(name: str, route: Route, method: str) -> str | None:
    """Who opens the page: ``POST_PERSONA``, else the first persona the matrix lets open it
    (GET 200), else (POST) one that passes the permission check and gets 405 on GET."""
    if method == "POST" and name in POST_PERSONA:
        return POST_PERSONA[name]
    for persona in PERSONA_ORDER:
        if route.status_for(persona) == 200:
            return persona
    if method == "POST":
        for persona in PERSONA_ORDER:
            if route.expect.get(persona) == 405:
                return persona
    return None


@dataclass(frozen=True)
class PageCase:
    name: str
    method: str
    persona: str | None


def page_cases() -> tuple[list[PageCase], list[str]]:
    """(the page × method cases, the URLs accepting POST that have no persona)."""
    cases, orphans = [], []
    for name, view in sorted(VIEWS.items()):
        route = ROUTES.get(name)
        if route is None or route.skip_reason or name in EXCLUDED_PAGES:
            continue
        methods = accepted_methods(view)
        inputs = view_inputs(view)
        if methods is None or "POST" in methods:
            persona = persona_for(name, route, "POST")
            if persona is None:
                orphans.append(name)
            else:
                cases.append(PageCase(name, "POST", persona))
        if (methods is None or "GET" in methods) and inputs.reads_get:
            persona = persona_for(name, route, "GET")
            if persona is not None:
                cases.append(PageCase(name, "GET", persona))
    return cases, orphans


PAGE_CASES, ORPHAN_POST_PAGES = page_cases()


def test_every_post_page_is_fuzzed_or_excluded():
    assert not ORPHAN_POST_PAGES, (
        "URLs accepting POST with no persona to post as: add them to POST_PERSONA "
        f"(or EXCLUDED_PAGES with a reason): {ORPHAN_POST_PAGES}"
    )
    stale = sorted((POST_PERSONA.keys() | EXCLUDED_PAGES.keys()) - VIEWS.keys())
    assert not stale, f"POST_PERSONA/EXCLUDED_PAGES entries for URLs that no longer exist: {stale}"
    assert all(EXCLUDED_PAGES.values()), "every excluded page needs a reason"
    assert sum(c.method == "POST" for c in PAGE_CASES) >= 50, "page discovery found too few"


# ---------------------------------------------------------------------------
# The page property
# ---------------------------------------------------------------------------
def _support_customer_session(client: Client, world: World, user: Any) -> None:
    """The direct customer has passed the support portal's customer log-in."""
    from portico.support.access import SESSION_KEY
    from portico.support.models import CustomerUser

    customer = CustomerUser.objects.filter(portico_user=user).first()
    if customer is not None:
        session = client.session
        session[SESSION_KEY] = {"id": customer.pk, "user": user.pk}
        session.save()


# What the Claims access form stores for a request (``ClaimsAccessForm.to_data``).
ACCESS_FORM = {
    "idempotency_key": "6f1c1d4e-8a8b-4f4e-9f57-0d5f3b8f1a11",
    "request_type": "new",
    "contact_name": "Pat Lee",
    "contact_phone": "(212) 555-0100",
    "practice_name": "Matrix Practice",
    "tins": "33-3333333",
    "address": "1 Main St",
    "city": "Kingston",
    "state": "NY",
    "zip": "12401",
    "telephone": "(212) 555-0100",
    "front_office_email": "front@example.org",
    "officer_first_name": "Robin",
    "officer_last_name": "Lee",
    "officer_email": "officer@example.org",
    "officer_title": "Practice Manager",
    "user_first_name": "Casey",
    "user_last_name": "Clerk",
    "user_email": "clerk@example.org",
    "submit_claims": "yes",
    "user_title": "Biller",
    "login_user_id": "clerk-a01",
}


def complete_access_requests(world: World) -> None:
    """The URL matrix's access requests carry a stub of the form's data (``tins`` and the
    Portico ID); a submitted request always carries all of it (the form's ``to_data``), which
    approving reads. Give them the full data, so the staff actions run as they do for real."""
    from portico.connect.forms.access import ClaimsAccessForm
    from portico.organizations.models import AccessRequest

    stubs = [r for r in AccessRequest.objects.all() if "practice_name" not in r.data]
    for access_request in stubs:
        form = ClaimsAccessForm(ACCESS_FORM, user=access_request.requester, idp_name="Portico ID")
        assert form.is_valid(), form.errors
        access_request.data = form.to_data()
        access_request.save(update_fields=["data"])


def _client(world: World, persona: str | None) -> Client:
    client = Client()
    user = world.users.get(persona) if persona else None
    if user is not None:
        mfa_login(client, user)
        if persona == "direct_customer":
            _support_customer_session(client, world, user)
    return client


def _form_fields(cls: type, world: World, user: Any) -> dict[str, forms.Field]:
    """The fields of a form as its constructor builds them (dynamic fields and choices)."""
    key = f"{cls.__module__}.{cls.__qualname__}"
    attempts: list[dict[str, Any]] = []
    if key in FORM_KWARGS:
        attempts += FORM_KWARGS[key](world)
    attempts += [{}, {"user": user}, {"request": _request(user)}]
    for kwargs in attempts:
        try:
            return dict(cls(**kwargs).fields)
        except Exception:  # noqa: BLE001 - a form from a library may need other arguments
            continue
    return dict(getattr(cls, "base_fields", {}))


def page_payload(inputs: ViewInputs, method: str, world: World, user: Any) -> st.SearchStrategy:
    parts: list[st.SearchStrategy] = []
    for cls, prefix in inputs.forms:
        if issubclass(cls, BaseFormSet):
            fields = _form_fields(cls.form, world, user)
            parts.append(
                formset_payload(fields, prefix=prefix or cls.get_default_prefix(), http=True)
            )
        else:
            fields = _form_fields(cls, world, user)
            parts.append(form_payload(fields, prefix=prefix, http=True, extra=False))
    keys = inputs.get_keys if method == "GET" else inputs.post_keys
    if keys:
        raw = st.fixed_dictionaries(
            {}, optional={key: nasty_text().map(lambda v: [v]) for key in sorted(keys)}
        )
        parts.append(raw.map(lambda d: (d, {})))
    # Unknown keys, as a browser extension or a robot might add.
    parts.append(form_payload({}, http=True))
    return st.tuples(*parts)


def _merge(parts: tuple[tuple[dict[str, list[Any]], dict[str, list[Any]]], ...]) -> dict:
    merged: dict[str, Any] = {}
    for data, files in parts:
        for key, values in [*data.items(), *files.items()]:
            merged.setdefault(key, values if len(values) != 1 else values[0])
    return merged


def _files(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(hasattr(item, "read") for item in items)


OK_ERRORS = {400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429}


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: f"{c.method} {c.name}")
def test_page_never_answers_5xx(case, world):
    route = ROUTES[case.name]
    url = reverse(case.name, kwargs=route.kwargs(world) if route.kwargs else {})
    complete_access_requests(world)
    user = world.users.get(case.persona) if case.persona else None
    inputs = view_inputs(VIEWS[case.name])
    payload = page_payload(inputs, case.method, world, user)

    @fuzz_settings(PAGE_EXAMPLES)
    @given(parts=payload)
    def fuzz(parts: Any) -> None:
        client = _client(world, case.persona)
        data = _merge(parts)
        note(f"{case.method} {url} as {case.persona}: {data!r}")
        if case.method == "POST":
            response = client.post(url, data)
        else:
            query = {k: v for k, v in data.items() if isinstance(v, str | list) and not _files(v)}
            response = client.get(url, query)
        status = response.status_code
        if response.streaming:  # a download (PDF, CSV, file): generate it all
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert status < 500, f"{case.method} {url} as {case.persona} → {status}"
        assert status < 400 or status in OK_ERRORS, f"{case.method} {url} → {status}"

    fuzz()


# ---------------------------------------------------------------------------
# Regressions found by this fuzzing
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_answering_a_request_that_is_not_sent_back_is_refused_not_a_crash(world):
    """Found by the page fuzzing: POST priorauth:request_respond on a request in Received
    (the office answers twice, or in a stale tab) raised TransitionNotAllowed → 500."""
    from portico.priorauth.models import PriorAuthRequest, Status

    kwargs = ROUTES["priorauth:request_respond"].kwargs(world)  # type: ignore[misc]
    row = PriorAuthRequest.objects.get(reference=kwargs["reference"])
    assert row.status == Status.RECEIVED
    client = _client(world, "physician")
    response = client.post(reverse("priorauth:request_respond", kwargs=kwargs), {"answer": "x"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "cannot be changed to In Review" in page.content.decode()
    row.refresh_from_db()
    assert row.status == Status.RECEIVED


@pytest.mark.django_db
def test_starting_a_review_twice_is_refused_not_a_crash(world):
    """The same leak on the reviewers' actions: "Start review" posted again with the request's
    current version (a double click after the first one succeeded) → 400, not 500."""
    from portico.priorauth.models import PriorAuthRequest, Status

    kwargs = ROUTES["priorauth:staff_start"].kwargs(world)  # type: ignore[misc]
    url = reverse("priorauth:staff_start", kwargs=kwargs)
    row = PriorAuthRequest.objects.get(reference=kwargs["reference"])
    client = _client(world, "um_reviewer")
    assert client.post(url, {"version": row.version}).status_code == 302
    row.refresh_from_db()
    assert row.status == Status.IN_REVIEW
    version = row.version
    assert client.post(url, {"version": version}).status_code == 400
    row.refresh_from_db()
    assert (row.status, row.version) == (Status.IN_REVIEW, version)


def _raw_keys(case: PageCase) -> list[str]:
    inputs = view_inputs(VIEWS[case.name])
    return sorted(inputs.get_keys if case.method == "GET" else inputs.post_keys)


RAW_KEY_CASES = [(case, key) for case in PAGE_CASES for key in _raw_keys(case)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "key"), RAW_KEY_CASES, ids=[f"{c.method} {c.name} {k}" for c, k in RAW_KEY_CASES]
)
def test_nul_in_a_raw_parameter_is_not_a_crash(case, key, world):
    """Every parameter a view reads straight from ``request.GET``/``request.POST`` (not through
    a form, whose fields refuse NUL), sent with a NUL: PostgreSQL cannot compare or store text
    with NUL, so a lookup with it raised DataError (→ 500). Found by the page fuzzing on
    PostgreSQL (POST priorauth:request_new ``service_category``); this checks every such key
    deterministically (the help centre's and the prior-auth queue's ``q`` and the fax intake's
    ``service_category`` failed the same way)."""
    route = ROUTES[case.name]
    url = reverse(case.name, kwargs=route.kwargs(world) if route.kwargs else {})
    complete_access_requests(world)
    client = _client(world, case.persona)
    data = {key: "a\x00b"}
    response = client.post(url, data) if case.method == "POST" else client.get(url, data)
    assert response.status_code < 500


@pytest.mark.django_db
def test_saving_a_prior_auth_draft_with_nul_is_not_a_crash(world):
    """Found on PostgreSQL: "Save draft" stores the posted values as they are (JSON), and
    PostgreSQL's JSON cannot hold NUL (DataError → 500); the draft now keeps them without it."""
    from portico.priorauth.models import PriorAuthRequest, Status
    from tests.factories.priorauth import make_pa_world

    pa = make_pa_world(world)
    response = _client(world, "physician").post(
        reverse("priorauth:request_new"),
        {
            "service_category": pa.category.code,
            "plan": str(pa.plan.pk),
            "save_draft": "1",
            "member_id": "HF1\x0000",
            "q\x00": "x",
        },
    )
    assert response.status_code == 302
    draft = PriorAuthRequest.objects.get(status=Status.DRAFT, created_by=world.users["physician"])
    assert draft.draft_data["member_id"] == ["HF100"]
    assert draft.draft_data["q"] == ["x"]
