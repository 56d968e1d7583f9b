"""gzip for feeds and large /api/ JSON (api/compression.py), never for HTML with a CSRF token."""

from __future__ import annotations

import gzip

import pytest

from api.compression import clear_cache
from common.feeds import clear_caches
from events import feed_tokens
from tests.factories import EventFactory, VenueFactory

pytestmark = pytest.mark.django_db
FEED = "/calendar/events.ics"
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def _fresh_caches():  # type: ignore[no-untyped-def]
    clear_caches()
    clear_cache()
    yield
    clear_caches()
    clear_cache()


@pytest.fixture
def events(db):  # type: ignore[no-untyped-def]
    return [EventFactory() for _ in range(5)]


def vary(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def test_a_feed_is_gzipped_when_asked_and_reads_the_same_after_decompressing(client, events):
    plain = client.get(FEED)
    compressed = client.get(FEED, **GZIP)

    assert plain.status_code == compressed.status_code == 200
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 3
    assert int(compressed["Content-Length"]) == len(compressed.content)
    assert compressed["Content-Type"] == plain["Content-Type"] == "text/calendar; charset=utf-8"
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(compressed)
    # The same representation's ETag, weak for the compressed bytes (RFC 9110 §8.8.1).
    assert compressed["ETag"] == "W/" + plain["ETag"]


def test_a_feed_is_not_gzipped_when_not_asked_or_refused(client, events):
    for headers in ({}, {"HTTP_ACCEPT_ENCODING": "identity"}, {"HTTP_ACCEPT_ENCODING": "gzip;q=0"}):
        response = client.get(FEED, **headers)
        assert response.status_code == 200
        assert "Content-Encoding" not in response, headers
        assert response.content.startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize("first", [{}, GZIP], ids=["plain first", "gzip first"])
@pytest.mark.parametrize("repeat", [{}, GZIP], ids=["plain repeat", "gzip repeat"])
def test_a_repeat_with_if_none_match_gets_304_whichever_encoding(client, events, first, repeat):
    etag = client.get(FEED, **first)["ETag"]

    response = client.get(FEED, HTTP_IF_NONE_MATCH=etag, **repeat)

    assert response.status_code == 304
    assert response.content == b""
    assert "accept-encoding" in vary(response)
    # A 304 carries the ETag the 200 to the same request would have had.
    strong = etag.removeprefix("W/")
    assert response["ETag"] == ("W/" + strong if repeat else strong)


def test_the_personal_feed_is_gzipped_and_revalidates(client, resident):
    token = feed_tokens.get_or_create_feed_token(user=resident).token
    url = f"/calendar/me/{token}.ics"
    plain = client.get(url)
    compressed = client.get(url, **GZIP)

    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert client.get(url, HTTP_IF_NONE_MATCH=compressed["ETag"], **GZIP).status_code == 304


def test_a_second_gzipped_200_of_a_feed_is_the_same_bytes(client, events):
    first = client.get(FEED, **GZIP).content
    second = client.get(FEED, **GZIP).content
    assert first == second  # no timestamp in the gzip header; the cached copy is served


def test_large_api_json_is_gzipped_for_a_token_client(api_client, db):
    VenueFactory.create_batch(12)
    plain = api_client.get("/api/v1/venues/?page_size=100")
    compressed = api_client.get("/api/v1/venues/?page_size=100", **GZIP)

    assert len(plain.content) > 1024
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert "accept-encoding" in vary(compressed)


def test_small_api_json_is_not_gzipped(api_client, db):
    response = api_client.get("/api/v1/health/", **GZIP)
    assert response.status_code == 200
    assert len(response.content) < 1024
    assert "Content-Encoding" not in response


def test_session_json_is_gzipped_only_for_the_sites_own_pages(client, resident, db):
    """A foreign page can send the session cookie (a top-level navigation) but not
    `Sec-Fetch-Site: same-origin`: BREACH needs such requests, so they get plain bytes."""
    VenueFactory.create_batch(12)
    client.force_login(resident)
    url = "/api/v1/venues/?page_size=100"

    cross_site = client.get(url, HTTP_SEC_FETCH_SITE="cross-site", **GZIP)
    no_header = client.get(url, **GZIP)
    same_origin = client.get(url, HTTP_SEC_FETCH_SITE="same-origin", **GZIP)

    assert "Content-Encoding" not in cross_site and "Content-Encoding" not in no_header
    assert same_origin["Content-Encoding"] == "gzip"
    assert gzip.decompress(same_origin.content) == cross_site.content


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [("/", True), ("/events/", True), ("/me/bookings/", True), ("/accounts/login/", False)],
)
def test_html_pages_with_a_csrf_token_are_never_gzipped(client, resident, events, path, signed_in):
    if signed_in:
        client.force_login(resident)

    response = client.get(path, HTTP_SEC_FETCH_SITE="same-origin", **GZIP)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Encoding" not in response
    assert b'<meta name="csrf-token" content="' in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content
