"""The Ed25519 key pair of check-in codes: the private key signs, gates verify with the public one.

`CHECKIN_SIGNING_KEY` holds the private key (base64 of its 32 raw bytes). Rotating it
invalidates every code shown so far; gates must fetch the new public key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


def signing_key() -> Ed25519PrivateKey:
    """The private key codes are signed with (CHECKIN_SIGNING_KEY, or a DEBUG-only dev key).

    Raises ImproperlyConfigured when the key is malformed, or missing with DEBUG off.
    """
    configured = settings.CHECKIN_SIGNING_KEY
    if configured:
        return _configured_key(configured)
    # Only a DEBUG server may sign with a key anybody who knows its SECRET_KEY can derive (the
    # quick start's is public); SECRET_KEY is not even read otherwise. config/checks.py
    # refuses to start without CHECKIN_SIGNING_KEY when DEBUG is off: this is the backstop.
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "CHECKIN_SIGNING_KEY must be set when DEBUG is off (base64 of 32 random bytes)."
        )
    return _dev_key(settings.SECRET_KEY)


def load_signing_key(value: str) -> Ed25519PrivateKey:
    """Decode CHECKIN_SIGNING_KEY (base64 of the 32 raw bytes of an Ed25519 private key).

    Raises ImproperlyConfigured on a malformed value; the start-up check calls it too.
    """
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("CHECKIN_SIGNING_KEY is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("CHECKIN_SIGNING_KEY must be 32 raw bytes, base64-encoded.")
    return Ed25519PrivateKey.from_private_bytes(raw)


@functools.cache
def _configured_key(value: str) -> Ed25519PrivateKey:
    return load_signing_key(value)


@functools.cache
def _dev_key(secret_key: str) -> Ed25519PrivateKey:
    logger.warning(
        "CHECKIN_SIGNING_KEY is not set: check-in codes are signed with a development key "
        "derived from SECRET_KEY. Set a real key before gates trust these codes."
    )
    seed = hashlib.sha256(b"luohu-checkin-dev-key:" + secret_key.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_bytes() -> bytes:
    """The 32 raw bytes of the public key gates verify codes with."""
    return public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_pem() -> str:
    return public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
