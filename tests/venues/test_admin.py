import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking, Slot
from booking.rules import local_date
from tests.factories import (
    BookingFactory,
    ClosureFactory,
    OpeningRuleFactory,
    ResourceFactory,
    SlotFactory,
    SportFactory,
    UserFactory,
    VenueFactory,
)
from venues.models import Closure

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def every_day_rule(resource) -> None:  # type: ignore[no-untyped-def]
    for weekday in range(7):
        OpeningRuleFactory(
            resource=resource, weekday=weekday, opens_at=dt.time(8), closes_at=dt.time(10)
        )


@pytest.mark.parametrize(
    "model",
    [
        "venues/sport",
        "venues/venue",
        "venues/resource",
        "venues/openingrule",
        "venues/closure",
        "venues/bookingpolicy",
        "booking/slot",
        "booking/booking",
    ],
)
def test_every_changelist_opens(admin_client, venue, court, model):
    SlotFactory(resource=court)
    BookingFactory(slot=Slot.objects.get())
    OpeningRuleFactory(resource=court)
    ClosureFactory(venue=venue)
    response = admin_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def page_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # warm per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_venue_page_queries_do_not_grow_with_resources(admin_client):
    counts = []
    for size in (2, 12):
        venue = VenueFactory()
        for _ in range(size):
            ResourceFactory(venue=venue, sport=SportFactory())
            ClosureFactory(venue=venue, resource=ResourceFactory(venue=venue))
        counts.append(
            page_queries(admin_client, reverse("admin:venues_venue_change", args=[venue.pk]))
        )
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "name",
    [
        "admin:booking_slot_changelist",
        "admin:booking_booking_changelist",
        "admin:venues_resource_changelist",
        "admin:venues_openingrule_changelist",
        "admin:venues_closure_changelist",
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, name):
    counts = []
    for size in (2, 12):
        for _ in range(size):
            slot = SlotFactory(
                starts_at=timezone.now() + dt.timedelta(days=1, minutes=len(counts) * 100 + _)
            )
            BookingFactory(slot=slot)
            OpeningRuleFactory(resource=slot.resource)
            ClosureFactory(venue=slot.venue, resource=slot.resource)
        counts.append(page_queries(admin_client, reverse(name)))
    assert counts[0] == counts[1]


def test_bookings_can_be_viewed_but_never_deleted_or_changed(admin_client, venue, court):
    booking = BookingFactory(slot=SlotFactory(resource=court))
    change_url = reverse("admin:booking_booking_change", args=[booking.pk])
    assert admin_client.get(change_url).status_code == 200  # view-only page
    changelist = admin_client.get(reverse("admin:booking_booking_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    delete_url = reverse("admin:booking_booking_delete", args=[booking.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:booking_booking_changelist"),
        {"action": "delete_selected", "_selected_action": [booking.pk], "post": "yes"},
    )
    assert admin_client.post(change_url, {"status": "cancelled"}).status_code == 403
    assert admin_client.get(reverse("admin:booking_booking_add")).status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_slots_are_read_only(admin_client, court):
    slot = SlotFactory(resource=court)
    url = reverse("admin:booking_slot_change", args=[slot.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"remaining": 0}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:booking_slot_delete", args=[slot.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    slot.refresh_from_db()
    assert slot.remaining == 1


def test_venue_action_generates_the_window_slots(admin_client, venue, court):
    every_day_rule(court)
    response = admin_client.post(
        reverse("admin:venues_venue_changelist"),
        {"action": "generate_window_slots", "_selected_action": [venue.pk]},
        follow=True,
    )
    assert response.status_code == 200
    # Today plus the 7-day window, two hourly slots a day (minus any already started today).
    assert 14 <= Slot.objects.filter(venue=venue).count() <= 16
    assert "slots synced" in response.content.decode()


def test_adding_a_closure_in_admin_closes_that_days_slots(admin_client, venue, court):
    every_day_rule(court)
    tomorrow = local_date(timezone.now()) + dt.timedelta(days=1)
    admin_client.post(
        reverse("admin:venues_venue_changelist"),
        {"action": "generate_window_slots", "_selected_action": [venue.pk]},
    )
    response = admin_client.post(
        reverse("admin:venues_closure_add"),
        {
            "venue": venue.pk,
            "resource": "",
            "start_date": tomorrow.isoformat(),
            "end_date": tomorrow.isoformat(),
            "reason": "台风 Typhoon",
        },
    )
    assert response.status_code == 302
    closed = Slot.objects.filter(is_closed=True)
    assert closed.count() == 2
    assert {local_date(s.starts_at) for s in closed} == {tomorrow}

    admin_client.post(
        reverse("admin:venues_closure_delete", args=[Closure.objects.get().pk]), {"post": "yes"}
    )
    assert not Slot.objects.filter(is_closed=True).exists()
