"""Typed, plain dataclasses for 837P (005010X222A1) and 837I (005010X223A2/A3) claims.

The reader produces them and the writer consumes them, so a claim makes the round trip
837 -> objects -> 837 without loss of the fields Portico uses. Money is ``Decimal``, dates are
``date``; codes stay strings because the code sets (place of service, CARC, taxonomy...) live
in the ``codes`` app, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Address",
    "Attachment",
    "Claim",
    "ClaimIssue",
    "ClaimKind",
    "Diagnosis",
    "Party",
    "Patient",
    "Payer",
    "Provider",
    "ServiceLine",
    "Subscriber",
    "TransactionInfo",
]

VERSION_837P = "005010X222A1"
VERSION_837I_A2 = "005010X223A2"
VERSION_837I_A3 = "005010X223A3"


class ClaimKind(StrEnum):
    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"


@dataclass(slots=True)
class Address:
    line1: str
    city: str
    state: str = ""
    postal_code: str = ""
    line2: str = ""
    country_code: str = ""


@dataclass(slots=True)
class Party:
    """Submitter (1000A) or receiver (1000B)."""

    name: str
    identifier: str
    first_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    entity_type: str = "2"


@dataclass(slots=True)
class Provider:
    """Any provider loop: billing, pay-to, rendering, referring, attending, facility..."""

    last_or_org_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    entity_type: str = "1"  # NM102: 1 person, 2 non-person entity
    npi: str = ""
    tax_id: str = ""  # REF*EI (employer identification number)
    ssn: str = ""  # REF*SY, for individual billing providers without an EIN
    taxonomy: str = ""  # PRV03
    address: Address | None = None
    secondary_ids: dict[str, str] = field(default_factory=dict)
    entity_code: str = ""  # NM101 as received (82, DN, 71, 77 ...)

    @property
    def display_name(self) -> str:
        if self.entity_type == "2" or not self.first_name:
            return self.last_or_org_name
        return f"{self.first_name} {self.last_or_org_name}".strip()


@dataclass(slots=True)
class Payer:
    name: str
    payer_id: str
    id_qualifier: str = "PI"
    address: Address | None = None


@dataclass(slots=True)
class Subscriber:
    """Loop 2000B with 2010BA (subscriber) and 2010BB (payer)."""

    member_id: str
    last_name: str
    payer: Payer
    first_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    entity_type: str = "1"
    birth_date: date | None = None
    sex: str = ""  # F, M, U
    address: Address | None = None
    payer_responsibility: str = "P"  # SBR01
    relationship: str = "18"  # SBR02: 18 = self, empty when a 2000C patient follows
    group_number: str = ""  # SBR03
    group_name: str = ""  # SBR04
    insurance_type: str = ""  # SBR05
    claim_filing_indicator: str = "CI"  # SBR09

    @property
    def is_patient(self) -> bool:
        return self.relationship == "18"


@dataclass(slots=True)
class Patient:
    """Loop 2000C/2010CA, present when the patient is not the subscriber."""

    relationship: str  # PAT01: 01 spouse, 19 child, 20 employee, 21 unknown, 39, 40, 53, G8
    last_name: str
    first_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    birth_date: date | None = None
    sex: str = ""
    address: Address | None = None


@dataclass(slots=True)
class Diagnosis:
    """One HI composite: ``qualifier`` ABK principal, ABF other, ABJ admitting, APR reason..."""

    qualifier: str
    code: str
    present_on_admission: str = ""  # 837I HI0x-9: Y, N, U, W


@dataclass(slots=True)
class Attachment:
    """PWK: paperwork sent separately (PWK05 AC + PWK06 control number)."""

    report_type: str  # PWK01, e.g. 09 progress report, OZ support data, 11 chemical analysis
    transmission_code: str  # PWK02: AA available on request, BM mail, EL electronic, FX fax
    control_number: str = ""


@dataclass(slots=True)
class ServiceLine:
    """Loop 2400: SV1 (professional) or SV2 (institutional) with its dates and references."""

    number: int
    charge: Decimal
    units: Decimal
    procedure_code: str = ""
    procedure_qualifier: str = "HC"
    modifiers: tuple[str, ...] = ()
    unit_basis: str = "UN"  # UN units, MJ minutes (SV103), DA days (SV204)
    revenue_code: str = ""  # SV201, institutional only
    place_of_service: str = ""  # SV105, professional only, when it differs from CLM05-1
    diagnosis_pointers: tuple[int, ...] = ()  # SV107, 1-based indexes into the HI list
    service_date: date | None = None
    service_date_end: date | None = None
    line_item_control_number: str = ""  # REF*6R
    description: str = ""  # SV101-7
    rendering_provider: Provider | None = None
    emergency: bool = False  # SV109
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(slots=True)
class ClaimIssue:
    """A problem found in one claim, positioned for a 999 and coded for a 277CA.

    ``status_code`` is a Claim Status Code (external code list 507) and ``category`` a Claim
    Status Category Code (508) for STC01 of the 277CA; ``entity_code`` names the entity at
    fault (85 billing provider, IL subscriber, QC patient, 82 rendering provider, 40 receiver).
    """

    message: str
    segment_id: str
    position: int  # position in the transaction set (ST is 1)
    element: int | None = None
    component: int | None = None
    element_code: str | None = None  # IK403 code
    status_code: str = "21"  # missing or invalid information
    category: str = "A7"  # rejected for invalid information
    entity_code: str = ""
    loop_id: str = ""
    line: int | None = None


@dataclass(slots=True)
class TransactionInfo:
    """Envelope and header facts shared by every claim of one transaction set."""

    interchange_control_number: str
    group_control_number: str
    transaction_control_number: str
    version: str  # GS08 / ST03
    sender_id: str = ""
    receiver_id: str = ""
    reference: str = ""  # BHT03, the submitter's batch ID echoed in the 277CA
    created: date | None = None  # BHT04
    purpose: str = "00"  # BHT02: 00 original, 18 reissue
    claim_or_encounter: str = "CH"  # BHT06: CH chargeable, RP reporting (encounter)
    submitter: Party | None = None
    receiver: Party | None = None

    @property
    def kind(self) -> ClaimKind:
        return (
            ClaimKind.INSTITUTIONAL
            if self.version.startswith("005010X223")
            else ClaimKind.PROFESSIONAL
        )


@dataclass(slots=True)
class Claim:
    """Loop 2300 with its providers and service lines, plus the context it was sent in."""

    patient_account_number: str  # CLM01
    total_charge: Decimal  # CLM02
    facility_code: str  # CLM05-1: place of service (837P) or facility type (837I)
    frequency_code: str  # CLM05-3: 1 original, 7 replacement, 8 void
    kind: ClaimKind = ClaimKind.PROFESSIONAL
    provider_signature: str = "Y"  # CLM06 (837P)
    assignment: str = "A"  # CLM07
    benefits_assigned: str = "Y"  # CLM08
    release_of_information: str = "Y"  # CLM09
    related_causes: tuple[str, ...] = ()  # CLM11
    delay_reason: str = ""  # CLM20
    original_claim_number: str = ""  # REF*F8, required for frequency 7 and 8
    prior_authorization: str = ""  # REF*G1
    referral_number: str = ""  # REF*9F
    medical_record_number: str = ""  # REF*EA
    dates: dict[str, tuple[date, date | None]] = field(default_factory=dict)  # DTP01 -> dates
    diagnoses: list[Diagnosis] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    admission_type: str = ""  # CL101 (837I)
    admission_source: str = ""  # CL102 (837I)
    patient_status: str = ""  # CL103 (837I)
    note: str = ""  # NTE02
    rendering_provider: Provider | None = None
    referring_provider: Provider | None = None
    attending_provider: Provider | None = None
    operating_provider: Provider | None = None
    supervising_provider: Provider | None = None
    service_facility: Provider | None = None
    lines: list[ServiceLine] = field(default_factory=list)
    # Context: shared with the other claims of the same hierarchical level.
    billing_provider: Provider | None = None
    pay_to_provider: Provider | None = None
    subscriber: Subscriber | None = None
    patient: Patient | None = None  # None when the subscriber is the patient
    transaction: TransactionInfo | None = None
    issues: list[ClaimIssue] = field(default_factory=list)
    position: int = 0  # position of CLM in the transaction set
    line: int = 0  # line of CLM in the file

    @property
    def is_valid(self) -> bool:
        return not self.issues

    @property
    def type_of_bill(self) -> str:
        """Institutional type of bill: facility type + classification + frequency ("0111")."""
        return f"0{self.facility_code}{self.frequency_code}" if self.facility_code else ""

    @property
    def statement_period(self) -> tuple[date, date | None] | None:
        return self.dates.get("434")

    @property
    def service_period(self) -> tuple[date, date] | None:
        """First and last date of service over the lines (or the statement dates)."""
        starts = [ln.service_date for ln in self.lines if ln.service_date]
        ends = [ln.service_date_end or ln.service_date for ln in self.lines if ln.service_date]
        if starts:
            return min(starts), max(d for d in ends if d)
        stmt = self.statement_period
        if stmt:
            return stmt[0], stmt[1] or stmt[0]
        return None

    @property
    def principal_diagnosis(self) -> Diagnosis | None:
        for dx in self.diagnoses:
            if dx.qualifier in ("ABK", "BK"):
                return dx
        return None

    @property
    def line_charge_total(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), Decimal(0))
