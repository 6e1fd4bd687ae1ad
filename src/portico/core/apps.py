from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portico.core"
    label = "core"
    verbose_name = "Portico core"

    def ready(self) -> None:
        from portico.core import audit

        audit.register_actions(
            {
                "portico.outbox.cleared": "cleared the development outbox",
                "portico.audit.viewed": "searched the audit trail",
                "portico.audit.exported": "exported audit events (CSV)",
                "portico.audit.archived": "archived audit events past retention",
                "portico.backup.restored": "restored the database and files from a backup",
            }
        )
