from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "portico.members"
    label = "members"
    verbose_name = "Health plans and members"

    def ready(self) -> None:
        from portico.core.audit import register_actions

        register_actions(
            {
                "portico.provider_file.imported": "imported a plan's provider file",
                "portico.practice_provider.password_failed": (
                    "entered a wrong Provider ID password"
                ),
            }
        )
