"""837P / 837I writer: typed claims in, a valid 5010 interchange out.

Portico receives 837s rather than sending them, but a writer is needed to produce test and
benchmark files (100,000 claims) and to forward claims to a downstream adjudication system. It
streams: claims are an iterable, written as they come, with the hierarchical levels (billing
provider 20, subscriber 22, patient 23) opened whenever the claim's context object changes, and
a new transaction set every ``claims_per_transaction`` claims (the guides recommend at most
5,000 claims per ST/SE).

Segment order follows the implementation guides (X222A1 and X223A2/A3), which pyx12 checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TextIO

from portico.x12.errors import X12WriteError
from portico.x12.models837 import (
    VERSION_837I_A2,
    VERSION_837P,
    Address,
    Attachment,
    Claim,
    ClaimKind,
    Diagnosis,
    Party,
    Patient,
    Provider,
    ServiceLine,
    Subscriber,
)
from portico.x12.writer import Envelope, X12Writer, fmt_amount, fmt_date, fmt_decimal, render

__all__ = ["build_837", "write_837"]

# DTP qualifiers of loop 2300 in implementation-guide order.
_PROFESSIONAL_DATES = (
    "431", "454", "304", "453", "439", "484", "455", "471", "314", "360", "361", "297", "296",
    "435", "096", "090", "091", "444", "050",
)  # fmt: skip
_INSTITUTIONAL_DATES = ("434", "435", "050")
_CLAIM_REF_ORDER_P = ("9F", "G1", "F8", "EA")
_CLAIM_REF_ORDER_I = ("9F", "G1", "F8", "EA")


class _Claim837Writer:
    def __init__(
        self,
        w: X12Writer,
        kind: ClaimKind,
        version: str,
        submitter: Party,
        receiver: Party,
        reference: str,
        created: datetime,
        purpose: str,
        claim_or_encounter: str,
    ) -> None:
        self.w = w
        self.kind = kind
        self.version = version
        self.submitter = submitter
        self.receiver = receiver
        self.reference = reference
        self.created = created
        self.purpose = purpose
        self.claim_or_encounter = claim_or_encounter
        self.transactions = 0
        self._reset_levels()

    def _reset_levels(self) -> None:
        self.hl = 0
        self.billing: Provider | None = None
        self.billing_hl = 0
        self.subscriber: Subscriber | None = None
        self.subscriber_hl = 0
        self.patient: Patient | None = None

    # -- transaction --------------------------------------------------------------------------

    def begin(self) -> None:
        w = self.w
        self.transactions += 1
        w.begin_transaction("837", self.version)
        ref = self.reference if self.transactions == 1 else f"{self.reference}{self.transactions}"
        w.segment(
            "BHT",
            "0019",
            self.purpose,
            ref[:50],
            fmt_date(self.created),
            self.created.strftime("%H%M"),
            self.claim_or_encounter,
        )
        s = self.submitter
        w.segment(
            "NM1", "41", s.entity_type, s.name, s.first_name or None, None, None, None, "46",
            s.identifier,
        )  # fmt: skip
        contact: list[str | None] = ["IC", s.contact_name or None]
        if s.contact_phone:
            contact += ["TE", s.contact_phone]
        if s.contact_email:
            contact += ["EM", s.contact_email]
        if len(contact) == 2:
            raise X12WriteError("the submitter needs a contact phone number or email (1000A PER)")
        w.segment("PER", *contact)
        r = self.receiver
        w.segment("NM1", "40", "2", r.name, None, None, None, None, "46", r.identifier)
        self._reset_levels()

    def end(self) -> None:
        self.w.end_transaction()

    # -- levels -------------------------------------------------------------------------------

    def _address(self, addr: Address | None) -> None:
        if addr is None:
            return
        self.w.segment("N3", addr.line1, addr.line2 or None)
        self.w.segment(
            "N4", addr.city, addr.state or None, addr.postal_code or None, addr.country_code or None
        )

    def _billing(self, prov: Provider) -> None:
        w = self.w
        self.hl += 1
        self.billing_hl = self.hl
        w.segment("HL", str(self.hl), None, "20", "1")
        if prov.taxonomy:
            w.segment("PRV", "BI", "PXC", prov.taxonomy)
        if not prov.npi:
            raise X12WriteError("the billing provider needs an NPI")
        if self.kind is ClaimKind.INSTITUTIONAL and prov.entity_type != "2":
            raise X12WriteError("an institutional billing provider is an organisation (NM102=2)")
        self._nm1("85", prov)
        if prov.address is None:
            raise X12WriteError("the billing provider needs an address (2010AA N3/N4)")
        self._address(prov.address)
        if prov.tax_id:
            w.segment("REF", "EI", prov.tax_id)
        elif prov.ssn and self.kind is ClaimKind.PROFESSIONAL:
            w.segment("REF", "SY", prov.ssn)
        else:
            raise X12WriteError("the billing provider needs a tax ID (REF*EI)")

    def _pay_to(self, prov: Provider | None) -> None:
        if prov is None or prov.address is None:
            return
        self.w.segment("NM1", "87", prov.entity_type or "2")
        self._address(prov.address)

    def _nm1(self, code: str, prov: Provider) -> None:
        person = prov.entity_type == "1"
        self.w.segment(
            "NM1",
            code,
            prov.entity_type,
            prov.last_or_org_name,
            prov.first_name or None if person else None,
            prov.middle_name or None if person else None,
            None,
            prov.suffix or None if person else None,
            "XX" if prov.npi else None,
            prov.npi or None,
        )

    def _subscriber(self, sub: Subscriber, has_patient: bool) -> None:
        w = self.w
        self.hl += 1
        self.subscriber_hl = self.hl
        w.segment("HL", str(self.hl), str(self.billing_hl), "22", "1" if has_patient else "0")
        w.segment(
            "SBR",
            sub.payer_responsibility or "P",
            None if has_patient else (sub.relationship or "18"),
            sub.group_number or None,
            sub.group_name or None,
            (sub.insurance_type or None) if self.kind is ClaimKind.PROFESSIONAL else None,
            None,
            None,
            None,
            sub.claim_filing_indicator or "CI",
        )
        w.segment(
            "NM1",
            "IL",
            sub.entity_type or "1",
            sub.last_name,
            sub.first_name or None,
            sub.middle_name or None,
            None,
            sub.suffix or None,
            "MI",
            sub.member_id,
        )
        self._address(sub.address)
        if sub.birth_date and not has_patient:
            w.segment("DMG", "D8", fmt_date(sub.birth_date), sub.sex or "U")
        p = sub.payer
        w.segment("NM1", "PR", "2", p.name, None, None, None, None, p.id_qualifier, p.payer_id)
        self._address(p.address)

    def _patient(self, pat: Patient) -> None:
        w = self.w
        self.hl += 1
        w.segment("HL", str(self.hl), str(self.subscriber_hl), "23", "0")
        w.segment("PAT", pat.relationship)
        w.segment(
            "NM1",
            "QC",
            "1",
            pat.last_name,
            pat.first_name or None,
            pat.middle_name or None,
            None,
            pat.suffix or None,
        )
        if pat.address is None:
            raise X12WriteError("the patient needs an address (2010CA N3/N4)")
        self._address(pat.address)
        if pat.birth_date is None:
            raise X12WriteError("the patient needs a birth date (2010CA DMG)")
        w.segment("DMG", "D8", fmt_date(pat.birth_date), pat.sex or "U")

    # -- claim ----------------------------------------------------------------------------------

    def claim(self, claim: Claim) -> None:
        billing, sub, pat = claim.billing_provider, claim.subscriber, claim.patient
        if billing is None or sub is None:
            raise X12WriteError(
                f"claim {claim.patient_account_number!r} has no billing provider or subscriber"
            )
        if billing is not self.billing:
            self._billing(billing)
            self._pay_to(claim.pay_to_provider)
            self.billing = billing
            self.subscriber = None
        if sub is not self.subscriber:
            self._subscriber(sub, pat is not None)
            self.subscriber = sub
            self.patient = None
        if pat is not None and pat is not self.patient:
            self._patient(pat)
            self.patient = pat
        if self.kind is ClaimKind.PROFESSIONAL:
            self._claim_professional(claim)
        else:
            self._claim_institutional(claim)

    def _clm(self, claim: Claim) -> None:
        prof = self.kind is ClaimKind.PROFESSIONAL
        self.w.segment(
            "CLM",
            claim.patient_account_number,
            fmt_amount(claim.total_charge),
            None,
            None,
            [claim.facility_code, "B" if prof else "A", claim.frequency_code],
            (claim.provider_signature or "Y") if prof else None,
            claim.assignment or "A",
            claim.benefits_assigned or "Y",
            claim.release_of_information or "Y",
            None,
            list(claim.related_causes) if claim.related_causes else None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            claim.delay_reason or None,
        )

    def _dates(self, claim: Claim, order: Sequence[str]) -> None:
        for qual in order:
            if qual not in claim.dates:
                continue
            start, end = claim.dates[qual]
            if end is not None and (qual in ("434", "314") or end != start):
                self.w.segment("DTP", qual, "RD8", f"{fmt_date(start)}-{fmt_date(end)}")
            elif qual == "434":
                self.w.segment("DTP", qual, "RD8", f"{fmt_date(start)}-{fmt_date(start)}")
            else:
                self.w.segment("DTP", qual, "D8", fmt_date(start))

    def _attachments(self, attachments: Iterable[Attachment]) -> None:
        for att in attachments:
            self.w.segment(
                "PWK",
                att.report_type,
                att.transmission_code,
                None,
                None,
                "AC" if att.control_number else None,
                att.control_number or None,
            )

    def _refs(self, claim: Claim, order: Sequence[str]) -> None:
        values = {
            "9F": claim.referral_number,
            "G1": claim.prior_authorization,
            "F8": claim.original_claim_number,
            "EA": claim.medical_record_number,
        }
        for qual in order:
            if values[qual]:
                self.w.segment("REF", qual, values[qual])

    def _hi(self, diagnoses: Sequence[Diagnosis], with_poa: bool) -> None:
        def comp(dx: Diagnosis) -> list[str]:
            parts = [dx.qualifier, dx.code]
            if with_poa and dx.present_on_admission:
                parts += ["", "", "", "", "", "", dx.present_on_admission]
            return parts

        for start in range(0, len(diagnoses), 12):
            self.w.segment("HI", *[comp(dx) for dx in diagnoses[start : start + 12]])

    def _provider_loop(self, code: str, prov: Provider | None, prv: str | None = None) -> None:
        if prov is None:
            return
        self._nm1(code, prov)
        if prv and prov.taxonomy:
            self.w.segment("PRV", prv, "PXC", prov.taxonomy)

    def _claim_professional(self, claim: Claim) -> None:
        w = self.w
        self._clm(claim)
        self._dates(claim, _PROFESSIONAL_DATES)
        self._attachments(claim.attachments)
        self._refs(claim, _CLAIM_REF_ORDER_P)
        if claim.note:
            w.segment("NTE", "ADD", claim.note)
        principal = [dx for dx in claim.diagnoses if dx.qualifier in ("ABK", "BK")]
        others = [dx for dx in claim.diagnoses if dx.qualifier in ("ABF", "BF")]
        if not principal:
            raise X12WriteError(f"claim {claim.patient_account_number!r} has no ABK diagnosis")
        self._hi(principal[:1] + others[:11], with_poa=False)
        ref = claim.referring_provider
        if ref is not None:
            self._nm1(ref.entity_code if ref.entity_code in ("DN", "P3") else "DN", ref)
        self._provider_loop("82", claim.rendering_provider, "PE")
        fac = claim.service_facility
        if fac is not None:
            w.segment(
                "NM1", "77", "2", fac.last_or_org_name, None, None, None, None,
                "XX" if fac.npi else None, fac.npi or None,
            )  # fmt: skip
            if fac.address is None:
                raise X12WriteError("the service facility needs an address")
            self._address(fac.address)
        self._provider_loop("DQ", claim.supervising_provider)
        for line in claim.lines:
            self._line_professional(line)

    def _line_professional(self, line: ServiceLine) -> None:
        w = self.w
        w.segment("LX", str(line.number))
        w.segment(
            "SV1",
            [line.procedure_qualifier or "HC", line.procedure_code, *_mods(line.modifiers)]
            + ([line.description] if line.description else []),
            fmt_amount(line.charge),
            line.unit_basis or "UN",
            fmt_decimal(line.units),
            line.place_of_service or None,
            None,
            [str(p) for p in line.diagnosis_pointers[:4]],
            None,
            "Y" if line.emergency else None,
        )
        self._attachments(line.attachments)
        self._line_date(line)
        if line.line_item_control_number:
            w.segment("REF", "6R", line.line_item_control_number)
        self._provider_loop("82", line.rendering_provider, "PE")

    def _line_date(self, line: ServiceLine) -> None:
        if line.service_date is None:
            if self.kind is ClaimKind.PROFESSIONAL:
                raise X12WriteError(f"service line {line.number} needs a date of service")
            return
        if line.service_date_end and line.service_date_end != line.service_date:
            self.w.segment(
                "DTP",
                "472",
                "RD8",
                f"{fmt_date(line.service_date)}-{fmt_date(line.service_date_end)}",
            )
        else:
            self.w.segment("DTP", "472", "D8", fmt_date(line.service_date))

    def _claim_institutional(self, claim: Claim) -> None:
        w = self.w
        self._clm(claim)
        if "434" not in claim.dates:
            raise X12WriteError(f"claim {claim.patient_account_number!r} needs statement dates")
        self._dates(claim, _INSTITUTIONAL_DATES)
        w.segment(
            "CL1",
            claim.admission_type or None,
            claim.admission_source or None,
            claim.patient_status or "01",
        )
        self._attachments(claim.attachments)
        self._refs(claim, _CLAIM_REF_ORDER_I)
        if claim.note:
            w.segment("NTE", "ADD", claim.note)
        by_qual: dict[str, list[Diagnosis]] = {}
        for dx in claim.diagnoses:
            by_qual.setdefault(dx.qualifier, []).append(dx)
        principal = by_qual.get("ABK", []) + by_qual.get("BK", [])
        if not principal:
            raise X12WriteError(f"claim {claim.patient_account_number!r} has no ABK diagnosis")
        self._hi(principal[:1], with_poa=True)
        if by_qual.get("ABJ"):
            self._hi(by_qual["ABJ"][:1], with_poa=False)
        if by_qual.get("APR"):
            self._hi(by_qual["APR"][:3], with_poa=False)
        others = by_qual.get("ABF", []) + by_qual.get("BF", [])
        if others:
            self._hi(others[:24], with_poa=True)
        self._provider_loop("71", claim.attending_provider, "AT")
        self._provider_loop("72", claim.operating_provider)
        self._provider_loop("82", claim.rendering_provider)
        fac = claim.service_facility
        if fac is not None:
            w.segment(
                "NM1", "77", "2", fac.last_or_org_name, None, None, None, None,
                "XX" if fac.npi else None, fac.npi or None,
            )  # fmt: skip
            if fac.address is None:
                raise X12WriteError("the service facility needs an address")
            self._address(fac.address)
        self._provider_loop("DN", claim.referring_provider)
        for line in claim.lines:
            self._line_institutional(line)

    def _line_institutional(self, line: ServiceLine) -> None:
        w = self.w
        w.segment("LX", str(line.number))
        procedure: list[str] | None = None
        if line.procedure_code:
            procedure = [line.procedure_qualifier or "HC", line.procedure_code]
            procedure += _mods(line.modifiers)
        w.segment(
            "SV2",
            line.revenue_code,
            procedure,
            fmt_amount(line.charge),
            line.unit_basis or "UN",
            fmt_decimal(line.units),
        )
        self._attachments(line.attachments)
        self._line_date(line)
        if line.line_item_control_number:
            w.segment("REF", "6R", line.line_item_control_number)
        if line.rendering_provider is not None:
            self._nm1("82", line.rendering_provider)


def _mods(modifiers: Sequence[str]) -> list[str]:
    mods = list(modifiers[:4])
    return mods


def write_837(
    claims: Iterable[Claim],
    out: TextIO,
    envelope: Envelope,
    *,
    submitter: Party,
    receiver: Party,
    kind: ClaimKind = ClaimKind.PROFESSIONAL,
    reference: str = "1",
    version: str | None = None,
    purpose: str = "00",
    claim_or_encounter: str = "CH",
    claims_per_transaction: int = 5000,
) -> int:
    """Write ``claims`` as one 837 interchange; return the number of claims written."""
    if claims_per_transaction < 1:
        raise X12WriteError("claims_per_transaction must be positive")
    version = version or (VERSION_837P if kind is ClaimKind.PROFESSIONAL else VERSION_837I_A2)
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("HC", version)
    cw = _Claim837Writer(
        w, kind, version, submitter, receiver, reference, envelope.created, purpose,
        claim_or_encounter,
    )  # fmt: skip
    count = 0
    in_set = 0
    for claim in claims:
        if in_set == 0:
            cw.begin()
        cw.claim(claim)
        count += 1
        in_set += 1
        if in_set == claims_per_transaction:
            cw.end()
            in_set = 0
    if in_set or count == 0:
        if count == 0:
            raise X12WriteError("an 837 needs at least one claim")
        cw.end()
    w.end_group()
    w.end_interchange()
    return count


def build_837(claims: Iterable[Claim], envelope: Envelope, **options: object) -> str:
    """:func:`write_837` into a string (for tests and small files)."""
    return render(lambda out: write_837(claims, out, envelope, **options))  # type: ignore[arg-type]
