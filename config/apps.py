from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package as an app: it registers the start-up checks (config/checks.py)."""

    name = "config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from config import checks

        checks.register()
