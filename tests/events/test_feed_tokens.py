"""Personal feed tokens: one per user, made on first use, rotated to a new secret."""

import pytest

from events import feed_tokens, selectors

pytestmark = pytest.mark.django_db


def test_feed_token_finds_its_active_user(resident):
    token = feed_tokens.get_or_create_feed_token(user=resident)
    assert feed_tokens.get_or_create_feed_token(user=resident).token == token.token
    assert selectors.get_feed_token_user(token=token.token) == resident
    rotated = feed_tokens.rotate_feed_token(user=resident)
    assert rotated.token != token.token
    assert selectors.get_feed_token_user(token=token.token) is None
    assert selectors.get_feed_token_user(token=rotated.token) == resident
    resident.is_active = False
    resident.save()
    assert selectors.get_feed_token_user(token=rotated.token) is None
