"""Absolute links follow SITE_URL when it is set, else the request (common/urls.py).

Issue 15: with the old default SITE_URL (http://127.0.0.1:8000), `PORT=8141 make run` served
subscription links, feed URLs and `token_url` pointing at :8000, and labelled them "https".
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core import mail

from booking.notifications import send_booking_confirmation
from common.urls import absolute_url, fallback_base
from config import checks
from events import feed_tokens
from tests.factories import BookingFactory, EventFactory, SlotFactory
from tests.js.parsers import unfold

ROOT = Path(__file__).resolve().parents[2]
ON_8141 = {"HTTP_HOST": "testserver:8141"}

pytestmark = pytest.mark.usefixtures("fresh_feed_caches")


@pytest.fixture
def no_site_url(settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = ""


def feed_url_lines(body: bytes) -> list[str]:
    return [line for line in unfold(body) if line.startswith(("URL:", "SOURCE"))]


@pytest.mark.django_db
def test_without_site_url_page_links_follow_the_requests_host_port_and_scheme(client, no_site_url):
    EventFactory()
    body = client.get("/events/", **ON_8141).content.decode()

    assert 'href="webcal://testserver:8141/calendar/events.ics"' in body
    assert 'href="http://testserver:8141/calendar/events.ics"' in body
    assert ":8000" not in body and "https://testserver" not in body

    secure = client.get("/events/", secure=True, **ON_8141).content.decode()
    assert 'href="https://testserver:8141/calendar/events.ics"' in secure
    assert 'href="webcal://testserver:8141/calendar/events.ics"' in secure


@pytest.mark.django_db
def test_without_site_url_the_event_page_and_api_links_follow_the_request(
    client, resident, no_site_url
):
    event = EventFactory()
    page = client.get(f"/events/{event.pk}/", **ON_8141).content.decode()
    assert f'href="http://testserver:8141/calendar/events.ics?category={event.category}"' in page
    assert ">http</a>" in page and ">https</a>" not in page

    api = client.get(f"/api/v1/events/{event.pk}/", **ON_8141).json()
    assert api["calendar"] == {
        "ics": f"http://testserver:8141/calendar/events.ics?category={event.category}",
        "webcal": f"webcal://testserver:8141/calendar/events.ics?category={event.category}",
    }

    client.force_login(resident)
    me = client.get("/api/v1/me/calendar/", **ON_8141).json()
    assert re.fullmatch(r"http://testserver:8141/calendar/me/[\w-]+\.ics", me["token_url"])
    assert me["webcal_url"] == "webcal://" + me["token_url"].removeprefix("http://")


@pytest.mark.django_db
def test_without_site_url_feed_url_lines_and_uids_follow_the_request(
    client, resident, court, no_site_url
):
    event = EventFactory()
    body = client.get("/calendar/events.ics", **ON_8141).content
    assert feed_url_lines(body) == [
        "SOURCE;VALUE=URI:http://testserver:8141/calendar/events.ics",
        f"URL:http://testserver:8141/events/{event.pk}/",
    ]
    assert f"UID:event-{event.uid}@testserver" in unfold(body)

    BookingFactory(resident=resident, slot=SlotFactory(resource=court, remaining=0))
    token = feed_tokens.get_or_create_feed_token(user=resident).token
    personal = client.get(f"/calendar/me/{token}.ics", **ON_8141).content
    assert feed_url_lines(personal) == ["URL:http://testserver:8141/me/bookings/"]


@pytest.mark.django_db
def test_a_feed_reached_on_another_port_is_another_representation(client, no_site_url):
    """The base is part of the ETag and of the body cache's key: no body built for one host
    and port is served (or revalidated) for another."""
    event = EventFactory()
    first = client.get("/calendar/events.ics", **ON_8141)
    other = client.get("/calendar/events.ics", HTTP_HOST="localhost:8142")

    assert first["ETag"] != other["ETag"]
    assert f"URL:http://localhost:8142/events/{event.pk}/" in unfold(other.content)
    again = client.get(
        "/calendar/events.ics", HTTP_HOST="localhost:8142", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 200


@pytest.mark.django_db
def test_with_site_url_every_link_uses_it_whatever_the_request(client, resident, settings):
    settings.SITE_URL = "https://sports.luohu.example"
    event = EventFactory()

    page = client.get("/events/", **ON_8141).content.decode()
    assert 'href="webcal://sports.luohu.example/calendar/events.ics"' in page
    assert 'href="https://sports.luohu.example/calendar/events.ics"' in page
    assert "testserver" not in page.split("<main", 1)[-1]
    body = client.get("/calendar/events.ics", **ON_8141).content
    assert feed_url_lines(body) == [
        "SOURCE;VALUE=URI:https://sports.luohu.example/calendar/events.ics",
        f"URL:https://sports.luohu.example/events/{event.pk}/",
    ]
    client.force_login(resident)
    me = client.get("/api/v1/me/calendar/", **ON_8141).json()
    assert me["token_url"].startswith("https://sports.luohu.example/calendar/me/")


@pytest.mark.django_db
def test_mails_without_site_url_link_to_the_dev_servers_host_and_port(
    resident, court, no_site_url, monkeypatch
):
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8141")
    resident.email = "alice@example.com"
    resident.save(update_fields=["email"])
    booking = BookingFactory(resident=resident, slot=SlotFactory(resource=court, remaining=0))

    assert send_booking_confirmation(booking_id=booking.pk)

    message = mail.outbox[-1]
    assert "http://127.0.0.1:8141/me/bookings/" in message.body
    assert ":8000" not in message.body


def test_the_fallback_base_reads_host_and_port_and_mends_wildcards(monkeypatch, settings):
    settings.SITE_URL = ""
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert fallback_base() == "http://127.0.0.1:8000"
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8141")
    assert absolute_url("/x/") == "http://127.0.0.1:8141/x/"
    monkeypatch.setenv("HOST", "::1")
    assert fallback_base() == "http://[::1]:8141"
    settings.SITE_URL = "https://sports.luohu.example"
    assert absolute_url("/x/") == "https://sports.luohu.example/x/"


def test_site_url_is_required_only_without_debug_and_must_be_absolute(settings):
    settings.ALLOWED_HOSTS = ["sports.luohu.example"]
    settings.SITE_URL = ""
    settings.DEBUG = True
    assert checks.check_hosts_and_urls(None) == []
    settings.DEBUG = False
    [message] = checks.check_hosts_and_urls(None)
    assert message.id == "config.E010" and "e-mails" in message.msg
    settings.SITE_URL = "https://sports.luohu.example"
    assert checks.check_hosts_and_urls(None) == []


# --- one real server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_the_quick_start_on_another_port_serves_a_subscription_link_that_fetches_the_feed(
    tmp_path,
):
    """`manage.py runserver` with DEBUG=1 on SQLite and no SITE_URL, as `PORT=... make run`."""
    port = free_port()
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'quick.sqlite3'}",
        REDIS_URL="",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    log = (tmp_path / "runserver.log").open("wb")
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, page = fetch(f"{base}/events/")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert status == 200
        html = page.decode()
        [webcal] = re.findall(r'href="(webcal://[^"]+/calendar/events\.ics)"', html)
        assert webcal == f"webcal://127.0.0.1:{port}/calendar/events.ics"
        assert f'href="{base}/calendar/events.ics"' in html

        status, content_type, body = fetch("http://" + webcal.removeprefix("webcal://"))
        assert status == 200 and content_type == "text/calendar; charset=utf-8"
        assert f"SOURCE;VALUE=URI:{base}/calendar/events.ics" in unfold(body)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
