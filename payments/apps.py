from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "支付 Payments"

    def ready(self) -> None:
        from payments import receivers

        receivers.connect()
