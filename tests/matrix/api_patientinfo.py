"""The Physician Info Portal router (``/api/v1/patientinfo/``, scope ``patients``) × token kind.

``user_a`` is practice A's physician (PIP grant: region R1, role PCP); ``user_b`` is a
physician of practice B with the same grants (``physician_b``, created here: the world fixture
has no practice B persona with PIP, Referrals or Prior Authorization grants); ``system`` is a
client bound to practice A (its service account holds a PIP grant for region R1); ``staff`` (a
support agent) has no PIP grant. The patient attributed to practice A answers 404 to B. A look-up
answers only the patients in the caller's view, so B's search for A's patient is an empty list
(200). The summary answers 404 to callers without PIP access too (by design: "outside the
caller's view" and "no access" look the same), while the search answers 403.
"""

from __future__ import annotations

from typing import Any

from portico.organizations.models import Application, Membership
from portico.organizations.services import grant_set
from tests.factories.identity import UserFactory
from tests.matrix.api import ApiRoute
from tests.matrix.patientinfo import pip

ROUTES: dict = {}

PHYSICIAN_B = "physician_b"


def physician_b(world: Any) -> None:
    """A clinician of practice B with PIP (R1, PCP), Referrals and Prior Authorization grants,
    as ``world.users["physician_b"]`` (the API matrix's ``user_b`` for these applications)."""
    if PHYSICIAN_B in world.users:
        return
    user: Any = UserFactory(username="doctor-b01")
    b = world.practice_b
    Membership.objects.create(user=user, organization=b, role="clinician")
    pip_scope = {"regions": ["R1"], "role": "pcp", "cap_report": True, "add_terms": False}
    grant_set(user=user, application=Application.PATIENT_INFO, organization=b, scope=pip_scope)
    grant_set(user=user, application=Application.REFERRALS, organization=b, scope={})
    grant_set(user=user, application=Application.PRIOR_AUTH, organization=b, scope={})
    world.users[PHYSICIAN_B] = user


def _setup(world: Any) -> dict[str, Any]:
    physician_b(world)
    pip(world)
    return {}


def _patient_a(world: Any) -> dict[str, Any]:
    return {"pk": pip(world).attributed.pk}


def _search_a(world: Any) -> dict[str, Any]:
    return {"member_id": pip(world).attributed.member_id}


API_ROUTES = {
    "POST /api/v1/patientinfo/patients/search": ApiRoute(
        expect={"none": 401, "staff": 403},
        user_a="physician",
        user_b=PHYSICIAN_B,
        setup=_setup,
        body=_search_a,
    ),
    "GET /api/v1/patientinfo/patients/{pk}": ApiRoute(
        expect={"none": 401, "user_b": 404, "staff": 404},
        user_a="physician",
        user_b=PHYSICIAN_B,
        setup=_setup,
        path=_patient_a,
    ),
}
