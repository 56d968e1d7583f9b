"""Organisers, the events they publish, residents' registrations and personal feed tokens."""

import datetime as dt
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from venues.models import Venue


class Organisation(models.Model):
    """An organiser (federation, club, district office) whose members manage its events."""

    slug = models.SlugField(unique=True)
    name_zh = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organisations", blank=True
    )
    is_approved = models.BooleanField(
        default=False, help_text="Approved by a district admin: may publish events."
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        lang = get_language() or "zh-hans"
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh


class EventQuerySet(models.QuerySet["Event"]):
    def public(self) -> "EventQuerySet":
        """Events residents may see (see Event.public_condition)."""
        return self.filter(Event.public_condition())

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> "EventQuerySet":
        """Events with an occurrence that may overlap [start, end) (open-ended series always may)."""
        return self.filter(starts_at__lt=end).filter(
            models.Q(last_ends_at__isnull=True) | models.Q(last_ends_at__gt=start)
        )


class Event(models.Model):
    """A public calendar entry at a venue or at a free location, once or recurring."""

    class Category(models.TextChoices):
        RACE = "race", _("Race")
        ESPORTS = "esports", _("Esports")
        TENNIS = "tennis", _("Tennis")
        DANCE = "dance", _("Dance")
        MIND_SPORTS = "mind_sports", _("Mind sports")
        FITNESS = "fitness", _("Fitness")
        CULTURE = "culture", _("Culture")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
        PUBLISHED = "published", _("Published")
        POSTPONED = "postponed", _("Postponed")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses residents and feeds can see (cancelled ones stay visible so subscribers learn it).
    PUBLIC_STATUSES = (Status.PUBLISHED, Status.POSTPONED, Status.CANCELLED)
    # What an entry in a calendar shows of the event (the feeds read these; an organiser edits
    # them, with a few more).
    CALENDAR_FIELDS = (
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "category",
        "location_zh",
        "location_en",
        "latitude",
        "longitude",
        "starts_at",
        "ends_at",
        "rrule",
        "exdates",
    )

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="events")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, db_index=True)
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # A free location when the event is not at a venue (Wutong Mountain is not a venue).
    location_zh = models.CharField(max_length=255, blank=True)
    location_en = models.CharField(max_length=255, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    # RFC 5545 recurrence: the RRULE value without the "RRULE:" prefix, e.g.
    # "FREQ=WEEKLY;BYDAY=SA;COUNT=8", and aware datetimes (ISO 8601) of skipped occurrences.
    rrule = models.CharField(max_length=500, blank=True)
    exdates = models.JSONField(default=list, blank=True)
    # Start and end of the last occurrence: the event's own times when it does not recur, empty
    # for an open-ended recurrence. Kept by events.lifecycle; date filters and feeds use them.
    last_starts_at = models.DateTimeField(null=True, blank=True)
    last_ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the event was postponed or cancelled."
    )
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    # Places taken: confirmed and held (awaiting payment) registrations; changed only by
    # conditional UPDATEs in events.registrations.
    registered_count = models.PositiveIntegerField(default=0)
    waitlist_enabled = models.BooleanField(default=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    image_url = models.URLField(blank=True)
    links = models.JSONField(default=list, blank=True, help_text='[{"label": ..., "url": ...}]')
    is_demo = models.BooleanField(default=False)
    # iCal SEQUENCE: bumped on every change a subscriber should see.
    sequence = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(registered_count__lte=models.F("capacity")),
                name="event_registrations_within_capacity",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="event_status_start_idx")]

    def __str__(self) -> str:
        return self.title_zh

    @staticmethod
    def public_condition(prefix: str = "") -> models.Q:
        """Published or postponed, or cancelled after having been published (a withdrawn draft
        never becomes public). `prefix` is e.g. "event__" when filtering registrations."""
        return models.Q(
            **{f"{prefix}status__in": [Event.Status.PUBLISHED, Event.Status.POSTPONED]}
        ) | models.Q(
            **{f"{prefix}status": Event.Status.CANCELLED, f"{prefix}published_at__isnull": False}
        )

    @property
    def title(self) -> str:
        lang = get_language() or "zh-hans"
        return self.title_en if lang.startswith("en") and self.title_en else self.title_zh

    @property
    def description(self) -> str:
        lang = get_language() or "zh-hans"
        if lang.startswith("en") and self.description_en:
            return self.description_en
        return self.description_zh

    @property
    def location(self) -> str:
        """The free location, else the venue's name, in the active language."""
        lang = get_language() or "zh-hans"
        text = self.location_en if lang.startswith("en") and self.location_en else self.location_zh
        if not text and self.venue is not None:
            return self.venue.name
        return text

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def exdate_datetimes(self) -> list[dt.datetime]:
        """`exdates` as aware datetimes (Asia/Shanghai), for RRULE/EXDATE output."""
        from events.recurrence import exdates_as_datetimes

        return exdates_as_datetimes(self.exdates or [])

    @property
    def places_left(self) -> int | None:
        """Free places, or None when the capacity is unlimited."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.registered_count, 0)


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def active(self) -> "RegistrationQuerySet":
        return self.filter(status__in=Registration.ACTIVE_STATUSES)

    def waitlist(self) -> "RegistrationQuerySet":
        """The waiting list in its order: first come, first promoted."""
        return self.filter(status=Registration.Status.WAITLISTED).order_by("id")


class Registration(models.Model):
    """A resident's place at an event, or their turn on its waiting list. Never deleted.

    One registration per resident per event (a recurring event is registered for as a series).
    A paid event's registration is `held` until it is paid (held → confirmed), or `expired` when
    the hold ends or the payment fails; its place counts as taken meanwhile.
    """

    class Status(models.TextChoices):
        HELD = "held", _("Held (awaiting payment)")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired (not paid in time)")

    ACTIVE_STATUSES = (Status.HELD, Status.CONFIRMED, Status.WAITLISTED)
    # Statuses whose party counts in `Event.registered_count` (a held place is taken too).
    PLACE_STATUSES = (Status.HELD, Status.CONFIRMED)
    # The kind of the outbox notice (common.models.Notice) owed when the waiting list gives it
    # a place; written by the promoting transaction, sent by the booking app's sender.
    PROMOTION_NOTICE = "events.promoted"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    party_size = models.PositiveIntegerField(default=1)
    # What the place costs: the event's price × party size when the place was taken (CNY).
    amount = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        # Ids are taken under the event's row lock when joining the waiting list, so id order is
        # the order of arrival (created_at comes from the application clock).
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "resident"],
                condition=models.Q(status__in=["held", "confirmed", "waitlisted"]),
                name="registration_one_active_per_resident_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["hold_expires_at"],
                condition=models.Q(status="held"),
                name="registration_held_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.event} ({self.status})"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    """The secret in a resident's personal feed URL (/calendar/me/<token>.ics); rotatable."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Feed token of {self.user}"
