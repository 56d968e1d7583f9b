"""Signals the booking app sends, one definition each (a flat list: apps add theirs here).

booking imports no app that depends on it; those apps subscribe to these signals in their
`AppConfig.ready()` instead. Every signal here is sent after the transaction that caused it has
committed (`transaction.on_commit`), with `send_robust`: a receiver's failure is logged and
never undoes or fails the booking change.
"""

from django.dispatch import Signal

# Places went back to a slot (a cancellation, an expired or released hold, a released no-show).
# Arguments: slot_id (int), count (int: places given back). The waiting list offers them.
places_freed = Signal()
