"""Factories for the Claims Online Portal: claims with lines, files, attachments, appeals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from portico.claims.models import (
    Appeal,
    AppealAttachment,
    AppealStatus,
    Claim,
    ClaimAttachment,
    ClaimDiagnosis,
    ClaimLine,
    ClaimSource,
    ClaimStatus,
    ClaimStatusEvent,
    ClaimSubmissionFile,
    SubmissionStatus,
)
from portico.members.models import Coverage, HealthPlan, Member

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BILLING_NPI = "1234567893"
RENDERING_NPI = "1987654328"
PAYER_ID = "PORTICO01"


def plan_member(member_id: str = "HM100000001") -> tuple[HealthPlan, Member, Coverage]:
    plan, _ = HealthPlan.objects.get_or_create(
        payer_id=PAYER_ID, defaults={"name": "Harbor Test Health Plan", "short_name": "Harbor"}
    )
    member, _ = Member.objects.get_or_create(
        plan=plan,
        member_id=member_id,
        defaults={"first_name": "Pat", "last_name": "Doe", "date_of_birth": dt.date(1980, 2, 3)},
    )
    coverage = member.coverages.first() or Coverage.objects.create(
        member=member, plan=plan, start_date=dt.date(2024, 1, 1)
    )
    return plan, member, coverage


def make_claim(
    *,
    organization: Any,
    tin: str,
    number: str,
    status: str = ClaimStatus.RECEIVED,
    charge: Decimal = Decimal("100.00"),
    member_id: str = "HM100000001",
    service_date: dt.date = dt.date(2025, 3, 10),
    lines: int = 1,
    **extra: Any,
) -> Claim:
    existing = Claim.objects.filter(number=number).first()
    if existing is not None:
        return existing
    plan, member, coverage = plan_member(member_id)
    now = timezone.now()
    claim = Claim.objects.create(
        number=number,
        organization=organization,
        billing_tin=tin,
        status=status,
        billing_npi=BILLING_NPI,
        billing_name="Test Practice",
        rendering_npi=RENDERING_NPI,
        rendering_name="Ben Kildare",
        health_plan=plan,
        payer_id=plan.payer_id,
        member=member,
        coverage=coverage,
        member_number=member.member_id,
        patient_first_name=member.first_name,
        patient_last_name=member.last_name,
        patient_dob=member.date_of_birth,
        patient_account_number=f"PA-{number}",
        place_of_service="11",
        service_date_from=service_date,
        service_date_to=service_date,
        total_charge=charge * lines,
        source=ClaimSource.WEB,
        submitted_at=None if status == ClaimStatus.DRAFT else now,
        **extra,
    )
    ClaimDiagnosis.objects.create(claim=claim, sequence=1, code="M5450", qualifier="principal")
    for i in range(1, lines + 1):
        ClaimLine.objects.create(
            claim=claim,
            line_number=i,
            procedure_code="99213",
            diagnosis_pointers="1",
            charge=charge,
            service_date=service_date,
            service_date_to=service_date,
        )
    if status != ClaimStatus.DRAFT:
        ClaimStatusEvent.objects.create(
            claim=claim, from_status=ClaimStatus.DRAFT, to_status=status, note="Test"
        )
    return claim


def make_file(
    *, organization: Any, user: Any = None, name: str = "batch.837"
) -> ClaimSubmissionFile:
    item = ClaimSubmissionFile.objects.filter(organization=organization, filename=name).first()
    if item is not None:
        return item
    key = default_storage.save(f"claims/x12/test/{name}", ContentFile(b"ISA*00~"))
    return ClaimSubmissionFile.objects.create(
        organization=organization,
        uploaded_by=user,
        file_key=key,
        filename=name,
        sha256="0" * 64,
        size=7,
        status=SubmissionStatus.ACCEPTED,
        ack_999="ISA*999~",
        ack_277ca_key=default_storage.save(
            f"claims/acks/test/{name}.277ca.x12", ContentFile(b"ISA*277~")
        ),
    )


def make_attachment(*, claim: Claim) -> ClaimAttachment:
    att = ClaimAttachment.objects.filter(claim=claim).exclude(file_key="").first()
    if att is not None:
        return att
    key = default_storage.save("claims-attachments/test/report.pdf", ContentFile(PDF))
    return ClaimAttachment.objects.create(
        claim=claim,
        organization_id=claim.organization_id,
        report_type="09",
        control_number="CTL-1",
        file_key=key,
        filename="report.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )


def make_appeal(*, claim: Claim, number: str, user: Any = None) -> Appeal:
    appeal = Appeal.objects.filter(number=number).first()
    if appeal is not None:
        return appeal
    appeal = Appeal.objects.create(
        number=number,
        claim=claim,
        organization_id=claim.organization_id,
        reason="underpayment",
        explanation="Paid below contract.",
        status=AppealStatus.RECEIVED,
        filed_by=user,
    )
    key = default_storage.save("claims-appeals/test/letter.pdf", ContentFile(PDF))
    AppealAttachment.objects.create(
        appeal=appeal,
        file_key=key,
        filename="letter.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    return appeal


def claims_world(world: Any) -> dict[str, Any]:
    """A paid claim, a file, an attachment and an appeal for practice A and for practice B."""
    out: dict[str, Any] = {}
    for key, org, tin, user in (
        ("a", world.practice_a, "111111111", world.users["billing_clerk"]),
        ("b", world.practice_b, "222222222", world.users["billing_clerk_b"]),
    ):
        claim = make_claim(
            organization=org,
            tin=tin,
            number=f"C2025000000{1 if key == 'a' else 2}",
            status=ClaimStatus.FINALIZED_PAID,
        )
        out[f"claim_{key}"] = claim
        out[f"file_{key}"] = make_file(organization=org, user=user, name=f"batch-{key}.837")
        out[f"attachment_{key}"] = make_attachment(claim=claim)
        out[f"draft_{key}"] = make_claim(
            organization=org,
            tin=tin,
            number=f"C2025000001{1 if key == 'a' else 2}",
            status=ClaimStatus.DRAFT,
            submitted_by=user,
        )
        out[f"appeal_{key}"] = make_appeal(
            claim=claim, number=f"A2025000000{1 if key == 'a' else 2}", user=user
        )
    return out


def practice_a_x12_claims(
    n: int,
    *,
    account_prefix: str = "ACC",
    step: Decimal = Decimal(0),
    bad: frozenset[int] = frozenset(),
    freq: str = "1",
    ref: str = "",
) -> list[Any]:
    """``n`` one-line 837P claims (99213 on 2025-03-10) billed by practice A (TIN 111111111)
    for the covered member HM100000001; claim ``i`` charges 80 + ``i`` × ``step`` and, when
    ``i`` is in ``bad``, carries an invalid diagnosis (M54)."""
    from portico.x12.models837 import Address, Diagnosis, Payer, Provider, ServiceLine, Subscriber
    from portico.x12.models837 import Claim as X12Claim

    billing = Provider(
        last_or_org_name="PRACTICE A",
        entity_type="2",
        npi=BILLING_NPI,
        tax_id="111111111",
        address=Address("1 MAIN ST", "MIAMI", "FL", "331110000"),
    )
    subscriber = Subscriber(
        member_id="HM100000001", last_name="DOE", first_name="PAT", payer=Payer("HARBOR", PAYER_ID)
    )
    return [
        X12Claim(
            patient_account_number=f"{account_prefix}{i:04d}",
            total_charge=Decimal("80") + i * step,
            facility_code="11",
            frequency_code=freq,
            original_claim_number=ref,
            diagnoses=[Diagnosis("ABK", "M54" if i in bad else "M5450")],
            lines=[
                ServiceLine(
                    number=1,
                    charge=Decimal("80") + i * step,
                    units=Decimal(1),
                    procedure_code="99213",
                    diagnosis_pointers=(1,),
                    service_date=dt.date(2025, 3, 10),
                )
            ],
            billing_provider=billing,
            subscriber=subscriber,
        )
        for i in range(n)
    ]
