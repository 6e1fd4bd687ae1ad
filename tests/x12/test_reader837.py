"""837P/837I reader: typed claims, context, per-claim issues, streaming, round trip."""

from __future__ import annotations

import io
import random
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x12_helpers import fixture_text, make_envelope, pyx12_errors

from portico.x12 import Claim837Reader, ClaimKind, build_837, is_valid_npi, reader837
from portico.x12.models837 import Claim, Diagnosis, Party, ServiceLine
from portico.x12.synth import make_npi, synthetic_claims, write_synthetic_837p


def read(text: str) -> tuple[list[Claim], Claim837Reader]:
    reader = Claim837Reader(text)
    return list(reader), reader


def test_837p_commercial_example_is_read_into_typed_claims() -> None:
    claims, reader = read(fixture_text("837p_commercial.txt"))
    assert reader.validation.accepted
    assert len(claims) == 2
    first, second = claims
    txn = first.transaction
    assert txn is not None and txn.kind is ClaimKind.PROFESSIONAL
    assert txn.submitter is not None and txn.submitter.name == "PREMIER BILLING SERVICE"
    assert txn.submitter.contact_phone == "3055552222"
    assert txn.receiver is not None and txn.receiver.identifier == "66783JJT"
    assert (txn.reference, txn.created) == ("244579", date(2024, 3, 1))
    bp = first.billing_provider
    assert bp is not None
    assert (bp.npi, bp.tax_id, bp.taxonomy) == ("1234567893", "587654321", "203BF0100Y")
    assert bp.address is not None and bp.address.postal_code == "331110000"
    assert first.pay_to_provider is not None and first.pay_to_provider.address is not None
    sub = first.subscriber
    assert sub is not None
    assert (sub.member_id, sub.last_name, sub.birth_date, sub.sex) == (
        "JS00111223333", "SMITH", date(1943, 5, 1), "F",
    )  # fmt: skip
    assert (sub.payer.name, sub.payer.payer_id) == ("KEY INSURANCE COMPANY", "999996666")
    assert first.patient is not None and first.patient.first_name == "TED"
    assert first.patient.relationship == "19"
    assert (first.patient_account_number, first.total_charge) == ("26463774", Decimal("100"))
    assert (first.facility_code, first.frequency_code) == ("11", "1")
    assert first.prior_authorization == "PA13579"
    assert first.dates["431"] == (date(2024, 2, 10), None)
    assert [(d.qualifier, d.code) for d in first.diagnoses] == [("ABK", "J0390"), ("ABF", "Z23")]
    att = first.attachments[0]
    assert (att.report_type, att.transmission_code, att.control_number) == ("09", "FX", "DMN0012")
    assert first.rendering_provider is not None and first.rendering_provider.npi == "1987654328"
    assert len(first.lines) == 4
    line3 = first.lines[2]
    assert (line3.procedure_code, line3.modifiers, line3.charge) == ("99214", ("25",), Decimal(35))
    assert line3.diagnosis_pointers == (1, 2)
    assert first.lines[0].line_item_control_number == "L0001"
    assert (first.lines[3].service_date, first.lines[3].service_date_end) == (
        date(2024, 2, 10), date(2024, 2, 11),
    )  # fmt: skip
    assert first.issues == []
    # second claim: subscriber is the patient, replacement of an earlier claim
    assert second.patient is None and second.subscriber is not first.subscriber
    assert second.billing_provider is first.billing_provider
    assert (second.frequency_code, second.original_claim_number) == ("7", "PCN2024000123")
    assert second.referral_number == "REF8841"
    assert second.referring_provider is not None and second.referring_provider.npi == "1765432103"
    assert second.total_charge == Decimal("250.5") and second.issues == []


def test_837i_example_reads_institutional_fields() -> None:
    claims, reader = read(fixture_text("837i_inpatient.txt"))
    assert reader.validation.accepted
    (claim,) = claims
    assert claim.kind is ClaimKind.INSTITUTIONAL
    assert claim.type_of_bill == "0111"
    assert claim.statement_period == (date(2024, 2, 10), date(2024, 2, 12))
    assert (claim.admission_type, claim.admission_source, claim.patient_status) == ("3", "1", "01")
    assert claim.principal_diagnosis == Diagnosis("ABK", "J189", "Y")
    assert Diagnosis("ABJ", "R509") in claim.diagnoses
    assert claim.attending_provider is not None and claim.attending_provider.npi == "1432198764"
    assert [(ln.revenue_code, ln.procedure_code, ln.units) for ln in claim.lines] == [
        ("0305", "85025", Decimal(1)),
        ("0730", "93005", Decimal(3)),
    ]
    assert claim.issues == []


