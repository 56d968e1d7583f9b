"""403 and 404 are the site's own pages, in the visitor's language (issue 15, items 4 and 8)."""

from tests.factories import UserFactory


def test_an_admin_opening_the_organiser_console_gets_the_styled_403_with_an_admin_link(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/organiser/")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert 'class="card error-page"' in html
    assert 'href="/admin/"' in html
    assert "Forbidden" not in html


def test_the_403_page_speaks_english_to_english_visitors(client, resident):
    client.force_login(resident)
    html = client.get("/organiser/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "You cannot open this page" in html
    assert 'href="/admin/"' not in html


def test_an_unknown_page_gets_the_styled_404(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="card error-page"' in html
    assert "Page not found" in html
    assert 'href="/events/"' in html


def test_an_unknown_api_path_still_answers_json(client, db):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"]
