"""The waiting list's booking gate (booking.hooks): places freed on a slot go to the waiting
list before anyone else.

A cancellation frees places and commits; the offer to the first in line follows after that
commit (`booking.signals.places_freed`, or the sweep if the signal was lost). Without this gate
a direct booking made in between took the freed place (8 of 10 in the race test): the queue
would get places only when nobody else was quick. The gate refuses a direct booking of a slot
while a waiting party fits in its free places; those places are about to be offered. Where no
waiting party fits, everyone may book as before.
"""

import datetime as dt

from django.db.models import Subquery

from booking.models import Slot
from waitlist.exceptions import WaitlistFirstError
from waitlist.models import WaitlistEntry


def waiting_list_first(slot_id: int, now: dt.datetime) -> None:
    """booking.hooks gate. Raises WaitlistFirstError while a waiting party fits the free places."""
    free = Slot.objects.filter(pk=slot_id).values("remaining")
    if (
        WaitlistEntry.objects.filter(slot_id=slot_id, status=WaitlistEntry.Status.WAITING)
        .filter(places__lte=Subquery(free[:1]))
        .exists()
    ):
        raise WaitlistFirstError()
