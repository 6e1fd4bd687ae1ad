"""Prior authorization test data: a configured plan, an eligible member, connected providers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from portico.codes.models import Icd10Code
from portico.members.models import Coverage, HealthPlan, Member, PlanProgram
from portico.organizations.models import OrganizationProvider, Provider
from portico.organizations.validators import npi_check_digit
from portico.priorauth.categories import STANDARD_CATEGORIES
from portico.priorauth.models import NotRequiredCode, PlanPriorAuthSettings, ServiceCategory
from portico.priorauth.services import LineInput, RequestInput


def npi(seed: int) -> str:
    first = f"1{seed:08d}"
    return first + str(npi_check_digit(first))


@dataclass
class PAWorld:
    plan: HealthPlan
    settings: PlanPriorAuthSettings
    member: Member
    member_b: Member
    provider_a: Provider
    provider_b: Provider
    unconnected: Provider
    category: ServiceCategory
    service_date: dt.date


def make_pa_world(world: Any) -> PAWorld:
    plan, _ = HealthPlan.objects.get_or_create(
        payer_id="HFX01",
        defaults={
            "name": "Harborview Health Plan",
            "short_name": "Harborview",
            "correspondence_address": "Summit UM\nP.O. Box 5600\nKingston, NY 12402-5600",
            "fax": "1-844-555-0124",
            "provider_services_phone": "1-888-555-0160",
            "provider_services_hours": "Monday-Friday, 8:30 AM - 5:30 PM ET",
            "portal_help_phone": "1-844-555-0191",
            "portal_help_hours": "Monday-Friday, 9:00 AM - 6:00 PM ET",
        },
    )
    program, _ = PlanProgram.objects.get_or_create(
        plan=plan,
        code="spj",
        defaults={
            "name": "Spine, Pain and Joint",
            "cutover_date": dt.date(2026, 6, 1),
            "legacy_portal_name": "Legacy Ortho Portal",
        },
    )
    settings_row, _ = PlanPriorAuthSettings.objects.get_or_create(
        plan=plan,
        defaults={"program": program, "um_organization_name": "Summit Utilization Management"},
    )
    NotRequiredCode.objects.get_or_create(
        plan=plan, code="97110", defaults={"description": "Therapeutic exercise"}
    )
    for code, desc in [
        ("M5450", "Low back pain, unspecified"),
        ("M48061", "Spinal stenosis, lumbar region without neurogenic claudication"),
    ]:
        Icd10Code.objects.get_or_create(
            code=code, defaults={"description": desc, "billable": True, "fiscal_year": 2026}
        )
    member, _ = Member.objects.get_or_create(
        plan=plan,
        member_id="HF100000001",
        defaults={
            "first_name": "Dana",
            "last_name": "Whitfield",
            "date_of_birth": dt.date(1968, 3, 14),
            "address_line1": "1 Elm St",
            "city": "Kingston",
            "state": "NY",
            "zip_code": "12401",
        },
    )
    Coverage.objects.get_or_create(
        member=member,
        plan=plan,
        defaults={"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2027, 12, 31)},
    )
    member_b, _ = Member.objects.get_or_create(
        plan=plan,
        member_id="HF100000009",
        defaults={
            "first_name": "Sam",
            "last_name": "Ortega",
            "date_of_birth": dt.date(1981, 7, 30),
        },
    )
    Coverage.objects.get_or_create(
        member=member_b, plan=plan, defaults={"start_date": dt.date(2026, 1, 1)}
    )
    provider_a, _ = Provider.objects.get_or_create(
        npi=npi(7001), defaults={"first_name": "Robin", "last_name": "Hartwell", "credential": "MD"}
    )
    provider_b, _ = Provider.objects.get_or_create(
        npi=npi(7002), defaults={"first_name": "Alex", "last_name": "Summit", "credential": "DO"}
    )
    unconnected, _ = Provider.objects.get_or_create(
        npi=npi(7003), defaults={"first_name": "Pat", "last_name": "Nobody"}
    )
    OrganizationProvider.objects.get_or_create(organization=world.practice_a, provider=provider_a)
    OrganizationProvider.objects.get_or_create(organization=world.practice_b, provider=provider_b)
    # A data migration loads the standard categories; a transactional (browser) test that ran
    # earlier on this worker flushed them, so load them again the way the migration does.
    for item in STANDARD_CATEGORIES:
        ServiceCategory.objects.get_or_create(
            code=item["code"],
            defaults={"name": item["name"], "order": item["order"], "questions": item["questions"]},
        )
    return PAWorld(
        plan,
        settings_row,
        member,
        member_b,
        provider_a,
        provider_b,
        unconnected,
        ServiceCategory.objects.get(code="spine-surgery"),
        dt.date(2026, 12, 1),
    )


ANSWERS = {
    "conservative_therapy": "yes",
    "conservative_weeks": "8",
    "imaging": "MRI 10/2026: L4-5 stenosis",
    "neuro_deficit": "no",
}


def request_input(
    pa: PAWorld,
    *,
    member: Member | None = None,
    provider: Provider | None = None,
    codes: tuple[str, ...] = ("63047",),
    units: int | None = 1,
    **overrides: Any,
) -> RequestInput:
    member = member or pa.member
    provider = provider or pa.provider_a
    data = RequestInput(
        plan=pa.plan,
        member_id=member.member_id,
        member_birth_date=member.date_of_birth,
        requesting_provider_npi=provider.npi,
        service_category=pa.category,
        service_date=pa.service_date,
        diagnoses=["M54.50"],
        clinical_answers=dict(ANSWERS),
        lines=[
            LineInput(code=c, units=units, start_date=pa.service_date, end_date=pa.service_date)
            for c in codes
        ],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def submitted(pa: PAWorld, user: Any, **kwargs: Any):
    from portico.priorauth.services import priorauth_submit

    return priorauth_submit(user=user, data=request_input(pa, **kwargs), confirm_duplicate=True)


def pa_form_data(pa: PAWorld, **extra: str) -> dict[str, str]:
    """The prior-authorization request form, filled in for ``pa``'s member (one 63047 line)."""
    data = {
        "plan": str(pa.plan.pk),
        "service_category": pa.category.code,
        "member_id": pa.member.member_id,
        "member_birth_date": "1968-03-14",
        "service_date": pa.service_date.isoformat(),
        "requesting_provider": pa.provider_a.npi,
        "diagnoses": "M54.50",
        "urgency": "standard",
        "q_conservative_therapy": "yes",
        "q_conservative_weeks": "8",
        "q_imaging": "MRI",
        "q_neuro_deficit": "no",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "3",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-code": "63047",
        "lines-0-units": "1",
        "lines-0-start_date": pa.service_date.isoformat(),
        "lines-0-end_date": pa.service_date.isoformat(),
    }
    data.update(extra)
    return data


def decide_data(row: Any, decision: str = "approved", **line: Any) -> dict[str, Any]:
    """The reviewer's "Decide each line" form for a one-line request, as a browser posts it:
    the version the page showed, the line formset and ``line``'s fields of line 1."""
    return {
        "version": str(row.version),
        "note": "",
        "decide-TOTAL_FORMS": "1",
        "decide-INITIAL_FORMS": "1",
        "decide-0-line_no": "1",
        "decide-0-decision": decision,
        **{f"decide-0-{k}": v for k, v in line.items()},
    }
