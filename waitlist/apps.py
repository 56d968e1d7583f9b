from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "候补 Waiting list"

    def ready(self) -> None:
        from booking import hooks, signals
        from waitlist import gates, notifications, receivers

        # booking never imports this app: it announces freed places, the waiting list listens.
        signals.places_freed.connect(
            receivers.offer_freed_places, dispatch_uid="waitlist.offer_freed_places"
        )
        # Freed places go to the queue before anyone else (a direct booking is refused meanwhile).
        hooks.register_booking_gate(gates.waiting_list_first())
        notifications.register_senders()
