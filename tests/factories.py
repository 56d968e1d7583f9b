"""factory_boy factories for every model. Times are aware and relative to now.

Default times are built from the local calendar day, not from the hour the test runs at: a
default slot is tomorrow at 19:00 whenever the suite runs, so that it never lands on the same hour
as a slot a test places itself, nor on the day after tomorrow late in the evening.
"""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from booking import rules
from booking.models import Booking, Slot
from venues.models import BookingPolicy, Closure, OpeningRule, Resource, Sport, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"resident{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-12345")


class SportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sport
        django_get_or_create = ("code",)

    code = "badminton"
    name_zh = "羽毛球"
    name_en = "Badminton"


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    slug = factory.Sequence(lambda n: f"venue-{n}")
    name_zh = factory.Sequence(lambda n: f"罗湖体育中心{n}")
    name_en = factory.Sequence(lambda n: f"Luohu Sports Centre {n}")
    kind = Venue.Kind.SPORTS_CENTRE
    district = "罗湖区"
    street = "东门街道"


class BookingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingPolicy
        django_get_or_create = ("venue",)

    venue = factory.SubFactory(VenueFactory)
    window_days = 7
    release_time = dt.time(0, 0)
    max_bookings_per_day = 2
    max_bookings_per_week = 4
    max_hours_per_day = Decimal("2.0")
    cancel_deadline_hours = 2


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    venue = factory.SubFactory(VenueFactory)
    name_zh = factory.Sequence(lambda n: f"{n}号场")
    name_en = factory.Sequence(lambda n: f"Court {n}")
    exclusive = True
    capacity = 4


def _next_hour(hours_ahead: int = 24) -> dt.datetime:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now + dt.timedelta(hours=hours_ahead)


def _tomorrow_evening() -> dt.datetime:
    tomorrow = rules.local_date(timezone.now()) + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(19), tzinfo=rules.local_tz())


class SlotFactory(factory.django.DjangoModelFactory):
    """A free slot tomorrow at 19:00 local, inside a 7-day window released at midnight."""

    class Meta:
        model = Slot

    resource = factory.SubFactory(ResourceFactory)
    venue = factory.LazyAttribute(lambda s: s.resource.venue)
    starts_at = factory.LazyFunction(_tomorrow_evening)
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=1))
    capacity = factory.LazyAttribute(lambda s: s.resource.capacity)
    places = factory.LazyAttribute(lambda s: 1 if s.resource.exclusive else s.capacity)
    remaining = factory.LazyAttribute(lambda s: s.places)
    price = Decimal("0.00")


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed booking made directly (tests of reads); writes go through place_booking."""

    class Meta:
        model = Booking

    slot = factory.SubFactory(SlotFactory)
    resident = factory.SubFactory(UserFactory)
    resource = factory.LazyAttribute(lambda b: b.slot.resource)
    venue = factory.LazyAttribute(lambda b: b.slot.venue)
    starts_at = factory.LazyAttribute(lambda b: b.slot.starts_at)
    ends_at = factory.LazyAttribute(lambda b: b.slot.ends_at)
    exclusive = factory.LazyAttribute(lambda b: b.slot.resource.exclusive)
    party_size = 1
    places = 1
    status = Booking.Status.CONFIRMED


class OpeningRuleFactory(factory.django.DjangoModelFactory):
    """Hourly slots 08:00-12:00 on one weekday (pass `weekday=` to match the day you test)."""

    class Meta:
        model = OpeningRule

    resource = factory.SubFactory(ResourceFactory)
    weekday = 0
    opens_at = dt.time(8, 0)
    closes_at = dt.time(12, 0)
    slot_minutes = 60
    price = Decimal("0.00")


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    venue = factory.SubFactory(VenueFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate())
    end_date = factory.LazyAttribute(lambda c: c.start_date)
    reason = "设备维护 Maintenance"


# --- events ------------------------------------------------------------------------------------


class OrganisationFactory(factory.django.DjangoModelFactory):
    """An approved organiser; `OrganisationFactory(members=[user])` adds members."""

    class Meta:
        model = "events.Organisation"
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"org-{n}")
    name_zh = factory.Sequence(lambda n: f"罗湖体育协会{n}")
    name_en = factory.Sequence(lambda n: f"Luohu Sports Association {n}")
    is_approved = True

    @factory.post_generation
    def members(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.members.add(*extracted)


def _last_start(event: object) -> dt.datetime | None:
    from events.recurrence import exdates_as_datetimes, last_occurrence_start

    return last_occurrence_start(
        starts_at=event.starts_at,  # type: ignore[attr-defined]
        rrule_text=event.rrule,  # type: ignore[attr-defined]
        exdates=exdates_as_datetimes(event.exdates),  # type: ignore[attr-defined]
    )


class EventFactory(factory.django.DjangoModelFactory):
    """A published one-off event a week ahead at a free location, 10 places.

    Made directly (tests of reads and feeds); writes under test go through events.lifecycle.
    `registered_count` is not kept in step with RegistrationFactory rows.
    """

    class Meta:
        model = "events.Event"

    organisation = factory.SubFactory(OrganisationFactory)
    title_zh = factory.Sequence(lambda n: f"梧桐山登高赛{n}")
    title_en = factory.Sequence(lambda n: f"Wutong Mountain Climb {n}")
    description_zh = "从山脚到山顶。"
    description_en = "From the foot of the mountain to the top."
    category = "race"
    location_zh = "梧桐山风景区"
    location_en = "Wutong Mountain Scenic Area"
    latitude = Decimal("22.580000")
    longitude = Decimal("114.200000")
    starts_at = factory.LazyFunction(lambda: _next_hour(24 * 7))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + dt.timedelta(hours=3))
    rrule = ""
    exdates = factory.LazyFunction(list)
    last_starts_at = factory.LazyAttribute(_last_start)
    last_ends_at = factory.LazyAttribute(
        lambda e: e.last_starts_at + (e.ends_at - e.starts_at) if e.last_starts_at else None
    )
    status = "published"
    published_at = factory.LazyFunction(timezone.now)
    capacity = 10
    waitlist_enabled = True


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A confirmed registration made directly (tests of reads); writes use events.registrations."""

    class Meta:
        model = "events.Registration"

    event = factory.SubFactory(EventFactory)
    resident = factory.SubFactory(UserFactory)
    status = "confirmed"
    party_size = 1
