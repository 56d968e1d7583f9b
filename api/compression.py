"""gzip for calendar feeds and large JSON answers of the API; never for HTML pages.

A 10,000-event feed is about 2 MB of text and a twentieth of that gzipped (bench/README.md);
calendar apps poll it every few hours, phones fetch availability grids over mobile networks.

What is compressed, and why the rest is not (BREACH: a response that holds a secret beside
text an attacker chooses leaks the secret through its compressed size, to someone who can make
the victim's browser send many requests and watch their sizes on the wire):
- HTML pages: never. They carry the CSRF token and echo query text (search boxes, filters).
- `text/calendar` feeds: always. Public feeds hold no secret. A personal feed
  (/calendar/me/<token>.ics) is authenticated by its URL alone, no cookie, and its body holds
  neither the token nor any request input: only the resident's own bookings, which whoever can
  request the URL can read outright. No foreign page can make a client fetch it with chosen
  input without knowing the token.
- JSON under /api/, over MIN_JSON_BYTES: no CSRF token is ever in it. An answer to a request
  that carries the session cookie may still hold the resident's secrets (check-in codes, the
  feed link) beside query text echoed in `next`/`previous` links, and a foreign page can make
  the browser send that cookie (a top-level navigation). So a request with the session cookie
  is compressed only when the browser says it came from this site's own pages
  (`Sec-Fetch-Site: same-origin`, which a foreign page cannot forge); API clients that sign in
  with a token header (which a foreign page cannot make a browser send) always get gzip.

Conditional requests keep working: a compressed answer's ETag becomes weak (W/"..."), as
Django's GZipMiddleware does (RFC 9110 §8.8.1: the bytes differ from the plain answer's), and
If-None-Match compares weakly (django.utils.cache), so a client that sends either form back
gets its 304. A 304 to a client that accepts gzip carries the weak form too, like the 200 it
revalidates. Every answer of a kind that may be compressed says `Vary: Accept-Encoding`.

Compressed feed bodies are kept by their (strong) ETag, as the plain ones are in
common/feeds.py, so a repeat 200 of a big feed costs no compression either.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.regex_helper import _lazy_re_compile

from common.bytecache import BoundedBytesCache

__all__ = ["COMPRESS_LEVEL", "MIN_JSON_BYTES", "CompressionMiddleware", "gzip_bytes"]

# Level 6 (zlib's default) vs 5 on the 10,000-event feed: bench/README.md, "Feed compression".
COMPRESS_LEVEL = 6
MIN_JSON_BYTES = 1024
MIN_FEED_BYTES = 200  # smaller answers gain nothing from the 18-byte gzip frame
FEED_PREFIX = "/calendar/"
API_PREFIX = "/api/"

_accepts_gzip = _lazy_re_compile(r"\bgzip\b")
_no_gzip = _lazy_re_compile(r"\bgzip\s*;\s*q\s*=\s*0(\.0*)?\s*(,|$)")


def gzip_bytes(data: bytes, level: int = COMPRESS_LEVEL) -> bytes:
    """gzip `data` with no timestamp or file name: the same input gives the same bytes."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 16 + 15: a gzip frame
    return compressor.compress(data) + compressor.flush()


_FEEDS = BoundedBytesCache(max_bytes=8 * 1024 * 1024)


def clear_cache() -> None:
    """Forget the compressed feed bodies (tests)."""
    _FEEDS.clear()


def accepts_gzip(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    return bool(_accepts_gzip.search(header)) and not _no_gzip.search(header)


def _kind(request: HttpRequest, response: HttpResponseBase) -> str | None:
    """ "feed", "json" or None (never compressed) for this response."""
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if content_type == "text/html":
        return None
    if content_type == "text/calendar":
        return "feed"
    if response.status_code == 304 and request.path.startswith(FEED_PREFIX):
        return "feed"  # no Content-Type on a 304: revalidating a feed
    if request.path.startswith(API_PREFIX) and (
        content_type == "application/json" or content_type.endswith("+json")
    ):
        return "json"
    return None


def _breach_safe(request: HttpRequest) -> bool:
    """False for a cookie-authenticated request that a foreign page may have caused."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return request.META.get("HTTP_SEC_FETCH_SITE", "") == "same-origin"


def _weaken_etag(response: HttpResponseBase) -> None:
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag


class CompressionMiddleware:
    """gzip feeds and large /api/ JSON for clients that accept it (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        kind = _kind(request, response)
        if kind is None:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not accepts_gzip(request) or response.has_header("Content-Encoding"):
            return response
        if response.status_code == 304:
            _weaken_etag(response)
            return response
        if response.streaming or not isinstance(response, HttpResponse):
            return response
        if kind == "json" and not _breach_safe(request):
            return response
        body = response.content
        if len(body) < (MIN_FEED_BYTES if kind == "feed" else MIN_JSON_BYTES):
            return response
        etag = response.get("ETag", "")
        cacheable = kind == "feed" and response.status_code == 200 and etag.startswith('"')
        compressed = _FEEDS.get(etag) if cacheable else None
        if compressed is None:
            compressed = gzip_bytes(body)
            if cacheable:
                _FEEDS.put(etag, compressed)
        if len(compressed) >= len(body):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        response.headers["Content-Encoding"] = "gzip"
        _weaken_etag(response)
        return response
