"""Server time of the venue page with 20 resources (the booking grid rendered server-side).

Creates a throw-away test database (test_<name of DATABASE_URL's database>), fills one venue
with 20 courts × 14 hourly slots tomorrow (a quarter of them booked), then renders
/venues/<id>/ with Django's test client as a signed-in resident and prints the median, p95 and
the number of SQL queries. The goal: under 300 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/luohu .venv/bin/python bench/venue_page.py
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

RESOURCES = 20
HOURS = range(8, 22)
RUNS = int(os.environ.get("RUNS", "50"))


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from booking import rules
        from tests.factories import (
            BookingFactory,
            BookingPolicyFactory,
            ResourceFactory,
            SlotFactory,
            UserFactory,
            VenueFactory,
        )

        venue = VenueFactory()
        BookingPolicyFactory(venue=venue)
        resident = UserFactory(username="bench-resident")
        day = rules.local_date(timezone.now()) + dt.timedelta(days=1)
        for index in range(RESOURCES):
            resource = ResourceFactory(venue=venue, sort_order=index)
            for hour in HOURS:
                starts = dt.datetime.combine(day, dt.time(hour), tzinfo=rules.local_tz())
                slot = SlotFactory(
                    resource=resource, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
                )
                if (index + hour) % 4 == 0:
                    BookingFactory(slot=slot)
                    slot.remaining = 0
                    slot.save(update_fields=["remaining"])
        client = Client()
        client.force_login(resident)
        url = f"/venues/{venue.pk}/?day={day.isoformat()}"
        client.get(url)  # warm up: templates, translations, connection
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        buttons = response.content.decode().count('class="slot" data-slot=')
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"venue page, {RESOURCES} resources x {len(HOURS)} slots ({buttons} free buttons), "
            f"{connection.vendor}: median {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms over {RUNS} runs; "
            f"{len(queries)} SQL queries"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
