"""Writes of the Claims Online Portal (one module per concern; import from here)."""

from portico.claims.services.appeals import (
    MAX_APPEAL_ATTACHMENTS,
    appeal_attachment_add,
    appeal_attachment_download_record,
    appeal_file,
    appeal_may_be_filed,
    appeal_withdraw,
)
from portico.claims.services.attachments import (
    attachment_download_record,
    attachment_unsolicited_add,
    claim_attachment_add,
    claim_for_control_number,
)
from portico.claims.services.common import (
    ClaimError,
    StaleObjectError,
    appeal_status_change,
    claim_status_change,
    numbers_allocate,
)
from portico.claims.services.inquiry import InquiryError, claim_status_inquiry_x12
from portico.claims.services.intake import claim_file_process
from portico.claims.services.submission import (
    ClaimInvalid,
    apply_frequency,
    claim_create,
    claim_draft_delete,
    claim_save_draft,
    claim_submit,
    claim_to_data,
    claim_validate,
)
from portico.claims.services.upload import claim_file_upload, x12_max_bytes
from portico.claims.services.validation import ClaimData, DiagnosisData, LineData

__all__ = [
    "MAX_APPEAL_ATTACHMENTS",
    "ClaimData",
    "ClaimError",
    "ClaimInvalid",
    "DiagnosisData",
    "InquiryError",
    "LineData",
    "StaleObjectError",
    "appeal_attachment_add",
    "appeal_attachment_download_record",
    "appeal_file",
    "appeal_may_be_filed",
    "appeal_status_change",
    "appeal_withdraw",
    "apply_frequency",
    "attachment_download_record",
    "attachment_unsolicited_add",
    "claim_attachment_add",
    "claim_create",
    "claim_draft_delete",
    "claim_file_process",
    "claim_file_upload",
    "claim_for_control_number",
    "claim_save_draft",
    "claim_status_change",
    "claim_status_inquiry_x12",
    "claim_submit",
    "claim_to_data",
    "claim_validate",
    "numbers_allocate",
    "x12_max_bytes",
]
