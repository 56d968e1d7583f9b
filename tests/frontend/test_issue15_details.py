"""Issue 15, items 4 and 8: the organiser console offers only the commands the event's state
allows, the nav fits each role, and dates, amenities, map links and the favicon read right in
both languages."""

import datetime as dt
import html as htmllib
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from booking import rules
from events.lifecycle import allowed_actions
from events.models import Event
from frontend.maps import wgs84_to_gcj02
from tests.factories import EventFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def _commands(page: str) -> set[str]:
    return set(re.findall(r'data-command="(\w+)"', page))


@pytest.fixture
def organiser_client(client):  # type: ignore[no-untyped-def]
    user = UserFactory(username="org")
    OrganisationFactory(members=[user])
    client.force_login(user)
    client.organiser = user
    return client


def _event(client: Client, status: str, **fields: object) -> Event:
    org = client.organiser.organisations.get()  # type: ignore[attr-defined]
    return EventFactory(organisation=org, status=status, **fields)


@pytest.mark.parametrize(
    ("status", "commands"),
    [
        ("draft", {"publish", "cancel"}),
        ("pending_approval", {"cancel"}),
        ("published", {"postpone", "cancel"}),
        ("postponed", {"publish", "postpone", "cancel"}),
        ("cancelled", set()),
    ],
)
def test_the_console_offers_only_the_commands_the_events_state_allows(
    organiser_client, status, commands
):
    event = _event(organiser_client, status)
    page = organiser_client.get(f"/organiser/events/{event.pk}/").content.decode()
    assert _commands(page) == commands
    assert allowed_actions(event) == commands


def test_an_ended_draft_offers_no_publish_button_as_the_service_refuses_it(organiser_client):
    past = dt.datetime.now(tz=rules.local_tz()) - dt.timedelta(days=2)
    event = _event(
        organiser_client,
        "draft",
        starts_at=past,
        ends_at=past + dt.timedelta(hours=1),
        last_starts_at=past,
        last_ends_at=past + dt.timedelta(hours=1),
    )
    page = organiser_client.get(f"/organiser/events/{event.pk}/").content.decode()
    assert _commands(page) == {"cancel"}


def test_postponing_a_pending_event_is_refused_as_the_page_says(organiser_client):
    event = _event(organiser_client, "pending_approval")
    answer = organiser_client.post(
        f"/api/v1/events/{event.pk}/postpone/", {}, content_type="application/json"
    )
    assert answer.status_code == 409
    page = organiser_client.get(f"/organiser/events/{event.pk}/").content.decode()
    assert 'data-command="postpone"' not in page


def test_pending_says_who_approves_in_both_languages(organiser_client):
    event = _event(organiser_client, "pending_approval")
    assert "待区管理员审批" in organiser_client.get("/organiser/").content.decode()
    assert (
        "待区管理员审批" in organiser_client.get(f"/organiser/events/{event.pk}/").content.decode()
    )
    _english(organiser_client)
    page = organiser_client.get("/organiser/").content.decode()
    assert "Awaiting approval by the district admin" in page


def test_the_cancel_confirmation_sits_right_under_the_cancel_button(organiser_client):
    event = _event(organiser_client, "published")
    page = organiser_client.get(f"/organiser/events/{event.pk}/").content.decode()
    button = page.index('data-command="cancel"')
    confirm = page.index('id="cancel-confirm"')
    assert button < confirm < page.index('id="e-reason"')
    assert 'role="alert"' in page[confirm - 80 : confirm + 80]


def test_an_admin_gets_an_admin_link_and_no_organiser_console_link(client):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for english in (False, True):
        if english:
            _english(client)
        page = client.get("/").content.decode()
        assert 'href="/admin/"' in page
        assert 'href="/organiser/"' not in page
    assert "Administration" in page


def test_an_organiser_gets_the_console_link_and_no_admin_link(organiser_client):
    page = organiser_client.get("/").content.decode()
    assert 'href="/organiser/"' in page
    assert 'href="/admin/"' not in page


def test_the_nav_calls_account_sign_up_zhuce_not_baoming(client):
    page = client.get("/").content.decode()
    assert re.search(r'href="/accounts/register/">注册</a>', page)
    _english(client)
    assert re.search(r'href="/accounts/register/">Register</a>', client.get("/").content.decode())


def _december_event() -> Event:
    starts = dt.datetime(2026, 12, 7, 9, 0, tzinfo=rules.local_tz())  # a Monday
    return EventFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))


