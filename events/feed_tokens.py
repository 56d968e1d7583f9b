"""Personal calendar feed tokens: the secret in a resident's feed URL (/calendar/me/<token>.ics).

One token per user, made on first use; rotating it replaces the secret, so an old URL that
leaked stops working at once. Reading a feed by its token is a selector
(`events.selectors.get_feed_token_user`).
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from common import transactions
from events.models import CalendarFeedToken, new_feed_token

User = Any  # the project's user model instance


def get_or_create_feed_token(*, user: User) -> CalendarFeedToken:
    """Return the user's personal feed token, creating it on first use (one per user)."""
    token = CalendarFeedToken.objects.filter(user_id=user.pk).first()
    if token is not None:
        return token
    try:
        with transaction.atomic():
            return CalendarFeedToken.objects.create(user_id=user.pk)
    except IntegrityError:
        # A concurrent first call created it.
        return CalendarFeedToken.objects.get(user_id=user.pk)


def rotate_feed_token(*, user: User, now: dt.datetime | None = None) -> CalendarFeedToken:
    """Replace the user's feed token with a new secret; the old feed URL stops working at once."""
    now = now or timezone.now()
    with transactions.bounded_atomic():
        token, _ = CalendarFeedToken.objects.select_for_update().get_or_create(user_id=user.pk)
        token.token = new_feed_token()
        token.rotated_at = now
        token.save(update_fields=["token", "rotated_at"])
    return token