def _mutate(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_one_bad_claim_gets_issues_and_the_other_is_clean() -> None:
    text = fixture_text("837p_commercial.txt")
    text = _mutate(text, "SV1*HC:87070*15*UN", "SV1*HC:87070*16*UN")  # lines no longer sum
    text = _mutate(text, "DTP*472*D8*20240203~\nREF*6R", "DTP*472*D8*20240231~\nREF*6R")
    claims, reader = read(text)
    assert reader.validation.accepted  # envelope fine: business errors go to the 277CA
    bad, good = claims
    assert good.issues == []
    codes = {(i.status_code, i.segment_id) for i in bad.issues}
    assert ("400", "CLM") in codes  # out of balance
    assert ("187", "DTP") in codes  # invalid date
    date_issue = next(i for i in bad.issues if i.segment_id == "DTP")
    assert date_issue.element == 3 and date_issue.element_code == "8"
    assert date_issue.position == 35 and date_issue.loop_id == "2400"


def test_replacement_without_original_claim_number_and_bad_npi() -> None:
    text = fixture_text("837p_commercial.txt")
    text = _mutate(text, "REF*F8*PCN2024000123~\n", "")
    text = _mutate(text, "XX*1234567893", "XX*1234567890")
    claims, _ = read(text)
    assert {"464", "562"} <= {i.status_code for i in claims[1].issues}
    assert any(i.entity_code == "85" for i in claims[0].issues)


def test_pointer_to_missing_diagnosis_is_reported() -> None:
    text = _mutate(fixture_text("837p_commercial.txt"), "UN*1***2~", "UN*1***3~")
    claims, _ = read(text)
    assert any("points to diagnosis 3" in i.message for i in claims[0].issues)


def test_open_claim_of_truncated_set_is_not_yielded() -> None:
    text = fixture_text("837p_commercial.txt")
    cut = text[: text.index("LX*1~\nSV1*HC:97110")]
    claims, reader = read(cut)
    assert [c.patient_account_number for c in claims] == ["26463774"]
    assert not reader.validation.accepted
    assert reader.validation.accepted_sets() == set()


def test_npi_check_digit() -> None:
    assert is_valid_npi("1234567893")
    assert not is_valid_npi("1234567890")
    assert not is_valid_npi("12345")


def test_round_trip_837p_through_writer_and_pyx12() -> None:
    claims, _ = read(fixture_text("837p_commercial.txt"))
    txn = claims[0].transaction
    assert txn is not None and txn.submitter is not None and txn.receiver is not None
    text = build_837(claims, make_envelope(), submitter=txn.submitter, receiver=txn.receiver)
    assert pyx12_errors(text) == []
    again, reader = read(text)
    assert reader.validation.accepted
    assert _essence(again) == _essence(claims)


def test_round_trip_837i_through_writer_and_pyx12() -> None:
    claims, _ = read(fixture_text("837i_inpatient.txt"))
    txn = claims[0].transaction
    assert txn is not None and txn.submitter is not None and txn.receiver is not None
    text = build_837(
        claims, make_envelope(), submitter=txn.submitter, receiver=txn.receiver,
        kind=ClaimKind.INSTITUTIONAL,
    )  # fmt: skip
    assert pyx12_errors(text) == []
    again, _ = read(text)
    assert _essence(again) == _essence(claims)


def _essence(claims: list[Claim]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for c in claims:
        sub, pat, bp = c.subscriber, c.patient, c.billing_provider
        assert sub is not None and bp is not None
        out.append(
            (
                c.patient_account_number, c.total_charge, c.facility_code, c.frequency_code,
                c.original_claim_number, c.prior_authorization, c.referral_number,
                tuple((d.qualifier, d.code, d.present_on_admission) for d in c.diagnoses),
                tuple(
                    (a.report_type, a.transmission_code, a.control_number) for a in c.attachments
                ),
                tuple(sorted(c.dates.items())), c.admission_type, c.patient_status,
                bp.npi, bp.tax_id, sub.member_id, sub.payer.payer_id,
                # the guide forbids the subscriber's DMG when a patient level follows
                sub.birth_date if pat is None else None,
                (pat.last_name, pat.first_name, pat.birth_date) if pat else None,
                c.rendering_provider.npi if c.rendering_provider else None,
                c.referring_provider.npi if c.referring_provider else None,
                c.attending_provider.npi if c.attending_provider else None,
                tuple(
                    (ln.procedure_code, ln.modifiers, ln.revenue_code, ln.charge, ln.units,
                     ln.diagnosis_pointers, ln.service_date, ln.service_date_end,
                     ln.line_item_control_number)
                    for ln in c.lines
                ),
            )
        )  # fmt: skip
    return out


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["99213", "99214", "36415", "G0439", "97110"]),
            amounts,
            st.integers(1, 99),
            st.lists(st.sampled_from(["25", "59", "GP", "LT"]), max_size=4, unique=True),
        ),
        min_size=1,
        max_size=6,
    ),
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=20),
    st.dates(min_value=date(2015, 1, 1), max_value=date(2024, 1, 31)),
)
def test_property_837p_round_trip(
    lines: list[tuple[str, Decimal, int, list[str]]], account: str, service_date: date
) -> None:
    template = next(synthetic_claims(1, 11, as_of=date(2024, 2, 1)))
    template.patient_account_number = account
    template.lines = [
        ServiceLine(
            number=i, procedure_code=code, charge=charge, units=Decimal(units),
            modifiers=tuple(mods), diagnosis_pointers=(1,), service_date=service_date,
        )
        for i, (code, charge, units, mods) in enumerate(lines, start=1)
    ]  # fmt: skip
    template.total_charge = sum((ln.charge for ln in template.lines), Decimal(0))
    text = build_837(
        [template], make_envelope(),
        submitter=_party("S1"), receiver=_party("R1"),
    )  # fmt: skip
    (again,) = list(Claim837Reader(text))
    assert again.issues == []
    assert _essence([again]) == _essence([template])


