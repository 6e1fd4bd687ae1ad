from django.apps import AppConfig


class ConnectConfig(AppConfig):
    name = "portico.connect"
    label = "connect"
    verbose_name = "Connect (portal hub)"

    def ready(self) -> None:
        from portico.core import storage_sweep

        # Orphan sweep (core/storage_sweep.py): signed access forms uploaded by the portal and
        # staff views; organizations registers the column recording their keys.
        storage_sweep.register_stored_files(prefixes=["access-forms"])
