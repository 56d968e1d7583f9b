"""A venue's booking policy, or the default one when the venue has none: the one place that says
what "no policy" means.

A venue without a `BookingPolicy` row books under the model's field defaults, except the unpaid
hold, whose default is `settings.BOOKING_HOLD_MINUTES` (the hold of paid event registrations
too). Every reader of a policy goes through `policy_for` or `or_default`, so that the pages, the
API, the services and the check-in gate agree on the same numbers.
"""

from typing import Any

from django.conf import settings

from venues.models import BookingPolicy, Venue


def default_policy(*, venue_id: Any = None) -> BookingPolicy:
    """An unsaved policy with the defaults, for a venue that has none (never saved)."""
    return BookingPolicy(venue_id=venue_id, hold_minutes=settings.BOOKING_HOLD_MINUTES)


def or_default(policy: BookingPolicy | None) -> BookingPolicy:
    """`policy`, or the default policy when there is none (a venue without a policy row)."""
    return policy if policy is not None else default_policy()


def policy_for(venue: Venue) -> BookingPolicy:
    """The venue's policy, or an unsaved default one when it has none.

    No query when the policy is already loaded (`select_related("policy")`, or
    `venue__policy` from a booking); one query otherwise. The default is not cached on the
    venue, so `venue.policy` still tells "no policy" (the API shows `null` then).
    """
    try:
        return venue.policy
    except BookingPolicy.DoesNotExist:
        return default_policy(venue_id=venue.pk)


def policy_of_venue_id(venue_id: int) -> BookingPolicy:
    """The policy of the venue with this id, or the default one: one query."""
    policy = BookingPolicy.objects.filter(venue_id=venue_id).first()
    return policy if policy is not None else default_policy(venue_id=venue_id)
