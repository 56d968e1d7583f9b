"""The API docs under the Content-Security-Policy: Swagger UI at /api/docs/ and Redoc at
/api/redoc/ run from static files and a script URL of their own, never from inline code."""

import re

import pytest

from tests.frontend.test_csp import POLICY, inline_code

pytestmark = pytest.mark.django_db


def test_swagger_ui_page_sends_the_policy_and_has_no_inline_script_or_style(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    html = response.content.decode()
    assert inline_code(html) == []
    assert '<script src="/api/docs/?script="></script>' in html


def test_swagger_ui_init_script_is_served_as_javascript_under_the_policy(client):
    response = client.get("/api/docs/", {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Content-Security-Policy"] == POLICY
    script = response.content.decode()
    assert "SwaggerUIBundle({" in script
    assert 'url: "/api/schema/"' in script


def test_redoc_page_allows_its_own_nonce_for_styles_and_blob_workers_there_only(client):
    response = client.get("/api/redoc/")

    assert response.status_code == 200
    html = response.content.decode()
    assert inline_code(html) == []
    nonce = re.search(r'<script src="[^"]*api-redoc\.js" nonce="([\w-]{16,})"', html)
    assert nonce
    # Its styles are made by Redoc's script (with the nonce), its search index runs in a worker
    # Redoc makes from a blob: URL: both allowed on this page only.
    assert response["Content-Security-Policy"] == (
        POLICY.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce.group(1)}'")
        + "; worker-src 'self' blob:"
    )
    assert "fonts.googleapis.com" not in html
    # A fresh nonce for every response.
    assert nonce.group(1) not in client.get("/api/redoc/")["Content-Security-Policy"]


def test_the_schema_and_api_answers_carry_the_policy(client):
    assert client.get("/api/schema/")["Content-Security-Policy"] == POLICY
    assert client.get("/api/v1/venues/")["Content-Security-Policy"] == POLICY
