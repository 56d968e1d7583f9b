"""The client's IP address, believing forwarding headers only from configured proxies.

`X-Forwarded-For` is written by whoever sends the request: a client can put any address in it.
Only a reverse proxy the operator lists in `TRUSTED_PROXIES` (IP addresses or CIDR networks)
is believed, and only for the hop it appended: the header is read right to left (each proxy
appends the address it received the request from), skipping trusted proxies, and the first
address that is not a trusted proxy is the client. With `TRUSTED_PROXIES` empty (the
default) the client is the connection's address, `REMOTE_ADDR`, and the header is ignored.

One function for every limit that counts per client: the login lockout (django-axes'
`AXES_CLIENT_IP_CALLABLE`) and the API's throttles (`api.throttling`).
"""

import functools
import ipaddress
from collections.abc import Mapping
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class _HasMeta(Protocol):
    @property
    def META(self) -> Mapping[str, Any]: ...


def client_ip(request: _HasMeta) -> str | None:
    """The address of the client that sent `request` (None when the server gave no address)."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted(remote, networks):
        return str(remote)
    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        address = parse_address(hop)
        if address is None:
            # Not an address: the trusted proxy's hop ends here, the last one stands.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def parse_address(text: str) -> IPAddress | None:
    """An address as a proxy writes it ("1.2.3.4", "1.2.3.4:5678", "[::1]:5678", "::1");
    an IPv4-mapped IPv6 address as its IPv4 address; None for anything else."""
    text = text.strip()
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=8)
def trusted_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """`TRUSTED_PROXIES` parsed; ImproperlyConfigured names an entry that is not an address
    or a network (config/settings.py calls this at start-up)."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is not an IP address or a CIDR network"
            ) from exc
    return tuple(networks)


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)
