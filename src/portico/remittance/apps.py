"""Payments and remittance (835, EOB, reconciliation)."""

from django.apps import AppConfig


class RemittanceConfig(AppConfig):
    name = "portico.remittance"
    label = "remittance"
    verbose_name = "Payments and remittance (835, EOB, reconciliation)"

    def ready(self) -> None:
        from portico.claims.services.adjudication import AUDIT_ACTIONS as CLAIMS_STAFF_ACTIONS
        from portico.core import audit
        from portico.remittance.services import AUDIT_ACTIONS

        audit.register_actions(AUDIT_ACTIONS)
        # The claims back office's codes (claims/services/adjudication.py); registered here
        # until the claims app's ready() registers them itself.
        audit.register_actions(CLAIMS_STAFF_ACTIONS)
