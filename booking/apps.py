from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "预约 Booking"

    def ready(self) -> None:
        from booking import notifications, payments
        from events import notifications as event_notifications

        # The outbox (common.notices) sends booking confirmations through this app's sender.
        notifications.register_senders()
        # The events app sends the waiting-list promotion notices; a promotion to a held place
        # on a paid event tells the resident to pay with the payment code's message. This line
        # goes with booking/payments.py to the payments app.
        event_notifications.use_payment_due_message(payments.payment_due_message)
