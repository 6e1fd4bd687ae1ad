"""Payments and remittance (835, EOB, reconciliation)."""

from django.apps import AppConfig


class RemittanceConfig(AppConfig):
    name = "portico.remittance"
    label = "remittance"
    verbose_name = "Payments and remittance (835, EOB, reconciliation)"

    def ready(self) -> None:
        from portico.claims.services.adjudication import AUDIT_ACTIONS as CLAIMS_STAFF_ACTIONS
        from portico.core import audit, storage_sweep
        from portico.remittance.services import AUDIT_ACTIONS

        audit.register_actions(AUDIT_ACTIONS)
        # The claims back office's codes (claims/services/adjudication.py); registered here
        # until the claims app's ready() registers them itself.
        audit.register_actions(CLAIMS_STAFF_ACTIONS)
        # Orphan sweep (core/storage_sweep.py): 835 files of payment runs that rolled back.
        storage_sweep.register_stored_files(
            prefixes=["remittance/835"], key_fields=["remittance.Payment.file_key"]
        )
