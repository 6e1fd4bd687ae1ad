"""Letters and generated documents."""

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "portico.documents"
    label = "documents"
    verbose_name = "Letters and generated documents"

    def ready(self) -> None:
        from portico.core import audit, storage_sweep

        audit.register_actions(
            {
                "portico.document.created": "created a letter or document",
                "portico.document.downloaded": "downloaded a letter",
                "portico.document.downloaded_by_staff": "downloaded a letter (staff)",
                "portico.document.printed": "printed a letter for mailing",
                "portico.document.mailed": "mailed a letter",
                "portico.document.expired": "ended a letter's availability (retention)",
            }
        )
        # Orphan sweep (core/storage_sweep.py): PDFs whose Document row never committed.
        storage_sweep.register_stored_files(
            prefixes=["documents"], key_fields=["documents.Document.storage_key"]
        )
