import pytest
from django.utils import timezone

from tests.allocation.conftest import make_ballot

pytestmark = pytest.mark.django_db


def test_venue_grid_links_ballot_slots_to_their_round(client, venue):
    b = make_ballot(venue)
    day = b.floor.starts_at.astimezone(timezone.get_current_timezone()).date()
    page = client.get(f"/venues/{venue.pk}/", {"day": day.isoformat()}).content.decode()
    assert f'href="/ballots/{b.round.pk}/"' in page
    assert 'class="slot ballot"' in page
