from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "活动 Events"

    def ready(self) -> None:
        from events import notifications

        # The outbox (common.notices) sends waiting-list promotion notices through this app's
        # sender.
        notifications.register_senders()
