from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "portico.support"
    label = "support"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from portico.core import audit, storage_sweep

        audit.register_actions(
            {
                "portico.support.customer_user_created": "created a support customer user",
                "portico.support.customer_linked": "linked a Portico ID to a support customer user",
                "portico.support.customer_verified": "logged in to the support portal",
                "portico.support.customer_login_failed": "failed a support customer log-in",
                "portico.support.case_created": "opened a support case",
                "portico.support.case_viewed": "viewed a support case",
                "portico.support.case_viewed_by_staff": "viewed a support case (agent)",
                "portico.support.comment_added": "commented on a support case",
                "portico.support.internal_note_added": "added an internal note to a support case",
                "portico.support.attachment_added": "attached a file to a support case",
                "portico.support.attachment_downloaded": "downloaded a support case file",
                "portico.support.case_status_changed": "changed a support case's status",
                "portico.support.case_assigned": "assigned a support case",
                "portico.support.case_merged": "merged a duplicate support case",
            }
        )
        # Orphan sweep (core/storage_sweep.py): case attachments whose row never committed.
        storage_sweep.register_stored_files(
            prefixes=["support"], key_fields=["support.CaseAttachment.storage_key"]
        )
