"""The home page's day (issue 15, item 8): when today has no free place left, it opens on the
next day that has some and says so; English pages name the subdistricts in English."""

import datetime as dt

import time_machine

from tests.factories import SlotFactory
from tests.frontend.conftest import local_today, tomorrow_at


def test_home_without_a_day_opens_on_the_next_day_with_free_places(client, venue, court):
    starts = tomorrow_at(10) + dt.timedelta(days=1)
    SlotFactory(resource=court, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    later = local_today() + dt.timedelta(days=2)
    assert 'id="day-notice"' in html
    assert later.isoformat() in html
    assert f'name="day" value="{later.isoformat()}"' in html
    assert "1 free place on this day" in html


def test_home_keeps_today_when_it_has_free_places(client, venue, court):
    day = local_today() + dt.timedelta(days=1)
    starts = tomorrow_at(12)
    SlotFactory(resource=court, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    later = starts + dt.timedelta(days=1)
    SlotFactory(resource=court, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    # The morning of the slot's day: that day still has a free place.
    with time_machine.travel(starts - dt.timedelta(hours=3), tick=False):
        html = client.get("/").content.decode()
    assert 'id="day-notice"' not in html
    assert f'name="day" value="{day.isoformat()}"' in html


def test_a_chosen_day_is_kept_even_when_it_is_full(client, venue, court, free_slot):
    html = client.get("/", {"day": local_today().isoformat()}).content.decode()
    assert 'id="day-notice"' not in html
    assert f'name="day" value="{local_today().isoformat()}"' in html


def test_english_pages_name_the_subdistrict_in_english(client, venue, free_slot):
    venue.street = "东门街道"
    venue.save()
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dongmen Subdistrict" in html
    assert "东门街道" not in html.replace('value="东门街道"', "")
    assert "东门街道" in client.get("/").content.decode()
