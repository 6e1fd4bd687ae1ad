from django.apps import AppConfig


class ConnectConfig(AppConfig):
    name = "portico.connect"
    label = "connect"
    verbose_name = "Connect (portal hub)"