def _december_month_in_both_languages(client: Client) -> tuple[str, str]:
    """The month page of December 2026, holding _december_event(): (Chinese, English)."""
    _december_event()
    chinese = client.get("/events/", {"month": "2026-12"}).content.decode()
    _english(client)
    return chinese, client.get("/events/", {"month": "2026-12"}).content.decode()


def test_the_month_title_is_formatted_per_language(client):
    chinese, english = _december_month_in_both_languages(client)
    assert '<h2 id="month-title" class="flush">2026年12月</h2>' in chinese
    assert '<h2 id="month-title" class="flush">December 2026</h2>' in english


def test_the_weekday_of_an_event_reads_as_a_weekday(client):
    chinese, english = _december_month_in_both_languages(client)
    assert ">2026-12-07 周一 09:00</time>" in chinese
    assert ">2026-12-07 Mon 09:00</time>" in english


def test_amenities_have_labels_in_both_languages(client, venue):
    venue.amenities = ["showers", "qr_entry"]
    venue.save(update_fields=["amenities"])
    page = client.get(f"/venues/{venue.pk}/").content.decode()
    assert '<span class="badge">淋浴</span>' in page
    assert '<span class="badge">扫码入场</span>' in page
    _english(client)
    page = client.get(f"/venues/{venue.pk}/").content.decode()
    assert '<span class="badge">Showers</span>' in page
    assert '<span class="badge">QR code entry</span>' in page
    assert ">showers<" not in page


def test_wgs84_to_gcj02_matches_reference_points():
    # Reference pairs of the widely used eviltransform implementation (Shenzhen, Beijing).
    lat, lon = wgs84_to_gcj02(22.543847, 113.912316)
    assert (lat, lon) == pytest.approx((22.540796131694766, 113.9171764808363), abs=1e-9)
    lat, lon = wgs84_to_gcj02(39.911954, 116.377817)
    assert (lat, lon) == pytest.approx((39.91334545536069, 116.38404722455657), abs=1e-9)
    assert wgs84_to_gcj02(60.17, 24.94) == (60.17, 24.94)  # outside China: unchanged


def _links(page: str) -> dict[str, str]:
    block = re.search(r'<ul class="map-links">(.*?)</ul>', page, re.S)
    assert block
    return {
        htmllib.unescape(text): htmllib.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block.group(1))
    }


def test_the_venue_links_the_map_apps_residents_use_with_the_right_datum(client, venue):
    venue.latitude, venue.longitude = Decimal("22.548300"), Decimal("114.118800")
    venue.save(update_fields=["latitude", "longitude"])
    g_lat, g_lon = wgs84_to_gcj02(22.5483, 114.1188)
    links = _links(client.get(f"/venues/{venue.pk}/").content.decode())
    assert set(links) == {"高德地图", "百度地图", "腾讯地图", "OpenStreetMap", "在地图应用中打开"}
    amap = parse_qs(urlsplit(links["高德地图"]).query)
    assert amap["position"] == [f"{g_lon:.6f},{g_lat:.6f}"]
    assert amap["name"] == [venue.name_zh]
    baidu = parse_qs(urlsplit(links["百度地图"]).query)
    assert baidu["location"] == [f"{g_lat:.6f},{g_lon:.6f}"]
    assert baidu["coord_type"] == ["gcj02"]
    tencent = parse_qs(urlsplit(links["腾讯地图"]).query)
    assert tencent["marker"] == [f"coord:{g_lat:.6f},{g_lon:.6f};title:{venue.name_zh}"]
    assert "mlat=22.548300&mlon=114.118800" in links["OpenStreetMap"]
    assert links["在地图应用中打开"] == "geo:22.548300,114.118800"
    _english(client)
    links = _links(client.get(f"/venues/{venue.pk}/").content.decode())
    assert "Amap (高德地图)" in links
    assert parse_qs(urlsplit(links["Amap (高德地图)"]).query)["name"] == [venue.name_en]


def test_pages_link_a_favicon_and_favicon_ico_leads_to_it(client):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon and icon.group(1).endswith(".svg")
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].startswith("/static/frontend/img/favicon")
    _english(client)
    assert icon.group(0) in client.get("/events/").content.decode()


def test_the_event_page_and_the_account_title_use_the_same_wording(client):
    event = _december_event()
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert ">2026-12-07 周一 09:00</time>" in page
    assert "<title>注册" in client.get("/accounts/register/").content.decode()
    _english(client)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert ">2026-12-07 Mon 09:00</time>" in page
