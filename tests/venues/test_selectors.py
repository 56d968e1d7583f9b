import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import (
    OpeningRuleFactory,
    ResourceFactory,
    SportFactory,
    VenueFactory,
)
from venues.exceptions import VenueNotFoundError
from venues.models import Venue
from venues.selectors import get_rules_summary, get_venue, get_venue_detail, list_venues

pytestmark = pytest.mark.django_db


def test_list_venues_without_filters_lists_active_venues_with_sports():
    sport = SportFactory()
    venue = VenueFactory()
    venue.sports.add(sport)
    VenueFactory(is_active=False)
    venues = list(list_venues())
    assert venues == [venue]
    assert list(venues[0].sports.all()) == [sport]


def test_list_venues_combines_filters():
    tennis = SportFactory(code="tennis", name_zh="网球", name_en="Tennis")
    match = VenueFactory(kind=Venue.Kind.COURT_VENUE, name_en="Luohu Tennis Centre")
    match.sports.add(tennis)
    VenueFactory(kind=Venue.Kind.COURT_VENUE, name_en="Other courts").sports.add(tennis)
    VenueFactory(kind=Venue.Kind.POOL, name_en="Luohu pool")
    assert list(list_venues(kind="court_venue", sport="tennis", q="luohu")) == [match]


def test_get_venue_prefetches_active_resources(django_assert_num_queries):
    venue = VenueFactory()
    ResourceFactory(venue=venue, sport=SportFactory())
    ResourceFactory(venue=venue, is_active=False)
    with django_assert_num_queries(3):  # venue + policy, sports, resources + sport
        found = get_venue(venue_id=str(venue.pk))
        assert [r.sport.code for r in found.active_resources] == ["badminton"]


@pytest.mark.parametrize("venue_id", [None, "x", 0, 10**6])
def test_get_venue_refuses_unknown_ids(venue_id):
    with pytest.raises(VenueNotFoundError):
        get_venue(venue_id=venue_id)


def test_rules_summary_spans_all_resources_and_skips_expired_rules():
    venue = VenueFactory()
    a, b = ResourceFactory(venue=venue), ResourceFactory(venue=venue)
    today = dt.date(2030, 1, 7)
    OpeningRuleFactory(
        resource=a, weekday=0, opens_at=dt.time(7), closes_at=dt.time(9), public_benefit=True
    )
    OpeningRuleFactory(
        resource=b, weekday=0, opens_at=dt.time(9), closes_at=dt.time(21), price=Decimal("30")
    )
    OpeningRuleFactory(
        resource=b,
        weekday=2,
        opens_at=dt.time(5),
        closes_at=dt.time(23),
        price=Decimal("99"),
        valid_until=today - dt.timedelta(days=1),
    )
    summary = get_rules_summary(venue_id=venue.pk, on=today)
    assert [(h.weekday, h.opens_at, h.closes_at) for h in summary.opening_hours] == [
        (0, dt.time(7), dt.time(21))
    ]
    assert [(h.weekday, h.opens_at) for h in summary.public_benefit_hours] == [(0, dt.time(7))]
    assert (summary.price_min, summary.price_max) == (Decimal("0.00"), Decimal("30.00"))


def test_venue_detail_carries_the_rules_summary():
    venue = VenueFactory()
    detail = get_venue_detail(venue_id=venue.pk, on=dt.date(2030, 1, 7))
    assert detail.rules_summary.opening_hours == []
