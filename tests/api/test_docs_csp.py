"""The API docs under the Content-Security-Policy: Redoc at /api/docs/ and /api/redoc/ runs
from static files, never from inline code."""

import re

import pytest

from tests.frontend.test_csp import POLICY, inline_code

pytestmark = pytest.mark.django_db


def test_api_docs_is_redoc_from_local_files(client):
    html = client.get("/api/docs/").content.decode()
    assert "redoc.standalone.js" in html
    assert "swagger" not in html.lower()


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_redoc_page_allows_its_own_nonce_for_styles_and_blob_workers_there_only(client, path):
    response = client.get(path)

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
    assert nonce.group(1) not in client.get(path)["Content-Security-Policy"]


def test_the_schema_and_api_answers_carry_the_policy(client):
    assert client.get("/api/schema/")["Content-Security-Policy"] == POLICY
    assert client.get("/api/v1/venues/")["Content-Security-Policy"] == POLICY
