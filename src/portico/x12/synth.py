"""Deterministic synthetic 837P files for benchmarks and load tests.

``write_synthetic_837p(out, claims=100_000, seed=7)`` always writes the same bytes for the same
arguments. Every claim is valid against the 837 reader's rules and pyx12's 005010X222A1 map:
NPIs carry a correct Luhn check digit over the 80840 prefix, diagnosis codes are real ICD-10-CM
shapes without the decimal point, line charges sum to CLM02. People, practices and payers are
fictitious. Claims are generated one at a time, so memory stays flat for any ``claims``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from portico.x12.models837 import (
    Address,
    Claim,
    ClaimKind,
    Diagnosis,
    Party,
    Patient,
    Payer,
    Provider,
    ServiceLine,
    Subscriber,
)
from portico.x12.writer import Envelope
from portico.x12.writer837 import write_837

__all__ = ["make_npi", "synthetic_claims", "write_synthetic_837p"]

_LAST = (
    "Abernathy", "Brightwater", "Castellan", "Dunmore", "Everhart", "Fairbanks", "Galloway",
    "Hollis", "Ingram", "Jessup", "Kestrel", "Lindqvist", "Marlowe", "Northcott", "Okafor",
    "Pennington", "Quimby", "Ravensworth", "Sandoval", "Thistlewood", "Underhill", "Vashti",
    "Whitlock", "Yarborough", "Zeller",
)  # fmt: skip
_FIRST = (
    "Ada", "Bram", "Cleo", "Dario", "Elin", "Farid", "Greta", "Hugo", "Iris", "Jonah", "Kaia",
    "Lars", "Mira", "Nils", "Opal", "Pavel", "Quinn", "Rosa", "Soren", "Tess", "Umar", "Vera",
    "Wren", "Xavi", "Yara", "Zane",
)  # fmt: skip
_PRACTICE = (
    "Harbor Family Medicine", "Ridgeview Orthopedics", "Cedar Lane Pediatrics",
    "Lakeside Internal Medicine", "Summit Pain and Spine", "Meadowbrook Cardiology",
    "Juniper Street Clinic", "Northgate Physical Therapy",
)  # fmt: skip
_STREETS = ("Maple Ave", "Oak St", "Harbor Rd", "Pine Ct", "Elm Way", "Birch Blvd", "Ash Ln")
_CITIES = (("Springfield", "IL", "62704"), ("Riverton", "WY", "82501"), ("Fairview", "TN", "37062"))
_PAYERS = (("Acme Mutual Health Plan", "99001"), ("Bluewater Community Health", "99002"))
# ICD-10-CM codes (no decimal point) commonly billed in office visits.
_DIAGNOSES = (
    "J069", "E119", "I10", "M545", "Z0000", "R05", "K219", "F419", "M25561", "J209", "N390",
    "R109", "E785", "M170", "G4700", "L309", "H6590", "R51", "Z23", "S93401A",
)  # fmt: skip
# (CPT/HCPCS code, typical charge)
_PROCEDURES = (
    ("99213", "110.00"), ("99214", "165.00"), ("99203", "150.00"), ("36415", "12.00"),
    ("80053", "45.50"), ("85025", "28.75"), ("93000", "60.00"), ("71046", "95.00"),
    ("97110", "48.00"), ("90471", "25.00"), ("G0439", "175.00"), ("20610", "140.00"),
)  # fmt: skip
_TAXONOMIES = ("207Q00000X", "207R00000X", "208000000X", "207X00000X", "225100000X")


def make_npi(rng: random.Random) -> str:
    """A syntactically valid (Luhn over 80840 + 9 digits), randomly chosen NPI."""
    body = str(rng.choice((1, 2))) + "".join(str(rng.randrange(10)) for _ in range(8))
    total = 0
    for i, ch in enumerate(reversed("80840" + body)):
        digit = int(ch)
        if i % 2 == 0:  # doubled positions, counting from the right, once the check digit is added
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return body + str((10 - total % 10) % 10)


def _address(rng: random.Random) -> Address:
    city, state, zip5 = rng.choice(_CITIES)
    return Address(
        line1=f"{rng.randrange(10, 9999)} {rng.choice(_STREETS)}",
        city=city,
        state=state,
        postal_code=f"{zip5}{rng.randrange(1000, 9999)}",
    )


def synthetic_claims(count: int, seed: int, *, as_of: date) -> Iterator[Claim]:
    """Yield ``count`` professional claims; context objects are shared like a real file's."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    billing: Provider | None = None
    subscriber: Subscriber | None = None
    patient: Patient | None = None
    claims_left_for_provider = 0
    claims_left_for_subscriber = 0
    for n in range(1, count + 1):
        if claims_left_for_provider == 0 or billing is None:
            billing = Provider(
                last_or_org_name=rng.choice(_PRACTICE),
                entity_type="2",
                npi=make_npi(rng),
                tax_id=f"{rng.randrange(10, 99)}{rng.randrange(1000000, 9999999)}",
                taxonomy=rng.choice(_TAXONOMIES),
                address=_address(rng),
            )
            claims_left_for_provider = rng.randrange(20, 200)
            claims_left_for_subscriber = 0
        if claims_left_for_subscriber == 0 or subscriber is None:
            payer_name, payer_id = rng.choice(_PAYERS)
            subscriber = Subscriber(
                member_id=f"PM{rng.randrange(10**8, 10**9)}",
                last_name=rng.choice(_LAST),
                first_name=rng.choice(_FIRST),
                payer=Payer(payer_name, payer_id),
                birth_date=as_of - timedelta(days=rng.randrange(20 * 365, 80 * 365)),
                sex=rng.choice("FM"),
                address=_address(rng),
                group_number=f"GRP{rng.randrange(1000, 9999)}",
                claim_filing_indicator="CI",
            )
            patient = None
            if rng.random() < 0.2:
                patient = Patient(
                    relationship=rng.choice(("01", "19")),
                    last_name=subscriber.last_name,
                    first_name=rng.choice(_FIRST),
                    birth_date=as_of - timedelta(days=rng.randrange(365, 17 * 365)),
                    sex=rng.choice("FM"),
                    address=subscriber.address,
                )
            claims_left_for_subscriber = rng.randrange(1, 4)
        diagnoses = [Diagnosis("ABK", rng.choice(_DIAGNOSES))]
        for code in rng.sample(_DIAGNOSES, rng.randrange(0, 4)):
            if code != diagnoses[0].code:
                diagnoses.append(Diagnosis("ABF", code))
        service_date = as_of - timedelta(days=rng.randrange(1, 90))
        lines: list[ServiceLine] = []
        for number in range(1, rng.randrange(1, 5) + 1):
            code, charge = rng.choice(_PROCEDURES)
            units = Decimal(rng.choice((1, 1, 1, 2)))
            lines.append(
                ServiceLine(
                    number=number,
                    procedure_code=code,
                    modifiers=("25",)
                    if code.startswith("992") and number == 1 and n % 7 == 0
                    else (),
                    charge=Decimal(charge) * units,
                    units=units,
                    diagnosis_pointers=tuple(range(1, min(len(diagnoses), 4) + 1)),
                    service_date=service_date,
                    line_item_control_number=f"{n:07d}L{number}",
                )
            )
        yield Claim(
            patient_account_number=f"PA{seed % 1000:03d}{n:09d}",
            total_charge=sum((ln.charge for ln in lines), Decimal(0)),
            facility_code="11",
            frequency_code="1",
            kind=ClaimKind.PROFESSIONAL,
            diagnoses=diagnoses,
            lines=lines,
            billing_provider=billing,
            subscriber=subscriber,
            patient=patient,
            dates={"431": (service_date - timedelta(days=rng.randrange(0, 30)), None)},
        )
        claims_left_for_provider -= 1
        claims_left_for_subscriber -= 1


def write_synthetic_837p(
    out: TextIO,
    *,
    claims: int,
    seed: int = 7,
    envelope: Envelope | None = None,
    claims_per_transaction: int = 5000,
) -> int:
    """Write a deterministic ``claims``-claim 837P interchange to ``out``."""
    env = envelope or Envelope(
        sender_id="PORTICOSYNTH",
        receiver_id="PORTICO",
        interchange_control_number=seed % 999_999_999 or 1,
        group_control_number=1,
        created=datetime(2024, 6, 3, 9, 30),
        usage_indicator="T",
    )
    return write_837(
        synthetic_claims(claims, seed, as_of=env.created.date()),
        out,
        env,
        submitter=Party(
            name="Portico Synthetic Submitter",
            identifier="PORTICOSYNTH",
            contact_name="EDI Desk",
            contact_phone="5555550100",
        ),
        receiver=Party(name="Portico Health Plan", identifier="PORTICO"),
        kind=ClaimKind.PROFESSIONAL,
        reference=f"SYN{seed}",
        claims_per_transaction=claims_per_transaction,
    )
