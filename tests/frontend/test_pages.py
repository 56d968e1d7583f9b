"""Page smoke tests: each page renders from the selectors, in Chinese by default."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from booking import rules
from booking.models import Booking
from events.models import Event
from tests.factories import (
    BookingFactory,
    EventFactory,
    OrganisationFactory,
    ResourceFactory,
    SlotFactory,
    UserFactory,
)
from tests.frontend.conftest import held_booking, tomorrow_at
from venues.models import Venue

pytestmark = pytest.mark.django_db
FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_home_lists_venues_with_their_free_places_on_the_chosen_day(client, venue, free_slot):
    day = free_slot.starts_at.astimezone(rules.local_tz()).date()
    response = client.get("/", {"day": day.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert venue.name_zh in html
    assert f'data-venue-id="{venue.pk}"' in html
    assert "1 个空位" in html


def test_home_filters_by_kind_and_hides_venues_without_free_places_when_asked(
    client, venue, free_slot, gym
):
    html = client.get("/", {"kind": "smart_gym"}).content.decode()
    assert f'data-venue-id="{gym.venue.pk}"' in html
    assert f'data-venue-id="{venue.pk}"' not in html
    day = free_slot.starts_at.astimezone(rules.local_tz()).date().isoformat()
    html = client.get("/", {"free": "1", "day": day}).content.decode()
    assert f'data-venue-id="{venue.pk}"' in html
    assert f'data-venue-id="{gym.venue.pk}"' not in html


def test_smart_gyms_are_shown_as_free_with_qr_entry(client, gym):
    html = client.get("/", {"kind": "smart_gym"}).content.decode()
    assert "免费" in html
    assert "扫码入场" in html


def test_a_malformed_day_falls_back_to_today_with_a_message(client, venue):
    response = client.get("/", {"day": "2026-13-45"})
    assert response.status_code == 200
    assert "日期无效" in response.content.decode()


def test_venue_page_renders_a_button_for_each_free_slot_and_no_button_for_taken_ones(
    client, venue, court, free_slot
):
    starts = free_slot.ends_at
    taken = SlotFactory(resource=court, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    BookingFactory(slot=taken)
    taken.remaining = 0
    taken.save()
    day = free_slot.starts_at.astimezone(rules.local_tz()).date().isoformat()
    html = client.get(f"/venues/{venue.pk}/", {"day": day}).content.decode()
    assert re.search(rf'<button type="button" class="slot" data-slot="{free_slot.pk}"', html)
    # The accessible name is the visible text, then the court and the time (WCAG 2.5.3).
    assert re.search(
        r'>预约 <span class="price">免费</span><span class="visually-hidden">, \d+号场 10:00–11:00</span></button>',
        html,
    )
    assert f'<span class="slot taken" data-slot="{taken.pk}">' in html
    assert 'aria-live="polite"' in html
    assert "预约规则" in html


def test_venue_page_marks_the_residents_own_booking(client, resident, venue, free_slot):
    BookingFactory(slot=free_slot, resident=resident)
    client.force_login(resident)
    day = free_slot.starts_at.astimezone(rules.local_tz()).date().isoformat()
    html = client.get(f"/venues/{venue.pk}/", {"day": day}).content.decode()
    assert f'<span class="slot mine" data-slot="{free_slot.pk}">' in html


def test_an_unknown_venue_is_a_404_page(client, db):
    assert client.get("/venues/999999/").status_code == 404


def test_venue_grid_of_20_resources_renders_in_a_fixed_number_of_queries(
    client, resident, venue, django_assert_max_num_queries
):
    day = rules.local_date(timezone.now()) + dt.timedelta(days=1)
    for index in range(20):
        resource = ResourceFactory(venue=venue, sort_order=index)
        for hour in range(8, 22):
            starts = dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz())
            SlotFactory(resource=resource, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    client.force_login(resident)
    with django_assert_max_num_queries(12):
        response = client.get(f"/venues/{venue.pk}/", {"day": day.isoformat()})
    assert response.content.decode().count('class="slot" data-slot=') == 20 * 14


def test_my_bookings_asks_to_sign_in_first(client, db):
    response = client.get("/me/bookings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_bookings_shows_upcoming_bookings_with_cancel_deadline_and_qr(
    client, resident, free_slot
):
    booking = BookingFactory(slot=free_slot, resident=resident)
    client.force_login(resident)
    html = client.get("/me/bookings/").content.decode()
    assert f'id="booking-{booking.pk}"' in html
    assert 'data-action="cancel"' in html
    assert "免费取消截止" in html
    assert f"/api/v1/bookings/{booking.pk}/qr.svg" in html
    assert "订阅我的日历" in html


def _register(client: Client, *, password2: str = "a-long-pass-phrase-42") -> HttpResponse:
    """Post the registration form for "newbie", with password1 "a-long-pass-phrase-42"."""
    return client.post(
        "/accounts/register/",
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": password2,
        },
    )


def test_registering_creates_a_resident_and_signs_them_in(client, db):
    response = _register(client)
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "newbie" in html
    assert "退出" in html


def test_registering_with_mismatched_passwords_shows_the_error(client, db):
    response = _register(client, password2="another-pass-phrase-42")
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


def test_sign_in_form_is_protected_by_csrf(db):
    UserFactory(username="carol")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "carol", "password": "pass-12345"})
    assert response.status_code == 403
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "carol", "password": "pass-12345", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_pages_are_chinese_by_default_and_english_after_the_language_switch(client, venue):
    assert "查找场馆" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Find a venue" in html
    assert '<html lang="en">' in html


def test_event_calendar_shows_published_events_of_the_month_but_not_drafts(client, db):
    starts = tomorrow_at(9)
    published = EventFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    draft = EventFactory(
        starts_at=starts, ends_at=starts + dt.timedelta(hours=2), status=Event.Status.DRAFT
    )
    month = starts.astimezone(rules.local_tz()).strftime("%Y-%m")
    html = client.get("/events/", {"month": month}).content.decode()
    assert published.title_zh in html
    assert draft.title_zh not in html
    html = client.get("/events/", {"view": "list", "category": "race"}).content.decode()
    assert published.title_zh in html
    assert "/calendar/events.ics?category=race" in html


def test_event_page_offers_registration_and_feed_links(client, resident, db):
    event = EventFactory()
    client.force_login(resident)
    html = client.get(f"/events/{event.pk}/").content.decode()
    assert 'id="register"' in html
    assert f"/calendar/events.ics?category={event.category}" in html
    assert "webcal://" in html


def test_organiser_console_is_only_for_organisers(client, resident, db):
    client.force_login(resident)
    assert client.get("/organiser/").status_code == 403
    organiser = UserFactory(username="org")
    org = OrganisationFactory(members=[organiser])
    EventFactory(organisation=org, status=Event.Status.DRAFT, title_zh="草稿活动")
    client.force_login(organiser)
    html = client.get("/organiser/").content.decode()
    assert "草稿活动" in html
    assert client.get("/organiser/events/new/").status_code == 200


def test_staff_page_lists_the_days_bookings_with_a_check_in_button(
    client, staff_user, venue, court
):
    # Today's midday, not "in five minutes", which is tomorrow from 23:55 on.
    today = rules.local_date(timezone.now())
    starts_at = rules.day_bounds(today)[0] + dt.timedelta(hours=12)
    slot = SlotFactory(resource=court, starts_at=starts_at)
    booking = BookingFactory(slot=slot, status=Booking.Status.CONFIRMED)
    client.force_login(staff_user)
    response = client.get("/staff/")
    assert response.status_code == 302
    # Check-in is offered while it can succeed: from 15 minutes before the start.
    with time_machine.travel(starts_at - dt.timedelta(minutes=5), tick=False):
        html = client.get(response["Location"]).content.decode()
    assert f'data-booking="{booking.pk}"' in html
    assert 'data-action="checkin" data-code="' in html


def test_staff_pages_are_closed_to_residents(client, resident, venue):
    client.force_login(resident)
    assert client.get(f"/staff/venues/{venue.pk}/").status_code == 403
    assert client.get(f"/staff/venues/{venue.pk}/bookings.csv").status_code == 403


def test_staff_export_bookings_and_usage_as_csv(client, staff_user, venue, free_slot):
    BookingFactory(slot=free_slot)
    client.force_login(staff_user)
    day = free_slot.starts_at.astimezone(rules.local_tz()).date().isoformat()
    response = client.get(f"/staff/venues/{venue.pk}/bookings.csv", {"from": day, "to": day})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("booking_id,resource,starts_at")
    assert len(lines) == 2
    response = client.get(f"/staff/venues/{venue.pk}/usage.csv", {"from": day, "to": day})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = text.strip().splitlines()
    assert rows[0].startswith("date,resource,slots")
    assert rows[1].startswith(f"{day},")


def test_pages_load_nothing_from_other_hosts():
    """No CDN: every script and stylesheet is served from our own static files."""
    pattern = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")
    for path in list(FRONTEND.rglob("*.html")) + list(FRONTEND.rglob("*.js")):
        assert not pattern.search(path.read_text()), path


def test_smart_gym_kind_is_listed_in_the_kind_filter(client, db):
    html = client.get("/").content.decode()
    assert f'value="{Venue.Kind.SMART_GYM}"' in html


def test_pay_page_of_a_held_booking_offers_test_payment_methods_in_test_mode(
    client, resident, free_slot, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    booking = held_booking(free_slot, resident)
    client.force_login(resident)
    html = client.get(f"/bookings/{booking.pk}/pay/").content.decode()
    assert "¥30.00" in html
    assert 'value="pm_card_visa"' in html
    client.force_login(UserFactory(username="mallory"))
    assert client.get(f"/bookings/{booking.pk}/pay/").status_code == 404
