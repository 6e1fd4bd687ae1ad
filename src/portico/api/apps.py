from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portico.api"
    label = "api"
    verbose_name = "REST API and FHIR endpoints"

    def ready(self) -> None:
        from portico.core import audit

        audit.register_actions(
            {
                "portico.api.client_bound": "registered a system API client for an organisation",
                "portico.api.client_unbound": "removed a system API client",
            }
        )
