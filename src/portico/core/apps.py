from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portico.core"
    label = "core"
    verbose_name = "Portico core"

    def ready(self) -> None:
        from portico.core import audit, storage_sweep

        audit.register_actions(
            {
                "portico.outbox.cleared": "cleared the development outbox",
                "portico.audit.viewed": "searched the audit trail",
                "portico.audit.exported": "exported audit events (CSV)",
                "portico.audit.archived": "archived audit events past retention",
                "portico.backup.restored": "restored the database and files from a backup",
                "portico.storage.swept": "deleted orphaned stored files (no record refers to them)",
            }
        )
        # Orphan sweep (core/storage_sweep.py): archives whose checkpoint never committed.
        storage_sweep.register_stored_files(
            prefixes=["audit-archive"], key_fields=["core.AuditCheckpoint.archive_key"]
        )
