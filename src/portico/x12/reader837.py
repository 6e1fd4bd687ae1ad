"""Streaming reader for 837P (005010X222A1) and 837I (005010X223A2/A3) claim files.

One pass over the file, in constant memory: segments come from the chunked tokenizer, the
envelope validator sees every segment (so the 999 is ready when iteration ends), and claims are
yielded one at a time as soon as the next claim, hierarchical level or SE begins. A claim
carries references to its billing provider, subscriber and patient context objects, which are
shared by the claims of the same hierarchical level and dropped when the level ends.

Each claim carries its own :class:`~portico.x12.models837.ClaimIssue` list (missing required
elements, bad dates, service lines not summing to CLM02, invalid NPIs, diagnosis pointers that
point nowhere...) so that a 277CA can reject one claim and accept the rest. Structural problems
that make a transaction set unreadable go to the 999 result instead (``reader.validation``).

Claims are yielded *before* their transaction set's SE is seen. A consumer must therefore stage
the claims of each transaction set and keep only those whose set is accepted; use
``reader.validation.accepted_sets()`` with ``claim.transaction`` control numbers after the loop.

Hand-written because no maintained library streams 837s: pyx12 validates against its maps at
roughly a hundredth of this speed and offers no typed claim model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import IO

from portico.x12.errors import ElementErrorCode, SegmentErrorCode, X12Error, X12SyntaxError
from portico.x12.models837 import (
    Address,
    Attachment,
    Claim,
    ClaimIssue,
    ClaimKind,
    Diagnosis,
    Party,
    Patient,
    Payer,
    Provider,
    ServiceLine,
    Subscriber,
    TransactionInfo,
)
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.validation import (
    ElementError,
    EnvelopeValidator,
    SegmentError,
    ValidationResult,
)

__all__ = ["Claim837Reader", "is_valid_npi", "parse_amount", "parse_d8", "read_837"]

_AMOUNT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_ICD10 = re.compile(r"[A-TV-Z][0-9][0-9A-Z][0-9A-Z]{0,4}\Z")
_HCPCS = re.compile(r"[A-Z0-9]{5}\Z")
_REVENUE = re.compile(r"[0-9]{4}\Z")
_MODIFIER = re.compile(r"[A-Z0-9]{2}\Z")
# Control characters are in neither X12 character set; NUL in a stored name or number is
# refused by PostgreSQL, which failed the whole file's processing.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIAGNOSIS_QUALIFIERS = {"ABK", "BK", "ABF", "BF", "ABJ", "BJ", "APR", "PR", "ABN", "BN"}
_PRINCIPAL = {"ABK", "BK"}
_POINTABLE = {"ABK", "BK", "ABF", "BF"}

# NM101 inside loop 2300 -> (837P loop, 837I loop, claim attribute)
_CLAIM_PROVIDER_LOOPS: dict[str, tuple[str, str, str]] = {
    "DN": ("2310A", "2310F", "referring_provider"),
    "P3": ("2310A", "2310F", "referring_provider"),
    "82": ("2310B", "2310D", "rendering_provider"),
    "77": ("2310C", "2310E", "service_facility"),
    "DQ": ("2310D", "", "supervising_provider"),
    "71": ("", "2310A", "attending_provider"),
    "72": ("", "2310B", "operating_provider"),
    "ZZ": ("", "2310C", ""),
    "PW": ("2310E", "", ""),
    "45": ("2310F", "", ""),
}
_LINE_PROVIDER_LOOPS: dict[str, tuple[str, str]] = {
    "82": ("2420A", "2420C"),
    "QB": ("2420B", ""),
    "77": ("2420C", ""),
    "DQ": ("2420D", ""),
    "DK": ("2420E", ""),
    "DN": ("2420F", "2420D"),
    "P3": ("2420F", ""),
    "PW": ("2420G", ""),
    "45": ("2420H", ""),
    "72": ("", "2420A"),
    "ZZ": ("", "2420B"),
}
_OTHER_PAYER_LOOPS = {"IL": "2330A", "PR": "2330B"}


# The three parsers below are pure and their answers immutable; a file repeats the same dates,
# amounts and provider NPIs thousands of times, so each keeps its recent answers.
@lru_cache(maxsize=1024)
def parse_d8(value: str) -> date | None:
    """CCYYMMDD -> date, ``None`` when it is not a real calendar date."""
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def parse_amount(value: str) -> Decimal | None:
    """X12 R-type numeric -> Decimal, ``None`` when malformed (exponents are not X12)."""
    if not value or len(value) > 18 or not _AMOUNT.match(value):
        return None
    return Decimal(value)


TRACE_NUMBER_MAX = 50  # TRN02, Reference Identification: AN 1/50


def trace_number(seg: Segment) -> str:
    """TRN02 of a 276 or 278: what the answer echoes back, so it must fit the element (a
    partner's translator refuses a 277 or 278 response whose TRN02 is longer than 50)."""
    value = seg.get(2)
    if _CONTROL.search(value):
        raise X12Error(
            "the trace number (TRN02) holds a control character",
            segment_id="TRN",
            segment_position=seg.position,
            element_index=2,
            line=seg.line,
            element_code=ElementErrorCode.INVALID_CHARACTER,
            bad_value=_CONTROL.sub("", value)[:TRACE_NUMBER_MAX] or None,
        )
    if not value or len(value) > TRACE_NUMBER_MAX:
        raise X12Error(
            "the trace number (TRN02) is missing"
            if not value
            else f"the trace number (TRN02) is longer than {TRACE_NUMBER_MAX} characters",
            segment_id="TRN",
            segment_position=seg.position,
            element_index=2,
            line=seg.line,
            element_code=ElementErrorCode.REQUIRED_MISSING
            if not value
            else ElementErrorCode.TOO_LONG,
            bad_value=value[:TRACE_NUMBER_MAX] or None,
        )
    return value


def fits(value: Decimal, *, places: int, whole_digits: int) -> bool:
    """Whether an amount fits what the payer stores (cents up to 10 whole digits; units to
    3 places up to 6). The same rule as ``portico.core.decimals``, which x12 may not import."""
    return abs(value) < Decimal(10) ** whole_digits and value == value.quantize(
        Decimal(1).scaleb(-places)
    )


@lru_cache(maxsize=1024)
def is_valid_npi(npi: str) -> bool:
    """NPI check digit: Luhn over the 80840 card-issuer prefix plus the first nine digits."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        digit = int(ch)
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class Claim837Reader:
    """Iterate the claims of an 837 file; :attr:`validation` holds the envelope result."""

    def __init__(
        self,
        source: IO[str] | IO[bytes] | str | bytes,
        *,
        encoding: str = "utf-8",
        chunk_size: int = 1 << 16,
    ) -> None:
        self._segments = SegmentReader(source, encoding=encoding, chunk_size=chunk_size)
        self._validator = EnvelopeValidator()
        self._result: ValidationResult | None = None
        self._handlers: dict[str, Callable[[Segment], Claim | None]] = {
            "ISA": self._isa,
            "GS": self._gs,
            "ST": self._st,
            "BHT": self._bht,
            "NM1": self._nm1,
            "PER": self._per,
            "N3": self._n3,
            "N4": self._n4,
            "REF": self._ref,
            "PRV": self._prv,
            "HL": self._hl,
            "SBR": self._sbr,
            "PAT": self._pat,
            "DMG": self._dmg,
            "CLM": self._clm,
            "DTP": self._dtp,
            "CL1": self._cl1,
            "PWK": self._pwk,
            "NTE": self._nte,
            "HI": self._hi,
            "LX": self._lx,
            "SV1": self._sv1,
            "SV2": self._sv2,
            "SVD": self._svd,
            "LIN": self._lin,
            "LQ": self._lq,
            "SE": self._se,
        }
        self._reset_interchange()

    # -- state ------------------------------------------------------------------------------

    def _reset_interchange(self) -> None:
        self._icn = ""
        self._gcn = ""
        self._version = ""
        self._sender = ""
        self._receiver = ""
        self._reset_transaction()

    def _reset_transaction(self) -> None:
        self._txn: TransactionInfo | None = None
        self._in_837 = False
        self._level = ""  # "", "20", "22", "23"
        self._loop = "HEADER"
        self._target: object | None = None
        self._billing: Provider | None = None
        self._pay_to: Provider | None = None
        self._subscriber: Subscriber | None = None
        self._patient: Patient | None = None
        self._claim: Claim | None = None
        self._line: ServiceLine | None = None
        self._in_other_subscriber = False

    @property
    def validation(self) -> ValidationResult:
        """Envelope/structure result for the 999; complete once iteration has finished."""
        if self._result is None:
            return self._validator.result
        return self._result

    # -- iteration --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Claim]:
        handlers = self._handlers
        validator = self._validator
        try:
            for seg in self._segments:
                validator.feed(seg)
                if _CONTROL.search("".join(seg.elements)):
                    self._bad_characters(seg)
                    # The set is rejected, but its claims may already be on their way to the
                    # database in the same batch (and rolled back with the set): without the
                    # characters, as PostgreSQL refuses NUL in text.
                    seg.elements = [_CONTROL.sub("", value) for value in seg.elements]
                handler = handlers.get(seg.id)
                if handler is None:
                    self._other(seg)
                    continue
                done = handler(seg)
                if done is not None:
                    yield done
        except X12SyntaxError as exc:
            validator.fail(exc)
        # A claim still open here belongs to a transaction set without SE: it is rejected
        # by the 999 (IK502 = 2) and must not be yielded as if complete.
        self._result = validator.finish()

    # -- helpers ----------------------------------------------------------------------------

    def _pos(self, seg: Segment) -> int:
        return self._validator.position_in_set(seg)

    def _bad_characters(self, seg: Segment) -> None:
        """IK4 code 6 for each element holding a control character: the set is rejected."""
        self._validator.add_segment_error(
            SegmentError(
                seg.id,
                self._pos(seg),
                SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS,
                loop_id=self._loop if self._loop[:1].isdigit() else None,
                elements=[
                    _element_error(
                        index,
                        ElementErrorCode.INVALID_CHARACTER,
                        _CONTROL.sub("", value)[:30],
                    )
                    for index, value in enumerate(seg.elements[1:], start=1)
                    if _CONTROL.search(value)
                ][:10],
                line=seg.line,
            )
        )

    def _unexpected(self, seg: Segment, message: str) -> None:
        self._validator.add_segment_error(
            SegmentError(
                seg.id,
                self._pos(seg),
                SegmentErrorCode.UNEXPECTED_SEGMENT,
                loop_id=self._loop if self._loop[:1].isdigit() else None,
                message=message,
                line=seg.line,
            )
        )

    def _issue(
        self,
        seg: Segment,
        message: str,
        *,
        element: int | None = None,
        component: int | None = None,
        element_code: ElementErrorCode | None = None,
        status_code: str = "21",
        category: str = "A7",
        entity_code: str = "",
    ) -> None:
        claim = self._claim
        if claim is None:
            return
        claim.issues.append(
            ClaimIssue(
                message=message,
                segment_id=seg.id,
                position=self._pos(seg),
                element=element,
                component=component,
                element_code=element_code.value if element_code else None,
                status_code=status_code,
                category=category,
                entity_code=entity_code,
                loop_id=self._loop,
                line=seg.line,
            )
        )

    def _flush(self) -> Claim | None:
        claim = self._claim
        self._claim = None
        self._line = None
        self._in_other_subscriber = False
        if claim is not None:
            _check_claim(claim)
        return claim

    @staticmethod
    def _address(target: object) -> Address | None:
        return getattr(target, "address", None)

    # -- envelope ---------------------------------------------------------------------------

    def _isa(self, seg: Segment) -> Claim | None:
        self._reset_interchange()
        self._icn = seg.get(13)
        self._sender = seg.get(6).strip()
        self._receiver = seg.get(8).strip()
        return None

    def _gs(self, seg: Segment) -> Claim | None:
        self._gcn = seg.get(6)
        self._version = seg.get(8)
        return None

    def _st(self, seg: Segment) -> Claim | None:
        self._reset_transaction()
        self._in_837 = seg.get(1) == "837"
        self._txn = TransactionInfo(
            interchange_control_number=self._icn,
            group_control_number=self._gcn,
            transaction_control_number=seg.get(2),
            version=seg.get(3) or self._version,
            sender_id=self._sender,
            receiver_id=self._receiver,
        )
        return None

    def _se(self, seg: Segment) -> Claim | None:
        claim = self._flush()
        self._reset_transaction()
        return claim

    def _bht(self, seg: Segment) -> Claim | None:
        txn = self._txn
        if txn is None or not self._in_837:
            return None
        txn.purpose = seg.get(2)
        txn.reference = seg.get(3)
        txn.created = parse_d8(seg.get(4))
        txn.claim_or_encounter = seg.get(6)
        return None

    def _other(self, seg: Segment) -> None:
        """Segments the claim model does not use (CAS, AMT, OI, CRC, K3...): nothing to do.

        They are still counted and syntax-checked by the envelope validator.
        """

    # -- hierarchy --------------------------------------------------------------------------

    def _hl(self, seg: Segment) -> Claim | None:
        if not self._in_837:
            return None
        claim = self._flush()
        level = seg.get(3)
        self._level = level
        self._target = None
        if level == "20":
            self._loop = "2000A"
            self._billing = Provider(entity_code="85")
            self._pay_to = None
            self._subscriber = None
            self._patient = None
        elif level == "22":
            self._loop = "2000B"
            if self._billing is None:
                self._unexpected(seg, "subscriber level without a billing provider level")
            self._subscriber = Subscriber(member_id="", last_name="", payer=Payer("", ""))
            self._patient = None
        elif level == "23":
            self._loop = "2000C"
            if self._subscriber is None:
                self._unexpected(seg, "patient level without a subscriber level")
            self._patient = Patient(relationship="", last_name="")
        else:
            self._validator.add_segment_error(
                SegmentError(
                    "HL",
                    self._pos(seg),
                    SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS,
                    loop_id=self._loop,
                    elements=[_element_error(3, ElementErrorCode.INVALID_CODE_VALUE, level)],
                    line=seg.line,
                )
            )
        return claim

    def _sbr(self, seg: Segment) -> Claim | None:
        if not self._in_837:
            return None
        if self._claim is not None:
            self._loop = "2320"
            self._in_other_subscriber = True
            self._target = None
            return None
        sub = self._subscriber
        if sub is None or self._level != "22":
            self._unexpected(seg, "SBR outside a subscriber level")
            return None
        sub.payer_responsibility = seg.get(1)
        sub.relationship = seg.get(2)
        sub.group_number = seg.get(3)
        sub.group_name = seg.get(4)
        sub.insurance_type = seg.get(5)
        sub.claim_filing_indicator = seg.get(9)
        return None

    def _pat(self, seg: Segment) -> Claim | None:
        if self._patient is not None and self._level == "23":
            self._patient.relationship = seg.get(1)
        return None

    # -- names and addresses ----------------------------------------------------------------

    def _nm1(self, seg: Segment) -> Claim | None:
        if not self._in_837:
            return None
        code = seg.get(1)
        kind = self._txn.kind if self._txn else ClaimKind.PROFESSIONAL
        inst = kind is ClaimKind.INSTITUTIONAL
        if self._in_other_subscriber:
            self._loop = _OTHER_PAYER_LOOPS.get(code, "2330")
            self._target = None
            return None
        if self._line is not None:
            loops = _LINE_PROVIDER_LOOPS.get(code)
            loop = (loops[1] if inst else loops[0]) if loops else ""
            if not loop:
                self._unexpected(seg, f"NM1*{code} is not a service line provider")
                self._target = None
                return None
            self._loop = loop
            prov = _provider_from_nm1(seg)
            if code == "82":
                self._line.rendering_provider = prov
            self._target = prov
            return None
        if self._claim is not None:
            entry = _CLAIM_PROVIDER_LOOPS.get(code)
            loop = (entry[1] if inst else entry[0]) if entry else ""
            if not entry or not loop:
                self._unexpected(seg, f"NM1*{code} is not a claim provider")
                self._target = None
                return None
            self._loop = loop
            prov = _provider_from_nm1(seg)
            if entry[2]:
                setattr(self._claim, entry[2], prov)
            self._target = prov
            return None
        level = self._level
        txn = self._txn
        if level == "" and txn is not None and code in ("41", "40"):
            party = Party(
                name=seg.get(3),
                identifier=seg.get(9),
                first_name=seg.get(4),
                entity_type=seg.get(2),
            )
            if code == "41":
                self._loop, txn.submitter = "1000A", party
            else:
                self._loop, txn.receiver = "1000B", party
            self._target = party
        elif level == "20" and code == "85" and self._billing is not None:
            self._loop = "2010AA"
            prov = _provider_from_nm1(seg, self._billing)
            self._target = prov
        elif level == "20" and code in ("87", "PE"):
            self._loop = "2010AB" if code == "87" else "2010AC"
            self._pay_to = _provider_from_nm1(seg) if code == "87" else self._pay_to
            self._target = self._pay_to if code == "87" else None
        elif level == "22" and code == "IL" and self._subscriber is not None:
            self._loop = "2010BA"
            sub = self._subscriber
            sub.last_name = seg.get(3)
            sub.first_name = seg.get(4)
            sub.middle_name = seg.get(5)
            sub.suffix = seg.get(7)
            sub.entity_type = seg.get(2)
            sub.member_id = seg.get(9)
            self._target = sub
        elif level == "22" and code == "PR" and self._subscriber is not None:
            self._loop = "2010BB"
            payer = self._subscriber.payer
            payer.name = seg.get(3)
            payer.id_qualifier = seg.get(8)
            payer.payer_id = seg.get(9)
            self._target = payer
        elif level == "23" and code == "QC" and self._patient is not None:
            self._loop = "2010CA"
            pat = self._patient
            pat.last_name = seg.get(3)
            pat.first_name = seg.get(4)
            pat.middle_name = seg.get(5)
            pat.suffix = seg.get(7)
            self._target = pat
        else:
            self._unexpected(seg, f"NM1*{code} is not expected in loop {self._loop}")
            self._target = None
        return None

    def _per(self, seg: Segment) -> Claim | None:
        target = self._target
        if isinstance(target, Party):
            target.contact_name = seg.get(2)
            for qual_index in (3, 5, 7):
                qual, value = seg.get(qual_index), seg.get(qual_index + 1)
                if qual == "TE" and not target.contact_phone:
                    target.contact_phone = value
                elif qual == "EM" and not target.contact_email:
                    target.contact_email = value
        return None

    def _n3(self, seg: Segment) -> Claim | None:
        target = self._target
        if target is not None and hasattr(target, "address"):
            target.address = Address(line1=seg.get(1), line2=seg.get(2), city="")
        return None

    def _n4(self, seg: Segment) -> Claim | None:
        addr = self._address(self._target)
        if addr is not None:
            addr.city = seg.get(1)
            addr.state = seg.get(2)
            addr.postal_code = seg.get(3)
            addr.country_code = seg.get(4)
        return None

    def _prv(self, seg: Segment) -> Claim | None:
        target = self._target
        if self._loop == "2000A" and self._billing is not None:
            target = self._billing  # PRV*BI precedes the billing provider's NM1
        if isinstance(target, Provider):
            target.taxonomy = seg.get(3)
        return None

    def _dmg(self, seg: Segment) -> Claim | None:
        target = self._target
        if isinstance(target, Subscriber | Patient):
            raw = seg.get(2)
            born = parse_d8(raw)
            target.birth_date = born
            target.sex = seg.get(3)
            if born is None:
                self._validator.add_segment_error(
                    SegmentError(
                        "DMG",
                        self._pos(seg),
                        SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS,
                        loop_id=self._loop,
                        elements=[_element_error(2, ElementErrorCode.INVALID_DATE, raw)],
                        line=seg.line,
                    )
                )
        return None

    def _ref(self, seg: Segment) -> Claim | None:
        qual, value = seg.get(1), seg.get(2)
        loop = self._loop
        if self._line is not None and loop == "2400":
            if qual == "6R":
                self._line.line_item_control_number = value
            return None
        claim = self._claim
        if claim is not None and loop == "2300":
            if qual == "F8":
                claim.original_claim_number = value
            elif qual == "G1":
                claim.prior_authorization = value
            elif qual == "9F":
                claim.referral_number = value
            elif qual == "EA":
                claim.medical_record_number = value
            return None
        target = self._target
        if isinstance(target, Provider):
            if qual == "EI":
                target.tax_id = value
            elif qual == "SY":
                target.ssn = value
            else:
                target.secondary_ids[qual] = value
        return None

    # -- claim ------------------------------------------------------------------------------

    def _clm(self, seg: Segment) -> Claim | None:
        if not self._in_837:
            return None
        previous = self._flush()
        txn = self._txn
        kind = txn.kind if txn else ClaimKind.PROFESSIONAL
        if self._subscriber is None:
            self._unexpected(seg, "CLM outside a subscriber or patient level")
            return previous
        charge_raw = seg.get(2)
        charge = parse_amount(charge_raw)
        if charge is not None and not fits(charge, places=2, whole_digits=10):
            charge = None  # reported below as not an amount this payer accepts
        claim = Claim(
            patient_account_number=seg.get(1),
            total_charge=charge if charge is not None else Decimal(0),
            facility_code=seg.component(5, 1),
            frequency_code=seg.component(5, 3),
            kind=kind,
            provider_signature=seg.get(6),
            assignment=seg.get(7),
            benefits_assigned=seg.get(8),
            release_of_information=seg.get(9),
            related_causes=tuple(c for c in seg.components(11) if c),
            delay_reason=seg.get(20),
            billing_provider=self._billing,
            pay_to_provider=self._pay_to,
            subscriber=self._subscriber,
            patient=self._patient if self._level == "23" else None,
            transaction=txn,
            position=self._pos(seg),
            line=seg.line,
        )
        self._claim = claim
        self._loop = "2300"
        self._target = None
        acct = claim.patient_account_number
        if not acct:
            self._issue(
                seg,
                "patient account number (CLM01) is missing",
                element=1,
                element_code=ElementErrorCode.REQUIRED_MISSING,
                category="A6",
            )
        elif len(acct) > 20:
            self._issue(
                seg,
                "patient account number (CLM01) is longer than 20 characters",
                element=1,
                element_code=ElementErrorCode.TOO_LONG,
            )
        if charge is None:
            self._issue(
                seg,
                f"total claim charge (CLM02) {charge_raw!r} is not an amount in cents up to "
                "9999999999.99",
                element=2,
                element_code=ElementErrorCode.REQUIRED_MISSING
                if not charge_raw
                else ElementErrorCode.INVALID_CHARACTER,
                status_code="178",
            )
        if not claim.facility_code:
            self._issue(
                seg,
                "place of service / facility code (CLM05-1) is missing",
                element=5,
                component=1,
                element_code=ElementErrorCode.REQUIRED_MISSING,
                status_code="249",
                category="A6",
            )
        allowed = ("1", "7", "8") if kind is ClaimKind.PROFESSIONAL else tuple("0123456789")
        if claim.frequency_code not in allowed:
            self._issue(
                seg,
                f"claim frequency code (CLM05-3) {claim.frequency_code!r} is not valid",
                element=5,
                component=3,
                element_code=ElementErrorCode.INVALID_CODE_VALUE,
                status_code="535",
            )
        return previous

    def _dtp(self, seg: Segment) -> Claim | None:
        claim = self._claim
        if claim is None or self._in_other_subscriber:
            return None
        qual, fmt, raw = seg.get(1), seg.get(2), seg.get(3)
        start: date | None
        end: date | None = None
        if fmt == "RD8":
            first, _, last = raw.partition("-")
            start, end = parse_d8(first), parse_d8(last)
            ok = start is not None and end is not None and start <= end
        elif fmt == "D8":
            start = parse_d8(raw)
            ok = start is not None
        elif fmt in ("DT", "TM"):
            # admission date-time (CCYYMMDDHHMM) or discharge hour: dates only are modelled
            start = parse_d8(raw[:8]) if fmt == "DT" else None
            ok = fmt == "TM" or start is not None
            if fmt == "TM":
                return None
        else:
            start, ok = None, False
        if not ok or start is None:
            self._issue(
                seg,
                f"date {raw!r} (DTP*{qual}) is not a valid {fmt or 'date'}",
                element=3,
                element_code=ElementErrorCode.INVALID_DATE,
                status_code="187",
            )
            return None
        line = self._line
        if line is not None:
            if qual == "472":
                line.service_date, line.service_date_end = start, end
        else:
            claim.dates[qual] = (start, end)
        return None

    def _cl1(self, seg: Segment) -> Claim | None:
        if self._claim is not None:
            self._claim.admission_type = seg.get(1)
            self._claim.admission_source = seg.get(2)
            self._claim.patient_status = seg.get(3)
        return None

    def _pwk(self, seg: Segment) -> Claim | None:
        claim = self._claim
        if claim is None:
            return None
        att = Attachment(seg.get(1), seg.get(2), seg.get(6) if seg.get(5) == "AC" else "")
        if att.transmission_code in ("BM", "EL", "EM", "FT", "FX") and not att.control_number:
            self._issue(
                seg,
                "attachment sent separately but no attachment control number (PWK06)",
                element=6,
                element_code=ElementErrorCode.CONDITIONAL_REQUIRED_MISSING,
                category="A6",
            )
        if self._line is not None:
            if att.report_type != "CT":
                self._line.attachments.append(att)
        else:
            claim.attachments.append(att)
        return None

    def _nte(self, seg: Segment) -> Claim | None:
        if self._claim is not None and self._line is None:
            self._claim.note = seg.get(2)
        return None

    def _hi(self, seg: Segment) -> Claim | None:
        claim = self._claim
        if claim is None or self._line is not None:
            return None
        for index in range(1, len(seg.elements)):
            parts = seg.components(index)
            qual = parts[0]
            if qual not in _DIAGNOSIS_QUALIFIERS:
                continue
            code = parts[1] if len(parts) > 1 else ""
            poa = parts[8] if len(parts) > 8 else ""
            if not _ICD10.match(code):
                self._issue(
                    seg,
                    f"diagnosis code {code!r} is not an ICD-10-CM code (no decimal point)",
                    element=index,
                    component=2,
                    element_code=ElementErrorCode.INVALID_CODE_VALUE,
                    status_code="255",
                )
            claim.diagnoses.append(Diagnosis(qual, code, poa))
        return None

    # -- service lines ----------------------------------------------------------------------

    def _lx(self, seg: Segment) -> Claim | None:
        claim = self._claim
        if claim is None:
            if self._in_837:
                self._unexpected(seg, "LX outside a claim")
            return None
        self._in_other_subscriber = False
        number = seg.get(1)
        self._line = ServiceLine(
            number=int(number) if number.isdigit() else len(claim.lines) + 1,
            charge=Decimal(0),
            units=Decimal(0),
        )
        claim.lines.append(self._line)
        self._loop = "2400"
        self._target = None
        return None

    def _line_amounts(self, seg: Segment, line: ServiceLine, charge_i: int, units_i: int) -> None:
        charge_raw, units_raw = seg.get(charge_i), seg.get(units_i)
        charge, units = parse_amount(charge_raw), parse_amount(units_raw)
        if charge is not None and not fits(charge, places=2, whole_digits=10):
            charge = None
        if units is not None and not fits(units, places=3, whole_digits=6):
            units = None
        if charge is None or charge < 0:
            self._issue(
                seg,
                f"line {line.number} charge {charge_raw!r} is not an amount in cents up to "
                "9999999999.99",
                element=charge_i,
                element_code=ElementErrorCode.INVALID_CHARACTER,
                status_code="178",
            )
        else:
            line.charge = charge
        if units is None or units <= 0:
            self._issue(
                seg,
                f"line {line.number} units {units_raw!r} must be a positive number up to "
                "999999.999",
                element=units_i,
                element_code=ElementErrorCode.INVALID_CHARACTER,
            )
        else:
            line.units = units

    def _procedure(self, seg: Segment, line: ServiceLine, index: int) -> None:
        parts = seg.components(index)
        line.procedure_qualifier = parts[0]
        line.procedure_code = parts[1] if len(parts) > 1 else ""
        line.modifiers = tuple(m for m in parts[2:6] if m)
        line.description = parts[6] if len(parts) > 6 else ""
        if line.procedure_qualifier == "HC" and not _HCPCS.match(line.procedure_code):
            self._issue(
                seg,
                f"line {line.number} procedure code {line.procedure_code!r} is not CPT/HCPCS",
                element=index,
                component=2,
                element_code=ElementErrorCode.INVALID_CODE_VALUE,
                status_code="454",
            )
        for mod in line.modifiers:
            if not _MODIFIER.match(mod):
                self._issue(
                    seg,
                    f"line {line.number} modifier {mod!r} is not valid",
                    element=index,
                    element_code=ElementErrorCode.INVALID_CODE_VALUE,
                    status_code="454",
                )

    def _sv1(self, seg: Segment) -> Claim | None:
        line = self._line
        if line is None or self._loop != "2400":
            if self._in_837:
                self._unexpected(seg, "SV1 outside a service line")
            return None
        self._procedure(seg, line, 1)
        self._line_amounts(seg, line, 2, 4)
        line.unit_basis = seg.get(3)
        line.place_of_service = seg.get(5)
        line.emergency = seg.get(9) == "Y"
        pointers: list[int] = []
        for raw in seg.components(7):
            if not raw:
                continue
            if raw.isdigit() and 1 <= int(raw) <= 12:
                pointers.append(int(raw))
            else:
                self._issue(
                    seg,
                    f"line {line.number} diagnosis pointer {raw!r} is not 1-12",
                    element=7,
                    element_code=ElementErrorCode.INVALID_CODE_VALUE,
                    status_code="255",
                )
        line.diagnosis_pointers = tuple(pointers)
        return None

    def _sv2(self, seg: Segment) -> Claim | None:
        line = self._line
        if line is None or self._loop != "2400":
            if self._in_837:
                self._unexpected(seg, "SV2 outside a service line")
            return None
        line.revenue_code = seg.get(1)
        if not _REVENUE.match(line.revenue_code):
            self._issue(
                seg,
                f"line {line.number} revenue code {line.revenue_code!r} is not 4 digits",
                element=1,
                element_code=ElementErrorCode.INVALID_CODE_VALUE,
            )
        if seg.get(2):
            self._procedure(seg, line, 2)
        else:
            line.procedure_qualifier = ""
        self._line_amounts(seg, line, 3, 5)
        line.unit_basis = seg.get(4)
        return None

    def _svd(self, seg: Segment) -> Claim | None:
        self._loop = "2430"
        self._target = None
        return None

    def _lin(self, seg: Segment) -> Claim | None:
        self._loop = "2410"
        self._target = None
        return None

    def _lq(self, seg: Segment) -> Claim | None:
        self._loop = "2440"
        self._target = None
        return None


def _element_error(position: int, code: ElementErrorCode, value: str) -> ElementError:
    return ElementError(position, code, bad_value=value or None)


def _provider_from_nm1(seg: Segment, into: Provider | None = None) -> Provider:
    prov = into or Provider()
    prov.entity_code = seg.get(1)
    prov.entity_type = seg.get(2)
    prov.last_or_org_name = seg.get(3)
    prov.first_name = seg.get(4)
    prov.middle_name = seg.get(5)
    prov.suffix = seg.get(7)
    if seg.get(8) == "XX":
        prov.npi = seg.get(9)
    elif seg.get(9):
        prov.secondary_ids[seg.get(8)] = seg.get(9)
    return prov


def _claim_issue(
    claim: Claim,
    message: str,
    *,
    segment_id: str = "CLM",
    element: int | None = None,
    status_code: str = "21",
    category: str = "A7",
    entity_code: str = "",
    loop_id: str = "2300",
) -> None:
    claim.issues.append(
        ClaimIssue(
            message=message,
            segment_id=segment_id,
            position=claim.position,
            element=element,
            status_code=status_code,
            category=category,
            entity_code=entity_code,
            loop_id=loop_id,
            line=claim.line,
        )
    )


def _check_claim(claim: Claim) -> None:
    """Cross-field rules, run once the whole claim has been read."""
    billing = claim.billing_provider
    if billing is None or not billing.npi:
        _claim_issue(
            claim,
            "billing provider NPI (2010AA NM109) is missing",
            segment_id="NM1",
            status_code="562",
            category="A6",
            entity_code="85",
            loop_id="2010AA",
        )
    elif not is_valid_npi(billing.npi):
        _claim_issue(
            claim,
            f"billing provider NPI {billing.npi!r} fails the check digit",
            segment_id="NM1",
            status_code="562",
            entity_code="85",
            loop_id="2010AA",
        )
    if billing is not None and not (billing.tax_id or billing.ssn):
        _claim_issue(
            claim,
            "billing provider tax identification number (REF*EI) is missing",
            segment_id="REF",
            status_code="128",
            category="A6",
            entity_code="85",
            loop_id="2010AA",
        )
    for role, prov, entity in (
        ("rendering", claim.rendering_provider, "82"),
        ("referring", claim.referring_provider, "DN"),
        ("attending", claim.attending_provider, "71"),
    ):
        if prov is not None and prov.npi and not is_valid_npi(prov.npi):
            _claim_issue(
                claim,
                f"{role} provider NPI {prov.npi!r} fails the check digit",
                segment_id="NM1",
                status_code="562",
                entity_code=entity,
            )
    sub = claim.subscriber
    if sub is None or not sub.member_id:
        _claim_issue(
            claim,
            "subscriber member ID (2010BA NM109) is missing",
            segment_id="NM1",
            status_code="164",
            category="A6",
            entity_code="IL",
            loop_id="2010BA",
        )
    if sub is not None and not sub.payer.payer_id:
        _claim_issue(
            claim,
            "payer ID (2010BB NM109) is missing",
            segment_id="NM1",
            category="A6",
            entity_code="PR",
            loop_id="2010BB",
        )
    if claim.frequency_code in ("7", "8") and not claim.original_claim_number:
        _claim_issue(
            claim,
            "replacement or void claim without the original claim number (REF*F8)",
            segment_id="REF",
            status_code="464",
            category="A6",
        )
    if claim.principal_diagnosis is None:
        _claim_issue(
            claim,
            "no principal diagnosis (HI*ABK)",
            segment_id="HI",
            status_code="255",
            category="A6",
        )
    if claim.kind is ClaimKind.INSTITUTIONAL and claim.statement_period is None:
        _claim_issue(
            claim,
            "statement covers period (DTP*434) is missing",
            segment_id="DTP",
            status_code="187",
            category="A6",
        )
    if not claim.lines:
        _claim_issue(
            claim, "the claim has no service lines", segment_id="LX", category="A6", loop_id="2400"
        )
        return
    pointable = sum(1 for dx in claim.diagnoses if dx.qualifier in _POINTABLE)
    created = claim.transaction.created if claim.transaction else None
    for ln in claim.lines:
        if claim.kind is ClaimKind.PROFESSIONAL and not ln.diagnosis_pointers:
            _claim_issue(
                claim,
                f"line {ln.number} has no diagnosis pointer (SV107)",
                segment_id="SV1",
                element=7,
                status_code="255",
                category="A6",
                loop_id="2400",
            )
        for ptr in ln.diagnosis_pointers:
            if ptr > pointable:
                _claim_issue(
                    claim,
                    f"line {ln.number} points to diagnosis {ptr}, the claim has {pointable}",
                    segment_id="SV1",
                    element=7,
                    status_code="255",
                    loop_id="2400",
                )
        if ln.service_date is None and claim.kind is ClaimKind.PROFESSIONAL:
            _claim_issue(
                claim,
                f"line {ln.number} has no date of service (DTP*472)",
                segment_id="DTP",
                status_code="187",
                category="A6",
                loop_id="2400",
            )
        if created is not None and ln.service_date is not None and ln.service_date > created:
            _claim_issue(
                claim,
                f"line {ln.number} date of service is after the file was created",
                segment_id="DTP",
                status_code="187",
                loop_id="2400",
            )
    if claim.line_charge_total != claim.total_charge:
        _claim_issue(
            claim,
            f"service line charges total {claim.line_charge_total} but CLM02 is "
            f"{claim.total_charge}",
            element=2,
            status_code="400",
        )


def read_837(source: IO[str] | IO[bytes] | str | bytes) -> Iterator[Claim]:
    """Iterate the claims of an 837 (convenience; use the class to get the 999 result)."""
    return iter(Claim837Reader(source))
