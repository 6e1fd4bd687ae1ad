from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate

# The Help Center's questions and answers are edited in the Django admin by access
# administrators (the role that answers providers' access questions).
HELP_CENTER_MODELS = ("faqtopic", "faqentry")


def grant_help_center_editing(
    sender: Any, using: str = DEFAULT_DB_ALIAS, apps: Any = global_apps, **kwargs: Any
) -> None:
    """After every migrate: the access administrators' group holds the Help Center's model
    permissions (auth creates the permissions just before, for the same app)."""
    from portico.identity.roles import StaffRole

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = list(
        permission_model.objects.using(using).filter(
            content_type__app_label="connect", content_type__model__in=HELP_CENTER_MODELS
        )
    )
    if permissions:
        group, _ = group_model.objects.using(using).get_or_create(name=StaffRole.ACCESS_ADMIN)
        group.permissions.add(*permissions)


class ConnectConfig(AppConfig):
    name = "portico.connect"
    label = "connect"
    verbose_name = "Connect (portal hub)"

    def ready(self) -> None:
        from portico.core import storage_sweep

        # Orphan sweep (core/storage_sweep.py): signed access forms uploaded by the portal and
        # staff views; organizations registers the column recording their keys.
        storage_sweep.register_stored_files(prefixes=["access-forms"])
        post_migrate.connect(grant_help_center_editing, sender=self)
