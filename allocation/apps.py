from django.apps import AppConfig


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = "抽签 Ballots"

    def ready(self) -> None:
        from allocation import gates, notifications
        from booking import hooks

        # booking never imports this app: it asks the registered gate and allocator instead.
        hooks.register_booking_gate(gates.refuse_ballot_slot())
        hooks.register_slot_allocator(gates.BALLOT, gates.holding_round)
        notifications.register_senders()
