"""The sign-in pages (/accounts/login/ and /admin/login/) share the API's limits on password
guessing: per client address and per username, with a translated message and 429."""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
RIGHT = {"username": "alice", "password": "pass-12345"}
WRONG = {"username": "alice", "password": "nope"}
LOCKED_ZH = "登录失败次数过多，暂时无法登录。"
LOCKED_EN = "Too many failed sign-in attempts: signing in is locked for a while."


def assert_locked_page(response, message: str = LOCKED_ZH) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert message in response.content.decode()


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_sixth_attempt_on_the_sign_in_page_is_refused_with_a_message(resident):
    client = Client()
    for n in range(4):  # five clients, one account
        wrong = client.post(LOGIN, WRONG, REMOTE_ADDR=f"198.51.100.{n}")
        assert wrong.status_code == 200
        assert LOCKED_ZH not in wrong.content.decode()  # just a wrong password, so far
    assert_locked_page(client.post(LOGIN, WRONG, REMOTE_ADDR="198.51.100.4"))
    response = client.post(LOGIN, RIGHT, REMOTE_ADDR="198.51.100.9")
    assert_locked_page(response)
    assert "请在" in response.content.decode()  # ... until when
    assert not signed_in(client)


def test_the_message_is_english_on_the_english_pages(resident):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for _ in range(5):
        client.post(LOGIN, WRONG)
    response = client.post(LOGIN, RIGHT)
    assert_locked_page(response, LOCKED_EN)
    assert "Try again after" in response.content.decode()


def test_one_client_is_locked_out_across_usernames(resident):
    client = Client(REMOTE_ADDR="198.51.100.50")
    for n in range(5):
        page = client.post(
            LOGIN,
            {"username": f"guess{n}", "password": "nope"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",  # not believed: no trusted proxy
        )
        assert page.status_code == (429 if n == 4 else 200)
    assert_locked_page(client.post(LOGIN, RIGHT))
    assert not signed_in(client)
    other = Client(REMOTE_ADDR="198.51.100.51")
    assert other.post(LOGIN, RIGHT).status_code == 302
    assert signed_in(other)


def test_admin_sign_in_is_limited(db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    wrong = {"username": "root", "password": "nope", "next": "/admin/"}
    assert client.post(ADMIN_LOGIN, wrong).status_code == 200
    for _ in range(4):
        client.post(ADMIN_LOGIN, wrong)
    response = client.post(
        ADMIN_LOGIN, {"username": "root", "password": "pass-12345", "next": "/admin/"}
    )
    assert_locked_page(response)
    assert not signed_in(client)


def test_failures_count_across_the_api_the_page_and_the_admin(resident):
    api = APIClient()
    for _ in range(3):
        api.post("/api/v1/auth/token/", WRONG, format="json")
    client = Client()
    client.post(LOGIN, WRONG)
    client.post(ADMIN_LOGIN, {**WRONG, "next": "/admin/"})
    assert_locked_page(client.post(LOGIN, RIGHT))
    assert api.post("/api/v1/auth/token/", RIGHT, format="json").json()["code"] == "login_locked"


def test_after_the_cool_off_the_right_password_signs_in(resident, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    for _ in range(5):
        client.post(LOGIN, WRONG)
    time_machine.move_to(start + dt.timedelta(minutes=14, seconds=59), tick=False)
    assert_locked_page(client.post(LOGIN, RIGHT))
    assert not signed_in(client)
    time_machine.move_to(start + dt.timedelta(minutes=15, seconds=1), tick=False)
    assert client.post(LOGIN, RIGHT).status_code == 302
    assert signed_in(client)
