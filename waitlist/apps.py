from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "候补 Waiting list"

    def ready(self) -> None:
        from booking import signals
        from waitlist import notifications, receivers

        # booking never imports this app: it announces freed places, the waiting list listens.
        signals.places_freed.connect(
            receivers.offer_freed_places, dispatch_uid="waitlist.offer_freed_places"
        )
        notifications.register_senders()
