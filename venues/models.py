"""Venues, their bookable resources, weekly opening rules, closures and booking policy."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin:
    """`name` picks the active language's name, falling back to Chinese."""

    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        lang = get_language() or "zh-hans"
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh or self.name_en


class Sport(BilingualNameMixin, models.Model):
    code = models.SlugField(unique=True)
    name_zh = models.CharField(max_length=50)
    name_en = models.CharField(max_length=50)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name_zh} / {self.name_en}"


class Venue(BilingualNameMixin, models.Model):
    class Kind(models.TextChoices):
        SPORTS_CENTRE = "sports_centre", _("Sports centre")
        COURT_VENUE = "court_venue", _("Court venue")
        POOL = "pool", _("Swimming pool")
        SMART_GYM = "smart_gym", _("Smart outdoor gym")
        STADIUM = "stadium", _("Stadium / fields")
        ESPORTS_STUDIO = "esports_studio", _("Esports studio")

    slug = models.SlugField(unique=True)
    name_zh = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    district = models.CharField(max_length=50, default="罗湖区", db_index=True)
    street = models.CharField(max_length=50, blank=True, help_text="街道, e.g. 东门街道")
    address_zh = models.CharField(max_length=255, blank=True)
    address_en = models.CharField(max_length=255, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    sports = models.ManyToManyField(Sport, related_name="venues", blank=True)
    amenities = models.JSONField(default=list, blank=True, help_text='e.g. ["showers", "parking"]')
    accessibility_notes = models.TextField(blank=True)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    image_url = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    is_demo = models.BooleanField(default=False, help_text="Created by `load_demo`; not real data.")
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="staffed_venues", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_zh


class Resource(BilingualNameMixin, models.Model):
    """A bookable unit: a court, a pool lane, a gym floor.

    An exclusive resource is booked by one party at a time (of up to `capacity` players); a shared
    resource admits up to `capacity` people per slot.
    """

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="resources")
    name_zh = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80, blank=True)
    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, null=True, blank=True)
    exclusive = models.BooleanField(default=True)
    capacity = models.PositiveIntegerField(default=4, validators=[MinValueValidator(1)])
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["venue_id", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="resource_capacity_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} · {self.name_zh}"


class OpeningRule(models.Model):
    """Weekly opening hours of one resource: slots of `slot_minutes` from `opens_at` to `closes_at`."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="opening_rules")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    slot_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the resource's capacity for these hours."
    )
    public_benefit = models.BooleanField(default=False, help_text="公益开放: free or low price.")
    balloted = models.BooleanField(
        default=False,
        help_text="Peak hours: slots of this rule are allocated by a ballot round (see the "
        "policy's ballot timetable), then first-come for what is left.",
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["resource_id", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="opening_rule_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="opening_rule_price_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.get_weekday_display()} {self.opens_at}-{self.closes_at}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Closing time must be after opening time.")})

    def applies_on(self, day: dt.date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class Closure(models.Model):
    """Dates on which a venue (or one of its resources) is closed; its slots are blocked."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="closures")
    resource = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        related_name="closures",
        null=True,
        blank=True,
        help_text="Empty: the whole venue is closed.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="closure_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.start_date}–{self.end_date}: {self.reason}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


class BookingPolicy(models.Model):
    """The venue's booking rules that residents know: window, release time, limits, deadlines."""

    venue = models.OneToOneField(Venue, on_delete=models.CASCADE, related_name="policy")
    window_days = models.PositiveIntegerField(
        default=7, help_text="Slots up to this many days ahead (today included) can be booked."
    )
    release_time = models.TimeField(
        default=dt.time(12, 0),
        help_text="The furthest day opens at this time (Asia/Shanghai), e.g. 12:00.",
    )
    max_bookings_per_day = models.PositiveIntegerField(default=2)
    max_bookings_per_week = models.PositiveIntegerField(default=4)
    max_hours_per_day = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("2.0"))
    cancel_deadline_hours = models.PositiveIntegerField(
        default=2, help_text="Free cancellation until this many hours before the start."
    )
    refund_late_cancellation = models.BooleanField(
        default=False, help_text="Refund paid bookings cancelled after the deadline."
    )
    hold_minutes = models.PositiveIntegerField(
        default=10, help_text="How long an unpaid hold keeps its place."
    )
    checkin_opens_minutes = models.PositiveIntegerField(
        default=15, help_text="Check-in opens this many minutes before the start."
    )
    checkin_closes_minutes = models.PositiveIntegerField(
        default=15, help_text="Check-in closes this many minutes after the start."
    )
    checkin_required = models.BooleanField(
        default=True,
        help_text="Bookings are checked in (gate or staff); unchecked ones become no-shows. "
        "Turn off where nobody scans codes, so that no resident gets a strike for it.",
    )
    no_show_grace_minutes = models.PositiveIntegerField(
        default=15,
        help_text="Where people are checked in, a booking not checked in this many minutes "
        "after the start is a no-show and its places go to the waiting list, then to walk-ins.",
    )
    waitlist_offer_minutes = models.PositiveIntegerField(
        default=15, help_text="How long a waiting-list offer holds the freed places."
    )
    waitlist_short_offer_minutes = models.PositiveIntegerField(
        default=5, help_text="The shorter offer time used close to the start."
    )
    waitlist_short_offer_within_minutes = models.PositiveIntegerField(
        default=120, help_text="Offers made this close to the start (or later) are the short ones."
    )
    strikes_to_suspend = models.PositiveIntegerField(default=3)
    strike_period_days = models.PositiveIntegerField(default=30)
    suspension_days = models.PositiveIntegerField(default=14)
    # Ballot timetable (allocation app), for slots of balloted opening rules. Day offsets count
    # back from the play date D, times are Asia/Shanghai; defaults follow MyActiveSG+: open at
    # D-14 12:00 for 24 hours, drawn D-13 12:00, paid by D-13 23:59, leftovers first-come at
    # D-12 12:00. A venue with no balloted rule never has a scheduled round.
    ballot_open_days = models.PositiveIntegerField(
        default=14, help_text="Ballot rounds open this many days before the play date."
    )
    ballot_open_time = models.TimeField(default=dt.time(12, 0))
    ballot_open_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1)], help_text="How long entries are taken."
    )
    ballot_draw_days = models.PositiveIntegerField(default=13)
    ballot_draw_time = models.TimeField(default=dt.time(12, 0))
    ballot_pay_days = models.PositiveIntegerField(
        default=13, help_text="Winners of paid slots pay by this day before the play date..."
    )
    ballot_pay_time = models.TimeField(default=dt.time(23, 59), help_text="...at this time.")
    ballot_release_days = models.PositiveIntegerField(
        default=12, help_text="Unwon and unpaid places go first-come this many days before."
    )
    ballot_release_time = models.TimeField(default=dt.time(12, 0))
    ballot_max_choices = models.PositiveIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    class Meta:
        verbose_name_plural = "booking policies"

    def __str__(self) -> str:
        return f"Policy of {self.venue}"