def _party(ident: str) -> Party:
    return Party(name=f"PARTY {ident}", identifier=ident, contact_phone="5555550100")


def test_synthetic_file_is_deterministic_valid_and_streams() -> None:
    a, b = io.StringIO(), io.StringIO()
    assert write_synthetic_837p(a, claims=40, seed=5) == 40
    write_synthetic_837p(b, claims=40, seed=5)
    assert a.getvalue() == b.getvalue()
    assert pyx12_errors(a.getvalue()) == []
    claims, reader = read(a.getvalue())
    assert len(claims) == 40 and reader.validation.accepted
    assert all(c.issues == [] for c in claims)
    assert all(is_valid_npi(c.billing_provider.npi) for c in claims if c.billing_provider)


def test_reader_memory_is_flat_for_large_files(monkeypatch: pytest.MonkeyPatch) -> None:
    def data(n: int) -> io.BytesIO:
        buf = io.StringIO()
        write_synthetic_837p(buf, claims=n, seed=2, claims_per_transaction=500)
        return io.BytesIO(buf.getvalue().encode())

    def peak(n: int) -> int:
        file = data(n)
        tracemalloc.start()
        count = sum(1 for _ in Claim837Reader(file))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == n
        return top

    # The reader's parse caches (dates, amounts, NPIs) hold a fixed number of answers; they are
    # left out here so that what is compared is what could grow with the file.
    for name in ("parse_d8", "parse_amount", "is_valid_npi"):
        cached = getattr(reader837, name)
        assert cached.cache_info().maxsize <= 1024
        monkeypatch.setattr(reader837, name, cached.__wrapped__)
    small, large = peak(200), peak(4000)
    assert large < small * 2  # 20x the claims, not 20x the memory


def test_make_npi_is_luhn_valid() -> None:
    rng = random.Random(1)
    assert all(is_valid_npi(make_npi(rng)) for _ in range(200))
