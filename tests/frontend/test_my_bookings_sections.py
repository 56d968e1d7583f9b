"""My bookings lists everything a resident has reserved (issue 15): upcoming bookings, event
registrations with waiting-list positions, and cancelled ones in a section of their own."""

import re

from booking.models import Booking
from tests.factories import BookingFactory, EventFactory, RegistrationFactory, UserFactory


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no #{section_id} section"
    return match.group(0)


def test_registrations_show_their_waiting_list_position(client, resident):
    event = EventFactory(capacity=1, title_zh="梧桐山登高赛", title_en="Wutong Climb")
    RegistrationFactory(event=event)
    RegistrationFactory(event=event, status="waitlisted")
    mine = RegistrationFactory(event=event, resident=resident, status="waitlisted")
    client.force_login(resident)
    html = _section(client.get("/me/bookings/").content.decode(), "registrations")
    assert f'id="registration-{mine.pk}"' in html
    assert "梧桐山登高赛" in html
    assert 'data-position="2"' in html
    assert "候补" in html or "waiting list" in html


def test_a_recurring_registration_says_it_covers_the_series(client, resident):
    event = EventFactory(rrule="FREQ=WEEKLY;COUNT=4")
    RegistrationFactory(event=event, resident=resident)
    client.force_login(resident)
    html = _section(client.get("/me/bookings/").content.decode(), "registrations")
    assert 'data-role="series"' in html


def test_cancelled_bookings_leave_upcoming_for_the_cancelled_section(client, resident, free_slot):
    booking = BookingFactory(slot=free_slot, resident=resident, status=Booking.Status.CANCELLED)
    other_event = EventFactory()
    gone = RegistrationFactory(event=other_event, resident=resident, status="cancelled")
    client.force_login(resident)
    html = client.get("/me/bookings/").content.decode()
    upcoming = re.search(r'<section aria-labelledby="upcoming-title">.*?</section>', html, re.S)
    assert upcoming and f'id="booking-{booking.pk}"' not in upcoming.group(0)
    cancelled = _section(html, "cancelled")
    assert f'id="booking-{booking.pk}"' in cancelled
    assert f'id="registration-{gone.pk}"' in cancelled


def test_other_residents_registrations_are_not_listed(client, resident):
    theirs = RegistrationFactory(resident=UserFactory())
    client.force_login(resident)
    assert f'id="registration-{theirs.pk}"' not in client.get("/me/bookings/").content.decode()


def test_the_event_page_says_a_registration_covers_the_whole_series(client, resident):
    event = EventFactory(rrule="FREQ=WEEKLY;COUNT=4")
    client.force_login(resident)
    html = client.get(f"/events/{event.pk}/").content.decode()
    assert 'id="series-note"' in html
    assert 'aria-describedby="series-note"' in html
    once = EventFactory()
    assert 'id="series-note"' not in client.get(f"/events/{once.pk}/").content.decode()
