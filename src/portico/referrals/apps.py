"""Referrals Portal."""

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "portico.referrals"
    label = "referrals"
    verbose_name = "Referrals Portal"

    def ready(self) -> None:
        from portico.core import audit, storage_sweep

        # Orphan sweep (core/storage_sweep.py): attachments whose row never committed.
        storage_sweep.register_stored_files(
            prefixes=["referrals"], key_fields=["referrals.ReferralAttachment.storage_key"]
        )

        audit.register_actions(
            {
                "portico.referrals.submitted": "submitted a referral",
                "portico.referrals.status_changed": "changed a referral's status",
                "portico.referrals.viewed": "viewed a referral",
                "portico.referrals.viewed_by_staff": "viewed a referral (reviewer)",
                "portico.referrals.listed": "listed referrals",
                "portico.referrals.listed_by_staff": "listed referrals (reviewer)",
                "portico.referrals.print_viewed": "printed a referral",
                "portico.referrals.x12_viewed": "downloaded a referral's X12 278",
                "portico.referrals.x12_received": "received an X12 278 referral request",
                "portico.referrals.attachment_added": "attached a file to a referral",
                "portico.referrals.attachment_downloaded": "downloaded a referral file",
                "portico.referrals.use_recorded": "counted a claim's visits against a referral",
                "portico.referrals.use_released": "released a claim's visits from a referral",
            }
        )
