"""Absolute links (feeds, subscription links, payment and e-mail links) from one base.

The base is `SITE_URL` when it is set. Without it, a web response builds its links from the
request it answers (scheme and host:port as the client reached the server, the host checked
against ALLOWED_HOSTS by Django), so `PORT=8141 make run` links to :8141 over http. Code with no
request (e-mails sent by Celery or by the outbox sweeper) falls back to the development server's
address, `http://$HOST:$PORT` (what `make run` serves); without DEBUG the start-up checks
require SITE_URL, so production mails never use that fallback (config/checks.py, config.E010).
"""

from __future__ import annotations

import os
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings

__all__ = ["RequestLike", "absolute_url", "fallback_base", "site_base", "site_host", "webcal_url"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8000"


class RequestLike(Protocol):
    """A Django HttpRequest or a DRF Request (which passes the call on to its HttpRequest)."""

    def build_absolute_uri(self, location: str | None = None) -> str: ...


# A server listening on every address is reached on the loopback one from this machine.
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1", "": DEFAULT_HOST}


def fallback_base() -> str:
    """`http://HOST:PORT` of the development server (`make run` exports both)."""
    host = os.environ.get("HOST", DEFAULT_HOST).strip()
    host = _WILDCARDS.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    port = os.environ.get("PORT", DEFAULT_PORT).strip() or DEFAULT_PORT
    return f"http://{host}:{port}"


def site_base(request: RequestLike | None = None) -> str:
    """The `scheme://host[:port][/prefix]` that absolute links start with, no trailing slash."""
    if settings.SITE_URL:
        return str(settings.SITE_URL).rstrip("/")
    if request is not None:
        # Scheme per SECURE_PROXY_SSL_HEADER, host per get_host() (ALLOWED_HOSTS, and
        # X-Forwarded-Host only with USE_X_FORWARDED_HOST).
        return request.build_absolute_uri("/").rstrip("/")
    return fallback_base()


def absolute_url(path: str, request: RequestLike | None = None) -> str:
    """`path` (starting with "/") as an absolute URL under `site_base(request)`."""
    return site_base(request) + path


def webcal_url(url: str) -> str:
    """The webcal:// subscription link of an http(s) feed URL (same host, port and path).

    Calendar apps fetch webcal:// over https or http as they see fit; the scheme of the
    copyable link next to it follows the base (http in the quick start).
    """
    return "webcal://" + url.split("://", 1)[-1]


def site_host(base: str) -> str:
    """The host name of a base URL (for iCal UIDs, `<kind>-<uuid>@<host>`)."""
    return urlsplit(base).hostname or "localhost"
