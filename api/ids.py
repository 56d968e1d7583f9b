"""Ids in URLs: a positive PostgreSQL bigint, anything else is an unknown object (404)."""

from common.errors import NotFoundError

MAX_ID = 2**63 - 1  # PostgreSQL bigint


def parse_id(pk: str, *, not_found: type[NotFoundError]) -> int:
    """The id in the URL, or `not_found` raised for anything but a positive whole number."""
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 19) or not 0 < int(pk) <= MAX_ID:
        raise not_found()
    return int(pk)
