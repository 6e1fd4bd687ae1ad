"""Prior authorization portal."""

from django.apps import AppConfig


class PriorauthConfig(AppConfig):
    name = "portico.priorauth"
    label = "priorauth"
    verbose_name = "Prior authorization portal"

    def ready(self) -> None:
        from portico.core import audit, storage_sweep

        audit.register_actions(
            {
                "portico.priorauth.draft_saved": "saved a prior-authorization draft",
                "portico.priorauth.draft_deleted": "deleted a prior-authorization draft",
                "portico.priorauth.submitted": "submitted a prior-authorization request",
                "portico.priorauth.viewed": "viewed a prior-authorization request",
                "portico.priorauth.viewed_by_staff": "viewed a prior-authorization request (UM)",
                "portico.priorauth.legacy_viewed": "viewed a legacy prior-authorization case",
                "portico.priorauth.listed": "listed prior-authorization requests",
                "portico.priorauth.listed_by_staff": "listed prior-authorization requests (UM)",
                "portico.priorauth.legacy_listed": "listed legacy prior-authorization cases",
                "portico.priorauth.attachment_added": "attached a file to a prior authorization",
                "portico.priorauth.attachment_downloaded": "downloaded a prior-authorization file",
                "portico.priorauth.responded": "answered a prior-authorization send back",
                "portico.priorauth.assigned": "assigned a prior-authorization request",
                "portico.priorauth.review_started": "started reviewing a prior authorization",
                "portico.priorauth.sent_back": "sent a prior authorization back for information",
                "portico.priorauth.pended": "pended a prior-authorization request",
                "portico.priorauth.withdrawn": "administratively withdrew a prior authorization",
                "portico.priorauth.decided": "decided a prior-authorization request",
                "portico.priorauth.legacy_imported": "imported legacy prior-authorization cases",
            }
        )
        # Orphan sweep (core/storage_sweep.py): request attachments whose row never committed.
        storage_sweep.register_stored_files(
            prefixes=["priorauth"], key_fields=["priorauth.RequestAttachment.storage_key"]
        )
