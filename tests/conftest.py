"""Shared fixtures: named personas (DESIGN.md §7) and clients signed in with MFA."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.servers.basehttp import WSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from portico.api.errors import install_handlers
from portico.identity.roles import StaffRole
from portico.organizations.models import Application, Membership, Organization
from portico.organizations.services import grant_set
from tests.factories.identity import UserFactory
from tests.factories.organizations import OrganizationFactory, TINFactory


@pytest.fixture(scope="session", autouse=True)
def _urls_loaded_before_any_clock_is_frozen() -> None:
    """Import every URL module, and with them the API's pydantic schemas, before a test
    freezes time: a schema built inside ``freeze_time`` meets freezegun's FakeDate instead of
    ``datetime.date`` and cannot be generated (a file of such tests run on its own failed)."""
    from django.urls import get_resolver

    assert get_resolver().url_patterns


@pytest.fixture(autouse=True)
def _outbox_email(settings: Any) -> None:
    """Django's test runner swaps in locmem mail; Portico's tests read the real outbox."""
    settings.EMAIL_BACKEND = "portico.core.mail.OutboxEmailBackend"


def mfa_login(client: Client, user: Any) -> Client:
    """Sign ``user`` in as if they completed password + authenticator-app sign-in.

    The session carries allauth's record of the methods used, which is what Portico's
    MFA gate reads; tests of the sign-in flow itself drive the real forms instead.
    """
    client.force_login(user)
    session = client.session
    now = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "type": "totp", "id": 0},
    ]
    session["account_authentication_methods_user"] = str(user.pk)  # records are bound to a user
    session.save()
    return client


# On the in-memory SQLite test database the live server shares the test's one connection with
# its request threads; two requests at once (an htmx poll beside a form post) then collide
# ("cannot start a transaction within a transaction"). One request at a time there; Django
# closes each connection of a non-threaded server, so keep-alive cannot block the browser.
class _OneRequestAtATime(WSGIServer):
    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # the server thread already holds the connections
        self.connections_override = connections_override


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    LiveServerThread.server_class = _OneRequestAtATime


_router_apis = itertools.count()


def router_client(router: Router) -> TestClient:
    """A test client for one app's router that answers errors exactly as /api/v1 does (the
    one error shape of docs/api.md), without the API's authentication in front."""
    api = NinjaAPI(urls_namespace=f"router-test-{next(_router_apis)}")
    install_handlers(api)
    api.add_router("", router)
    return TestClient(api)


@dataclass
class World:
    """Two practices, A and B, with a persona of every kind (DESIGN.md §1)."""

    practice_a: Organization
    practice_b: Organization
    users: dict[str, Any]


PERSONAS = [
    "anonymous",
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


def _staff(username: str, role: str) -> Any:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def make_world() -> World:
    """The personas of DESIGN.md §7 in two practices (also used outside pytest, e.g. by the
    fault tests' server set-up)."""
    a = OrganizationFactory(name="Practice A")
    b = OrganizationFactory(name="Practice B")
    TINFactory(organization=a, tin="111111111")
    TINFactory(organization=b, tin="222222222")
    users: dict[str, Any] = {"anonymous": None}
    users["new_user"] = UserFactory(username="newuser01")
    users["billing_clerk"] = UserFactory(username="clerk-a01")
    users["billing_clerk_b"] = UserFactory(username="clerk-b01")
    users["physician"] = UserFactory(username="doctor-a01")
    users["practice_admin"] = UserFactory(username="admin-a01")
    users["direct_customer"] = UserFactory(username="customer01")
    users["access_admin"] = _staff("accessadm1", StaffRole.ACCESS_ADMIN)
    users["claims_examiner"] = _staff("examiner01", StaffRole.CLAIMS_EXAMINER)
    users["um_reviewer"] = _staff("umreview01", StaffRole.UM_REVIEWER)
    users["um_reviewer"].groups.add(
        Group.objects.get_or_create(name=StaffRole.CLINICAL_REVIEWER)[0]
    )
    users["support_agent"] = _staff("supportag1", StaffRole.SUPPORT_AGENT)
    users["superuser"] = UserFactory(username="superuser1", is_staff=True, is_superuser=True)

    Membership.objects.create(user=users["billing_clerk"], organization=a)
    Membership.objects.create(user=users["billing_clerk_b"], organization=b)
    Membership.objects.create(user=users["physician"], organization=a, role="clinician")
    Membership.objects.create(user=users["practice_admin"], organization=a, role="admin")
    grant_set(
        user=users["billing_clerk"],
        application=Application.CLAIMS,
        organization=a,
        scope={"tins": ["111111111"], "submit_claims": True},
    )
    grant_set(
        user=users["billing_clerk_b"],
        application=Application.CLAIMS,
        organization=b,
        scope={"tins": ["222222222"], "submit_claims": True},
    )
    pip = {"regions": ["R1"], "role": "pcp", "cap_report": True, "add_terms": False}
    for name in ("physician", "practice_admin"):
        grant_set(user=users[name], application=Application.PATIENT_INFO, organization=a, scope=pip)
        grant_set(user=users[name], application=Application.REFERRALS, organization=a, scope={})
        grant_set(user=users[name], application=Application.PRIOR_AUTH, organization=a, scope={})
    grant_set(
        user=users["practice_admin"],
        application=Application.CLAIMS,
        organization=a,
        scope={"tins": ["111111111"], "submit_claims": True},
    )
    return World(practice_a=a, practice_b=b, users=users)


@pytest.fixture
def persona_client(world: World):
    """``persona_client("billing_clerk")`` → a Client signed in with MFA as that persona."""

    def make(name: str) -> Client:
        client = Client()
        user = world.users[name]
        if user is not None:
            mfa_login(client, user)
        return client

    return make
