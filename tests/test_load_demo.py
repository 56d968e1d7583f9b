import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from booking import services
from booking.models import Booking, Slot
from booking.rules import local_date
from venues.models import BookingPolicy, OpeningRule, Resource, Venue

pytestmark = pytest.mark.django_db

COUNTED = [
    "venues.Sport",
    "venues.Venue",
    "venues.Resource",
    "venues.OpeningRule",
    "venues.BookingPolicy",
    "venues.Closure",
    "booking.Slot",
    "auth.User",
    "events.Organisation",
    "events.Event",
]


def snapshot() -> dict[str, object]:
    counts: dict[str, object] = {label: apps.get_model(label).objects.count() for label in COUNTED}
    counts["slot ids"] = sorted(Slot.objects.values_list("pk", flat=True))
    counts["rule ids"] = sorted(OpeningRule.objects.values_list("pk", flat=True))
    counts["venue staff"] = sorted(Venue.staff.through.objects.values_list("venue_id", "user_id"))
    return counts


@pytest.fixture
def loaded() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_running_twice_duplicates_nothing(loaded):
    first = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == first


def test_demo_venues_are_marked_and_named_as_demo(loaded):
    venues = list(Venue.objects.all())
    assert len(venues) == 9
    assert all(v.is_demo and v.district == "罗湖区" for v in venues)
    assert all("演示" in v.name_zh and "(demo)" in v.name_en for v in venues)
    assert all(
        22.5 < float(v.latitude) < 22.6 and 114.0 < float(v.longitude) < 114.2 for v in venues
    )
    assert BookingPolicy.objects.count() == 9
    assert set(
        BookingPolicy.objects.values_list("window_days", "release_time", "cancel_deadline_hours")
    ) == {(7, dt.time(12), 2)}


def test_district_plan_venues_are_all_there(loaded):
    kinds = list(Venue.objects.values_list("kind", flat=True))
    assert kinds.count(Venue.Kind.SMART_GYM) == 4
    assert {
        Venue.Kind.SPORTS_CENTRE,
        Venue.Kind.POOL,
        Venue.Kind.ESPORTS_STUDIO,
        Venue.Kind.STADIUM,
        Venue.Kind.COURT_VENUE,
    } <= set(kinds)
    centre = Venue.objects.get(slug="demo-luohu-sports-centre")
    courts = Resource.objects.filter(venue=centre)
    assert courts.filter(sport__code="badminton", exclusive=True).count() == 6
    assert courts.filter(sport__code="basketball", exclusive=True).count() == 2
    assert (
        Resource.objects.filter(venue__slug__contains="tennis", sport__code="tennis").count() == 4
    )
    assert Venue.objects.filter(name_zh__startswith="粤海体育休闲公园二期").exists()
    gyms = Resource.objects.filter(venue__kind=Venue.Kind.SMART_GYM)
    assert {(r.exclusive, r.capacity) for r in gyms} == {(False, 20)}
    assert not Resource.objects.get(venue__kind=Venue.Kind.POOL, name_en="Lane 1").exclusive


def test_slots_cover_the_next_seven_days_with_free_public_benefit_hours(loaded):
    today = local_date(timezone.now())
    days = {local_date(s) for s in Slot.objects.values_list("starts_at", flat=True)}
    assert days >= {today + dt.timedelta(days=i) for i in range(1, 8)}
    assert Slot.objects.filter(public_benefit=True, price=0).exists()
    assert Slot.objects.filter(price__gt=0).exists()
    assert not Slot.objects.filter(venue__kind=Venue.Kind.SMART_GYM, price__gt=0).exists()


def test_logins_work_and_are_printed(loaded):
    for username, password in [
        ("demo", "demo12345"),
        ("demo2", "demo12345"),
        ("staff", "staff12345"),
        ("admin", "admin12345"),
        ("organiser", "organiser12345"),
    ]:
        assert authenticate(HttpRequest(), username=username, password=password) is not None
        assert f"{username}" in loaded and password in loaded
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    staff = get_user_model().objects.get(username="staff")
    assert set(staff.staffed_venues.values_list("kind", flat=True)) == {
        Venue.Kind.SPORTS_CENTRE,
        Venue.Kind.SMART_GYM,
    }


def test_demo_resident_can_book_a_free_gym_slot_tomorrow(loaded):
    demo = get_user_model().objects.get(username="demo")
    tomorrow = local_date(timezone.now()) + dt.timedelta(days=1)
    slot = (
        Slot.objects.filter(venue__kind=Venue.Kind.SMART_GYM, is_closed=False)
        .filter(starts_at__date=tomorrow)
        .order_by("starts_at")
        .first()
    )
    result = services.place_booking(resident=demo, slot_id=slot.pk)
    assert result.booking.status == Booking.Status.CONFIRMED


def test_rerun_keeps_bookings_and_their_slots(loaded):
    demo = get_user_model().objects.get(username="demo")
    slot = (
        Slot.objects.filter(
            venue__kind=Venue.Kind.SMART_GYM, starts_at__gt=timezone.now() + dt.timedelta(days=1)
        )
        .order_by("starts_at")
        .first()
    )
    services.place_booking(resident=demo, slot_id=slot.pk)
    call_command("load_demo", stdout=StringIO())
    slot.refresh_from_db()
    assert slot.remaining == 19
    assert Booking.objects.get().slot_id == slot.pk
