from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "预约 Booking"

    def ready(self) -> None:
        from booking import notifications

        # The outbox (common.notices) sends booking confirmations through this app's sender.
        notifications.register_senders()
