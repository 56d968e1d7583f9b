"""The venue grid shows a paid slot as not bookable online, with its reason, while no payment
provider is configured: the resident learns it before the click, not from a refusal after."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from booking import rules
from tests.factories import SlotFactory
from tests.frontend.conftest import tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_slot(court):  # type: ignore[no-untyped-def]
    starts = tomorrow_at(18)
    return SlotFactory(
        resource=court,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        price=Decimal("40.00"),
    )


def _grid(client, venue, slot) -> str:  # type: ignore[no-untyped-def]
    day = slot.starts_at.astimezone(rules.local_tz()).date().isoformat()
    return client.get(f"/venues/{venue.pk}/", {"day": day}).content.decode()


def test_paid_slot_without_a_payment_provider_is_a_greyed_cell_with_price_and_reason(
    client, venue, paid_slot, free_slot, settings
):
    settings.STRIPE_ENABLED = False
    html = _grid(client, venue, paid_slot)
    assert (
        f'<span class="slot no-payment" data-slot="{paid_slot.pk}">¥40.00'
        '<span class="price">暂不支持在线支付</span></span>'
    ) in html
    assert not re.search(rf'<button[^>]*data-slot="{paid_slot.pk}"', html)
    # Free slots stay bookable buttons.
    assert re.search(rf'<button type="button" class="slot" data-slot="{free_slot.pk}"', html)
    # The script re-renders cells from the API: it has the same words.
    assert '"slot.no_payment": "\\u6682\\u4e0d\\u652f\\u6301\\u5728\\u7ebf\\u652f\\u4ed8"' in html

    # With a payment provider configured it is a "Book ¥40.00" button again.
    settings.STRIPE_ENABLED = True
    html = _grid(client, venue, paid_slot)
    assert re.search(rf'<button type="button" class="slot" data-slot="{paid_slot.pk}"', html)
    assert "no-payment" not in html


def test_the_reason_is_in_english_on_the_english_pages(client, venue, paid_slot, settings):
    settings.STRIPE_ENABLED = False
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = _grid(client, venue, paid_slot)
    assert (
        f'<span class="slot no-payment" data-slot="{paid_slot.pk}">¥40.00'
        '<span class="price">Online payment unavailable</span></span>'
    ) in html


def test_home_counts_no_paid_places_while_online_payment_is_unavailable(
    client, venue, paid_slot, settings
):
    settings.STRIPE_ENABLED = False
    day = paid_slot.starts_at.astimezone(rules.local_tz()).date().isoformat()
    html = client.get("/", {"day": day}).content.decode()
    assert f'data-venue-id="{venue.pk}"' in html
    assert "个空位" not in html
    settings.STRIPE_ENABLED = True
    html = client.get("/", {"day": day}).content.decode()
    assert "1 个空位" in html
