"""Physician Info Portal: PIP-granted personas (physician and practice_admin of practice A:
region R1, role PCP, Cap Report) open the portal; a patient outside their view, such as
practice B's, is 404, the same as for users without PIP access. The access log is the practice
administrator's."""

from __future__ import annotations

from typing import Any

from tests.factories.patientinfo import PipWorld, pip_world
from tests.matrix import ANON, Route

PIP = {ANON: 302, "physician": 200, "practice_admin": 200}


def pip(world: Any) -> PipWorld:
    if not hasattr(world, "_pip"):
        world._pip = pip_world(world.practice_a, world.practice_b)
    return world._pip  # type: ignore[no-any-return]


def _patient_a(world: Any) -> dict[str, Any]:
    return {"pk": pip(world).attributed.pk}


def _patient_b(world: Any) -> dict[str, Any]:
    return {"pk": pip(world).practice_b_member.pk}


def _setup(world: Any) -> dict[str, Any]:
    pip(world)
    return {}


PATIENT = Route(expect=PIP, default=404, kwargs=_patient_a, other_org=_patient_b)

ROUTES = {
    "patientinfo:home": Route(expect=PIP, default=403),
    "patientinfo:patient": PATIENT,
    "patientinfo:patient_print": PATIENT,
    "patientinfo:patient_pdf": PATIENT,
    "patientinfo:cap_report": Route(expect=PIP, default=403, kwargs=_setup),
    "patientinfo:cap_report_csv": Route(expect=PIP, default=403, kwargs=_setup),
    "patientinfo:cap_report_pdf": Route(expect=PIP, default=403, kwargs=_setup),
    "patientinfo:access_log": Route(expect={ANON: 302, "practice_admin": 200}, default=403),
}
