"""Application configuration for the code-set app."""

from django.apps import AppConfig


class CodesConfig(AppConfig):
    """Registers the ``codes`` app; the label is what migrations and foreign keys name."""

    name = "portico.codes"
    label = "codes"
    verbose_name = "Code sets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # audit imports core's models, which cannot be imported before the app registry is ready.
        from portico.core.audit import register_actions

        register_actions({"portico.codes.loaded": "loaded the code sets"})
