"""What the browser journeys share: the places they are set in, a page on a given device, and
the one step they all repeat (a click that calls the API, and that call's answer)."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from booking.models import Slot
from tests.e2e.conftest import WAIT_MS, api_call
from tests.e2e.devices import new_context
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, VenueFactory
from venues.models import Venue


def venue_with_policy(
    *, policy: dict[str, Any] | None = None, sport: Any = None, staff: Any = None, **fields: Any
) -> Venue:
    """A venue (VenueFactory `fields`) with its booking policy (BookingPolicyFactory, with
    `policy` changed), offering `sport` and worked by `staff` when given."""
    venue = VenueFactory(**fields)
    BookingPolicyFactory(venue=venue, **(policy or {}))
    if sport is not None:
        venue.sports.add(sport)
    if staff is not None:
        venue.staff.add(staff)
    return venue


def court_slot(
    venue: Venue, starts: dt.datetime, *, slot: dict[str, Any] | None = None, **court: Any
) -> Slot:
    """A new court of the venue (ResourceFactory `court` fields) with one one-hour slot from
    `starts` (SlotFactory, with `slot` fields changed)."""
    resource = ResourceFactory(venue=venue, **court)
    return SlotFactory(resource=resource, starts_at=starts, **(slot or {}))


@contextmanager
def device_page(browser: Any, device: dict[str, Any]) -> Iterator[Any]:
    """A page in a new browser context of `device` (devices.py), closed afterwards."""
    context = new_context(browser, device, WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def click_for_answer(page: Any, target: Any, method: str, path: str) -> Any:
    """Click `target` and return the answer to the API call (`method` on a path matching the
    regular expression `path`) the click makes."""
    with page.expect_response(api_call(method, path)) as answer:
        target.click()
    return answer.value


def assert_fits_the_window(page: Any, device: dict[str, Any]) -> None:
    """The page is no wider than the device's window. (With `is_mobile` the browser widens
    `innerWidth` to a wider page: compare with the device's own width.)"""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= device["viewport"]["width"], f"{page.url}: {width}px wide"


def fill_event_form(
    page: Any,
    *,
    title_zh: str,
    title_en: str,
    category: str,
    location_zh: str,
    starts: str,
    ends: str,
) -> None:
    """The organiser's event form: titles, category, a place that is not a venue, and the
    start and end (`datetime-local` values, e.g. "2026-12-07T14:00")."""
    page.fill("#e-title_zh", title_zh)
    page.fill("#e-title_en", title_en)
    page.select_option("#e-category", category)
    page.fill("#e-location_zh", location_zh)
    page.fill("#e-starts_at", starts)
    page.fill("#e-ends_at", ends)
