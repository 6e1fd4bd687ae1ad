"""Portico's pure-Python X12 5010 toolkit (no Django, no other portico imports).

* :mod:`~portico.x12.tokenizer` - streaming segment reader with delimiter detection
* :mod:`~portico.x12.validation` - envelope/control-number validation (999/TA1 model)
* :mod:`~portico.x12.reader837` / :mod:`~portico.x12.writer837` - 837P and 837I
* :mod:`~portico.x12.ack999` - 999 and TA1; :mod:`~portico.x12.ack277ca` - 277CA
* :mod:`~portico.x12.remit835` - 835; :mod:`~portico.x12.status276` - 276/277
* :mod:`~portico.x12.auth278` - 278 request/response; :mod:`~portico.x12.synth` - test files
"""

from portico.x12.ack277ca import (
    ClaimAcknowledgment,
    ClaimsAcknowledgment,
    ClaimStatus,
    ProviderAcknowledgment,
    acknowledgment_from_claims,
    build_277ca,
    write_277ca,
)
from portico.x12.ack999 import ExpectedGroup, build_999, build_ta1, write_999, write_ta1
from portico.x12.auth278 import (
    AuthParty,
    Decision,
    ReviewAction,
    ReviewedService,
    ServiceReview,
    build_278,
    read_278,
    write_278,
)
from portico.x12.errors import (
    AckCode,
    ElementErrorCode,
    GroupErrorCode,
    InterchangeNoteCode,
    SegmentErrorCode,
    TransactionSetErrorCode,
    X12BalanceError,
    X12Error,
    X12SyntaxError,
    X12WriteError,
)
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
from portico.x12.reader837 import Claim837Reader, is_valid_npi, read_837
from portico.x12.remit835 import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    build_835,
    write_835,
)
from portico.x12.status276 import (
    ClaimStatusRequest,
    ClaimStatusResponse,
    Dependent,
    StatusInquiry,
    StatusResult,
    build_276,
    build_277,
    read_claim_status,
    write_276,
    write_277,
)
from portico.x12.tokenizer import Delimiters, Segment, SegmentReader, iter_segments
from portico.x12.validation import (
    EnvelopeValidator,
    ValidationResult,
    reject_for_reader_error,
    validate_envelope,
)
from portico.x12.writer import Envelope
from portico.x12.writer837 import build_837, write_837

__all__ = [
    "AckCode", "Address", "Adjustment", "Attachment", "AuthParty", "Claim", "Claim837Reader",
    "ClaimAcknowledgment", "ClaimIssue", "ClaimKind", "ClaimPayment", "ClaimStatus",
    "ClaimStatusRequest", "ClaimStatusResponse", "ClaimsAcknowledgment", "Decision",
    "Delimiters", "Dependent", "Diagnosis", "ElementErrorCode", "Envelope", "EnvelopeValidator",
    "ExpectedGroup", "GroupErrorCode", "InterchangeNoteCode", "Party", "Patient", "Payer",
    "Provider", "ProviderAcknowledgment", "ProviderAdjustment", "Remittance", "ReviewAction",
    "ReviewedService", "Segment", "SegmentErrorCode", "SegmentReader", "ServiceLine",
    "ServicePayment", "ServiceReview", "StatusInquiry", "StatusResult", "Subscriber",
    "TransactionInfo", "TransactionSetErrorCode", "ValidationResult", "X12BalanceError",
    "X12Error", "X12SyntaxError", "X12WriteError", "acknowledgment_from_claims", "build_276",
    "build_277", "build_277ca", "build_278", "build_835", "build_837", "build_999", "build_ta1",
    "is_valid_npi", "iter_segments", "read_278", "read_837", "read_claim_status",
    "reject_for_reader_error", "validate_envelope", "write_276", "write_277", "write_277ca",
    "write_278", "write_835", "write_837", "write_999", "write_ta1",
]  # fmt: skip
