"""Claims Online Portal."""

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "portico.claims"
    label = "claims"
    verbose_name = "Claims Online Portal"

    def ready(self) -> None:
        from portico.claims.services.intake import interchange_control_number
        from portico.core import audit, storage_sweep
        from portico.core.interchange import register_control_number_allocator

        register_control_number_allocator(interchange_control_number)

        audit.register_actions(
            {
                "portico.claim.draft_saved": "saved a claim draft",
                "portico.claim.draft_updated": "updated a claim draft",
                "portico.claim.draft_deleted": "deleted a claim draft",
                "portico.claim.submitted": "submitted a claim",
                "portico.claim.status_changed": "changed a claim's status",
                "portico.claim.viewed": "viewed a claim",
                "portico.claim.searched": "searched claims",
                "portico.claim.attachment_added": "attached a file to a claim",
                "portico.claim.attachment_unsolicited": "sent an unsolicited claim attachment",
                "portico.claim.attachment_downloaded": "downloaded a claim attachment",
                "portico.claim.status_inquiry": "asked for claim status (276)",
                "portico.claim_file.uploaded": "uploaded an 837 claim file",
                "portico.claim_file.processed": "processed an 837 claim file",
                "portico.claim_file.viewed": "viewed an 837 claim file's results",
                "portico.claim_file.ack_downloaded": "downloaded a 999/277CA acknowledgment",
                "portico.appeal.filed": "filed an appeal",
                "portico.appeal.viewed": "viewed an appeal",
                "portico.appeal.status_changed": "changed an appeal's status",
                "portico.appeal.attachment_added": "attached a file to an appeal",
                "portico.appeal.attachment_downloaded": "downloaded an appeal attachment",
            }
        )
        # Orphan sweep (core/storage_sweep.py): 837 files and their 277CAs, claim and appeal
        # attachments.
        storage_sweep.register_stored_files(
            prefixes=["claims/x12", "claims/acks", "claims-attachments", "claims-appeals"],
            key_fields=[
                "claims.ClaimSubmissionFile.file_key",
                "claims.ClaimSubmissionFile.ack_277ca_key",
                "claims.ClaimAttachment.file_key",
                "claims.AppealAttachment.file_key",
            ],
        )
