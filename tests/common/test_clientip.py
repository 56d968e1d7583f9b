"""common.clientip: X-Forwarded-For is believed only from TRUSTED_PROXIES, right to left."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from common.clientip import client_ip, trusted_networks


def ip(remote: str, forwarded: str | None = None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("198.51.100.1", "203.0.113.9") == "198.51.100.1"


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # From a trusted proxy: the hop it added.
        ("10.0.0.2", "203.0.113.9", "203.0.113.9"),
        # A client's own claims come first (left) and are skipped.
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        # Two trusted proxies in a row: skip both.
        ("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        # Every hop trusted: the leftmost.
        ("10.0.0.2", "10.0.0.3, 10.0.0.4", "10.0.0.3"),
        # No header, or garbage where the proxy's hop should be: the last address that stands.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "203.0.113.9, not-an-ip", "10.0.0.2"),
        # Ports, brackets and IPv4-mapped IPv6 addresses.
        ("10.0.0.2", "203.0.113.9:5555", "203.0.113.9"),
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:10.0.0.2", "::ffff:203.0.113.9", "203.0.113.9"),
        # Not from a trusted proxy: the header counts for nothing.
        ("198.51.100.1", "203.0.113.9", "198.51.100.1"),
    ],
)
def test_from_a_trusted_proxy_the_header_is_read_right_to_left(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip(remote, forwarded) == client


def test_a_request_without_an_address_has_no_client_ip(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("", "203.0.113.9") is None


def test_a_malformed_trusted_proxy_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        trusted_networks(("10.0.0.0/8", "proxy.example"))
