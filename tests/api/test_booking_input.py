"""The direct read of a booking request agrees with BookingCreateSerializer on every input."""

import pytest
from rest_framework.exceptions import ValidationError

from api.serializers.bookings import MAX_ID, BookingCreateSerializer, parse_booking_create
from booking.services import MAX_PARTY_SIZE

INPUTS = [
    {"slot": 7},
    {"slot": 7, "party_size": 3},
    {"slot": 1, "party_size": 1},
    {"slot": MAX_ID, "party_size": MAX_PARTY_SIZE},
    {"slot": 7, "party_size": 2, "extra": "ignored"},
    {},
    {"party_size": 2},
    {"slot": 0},
    {"slot": -1},
    {"slot": MAX_ID + 1},
    {"slot": 7, "party_size": 0},
    {"slot": 7, "party_size": MAX_PARTY_SIZE + 1},
    {"slot": "7"},
    {"slot": 7.0},
    {"slot": True},
    {"slot": None},
    {"slot": 7, "party_size": None},
    {"slot": 7, "party_size": False},
    {"slot": 7, "party_size": "2"},
    {"slot": [7]},
    [],
    [{"slot": 7}],
    "7",
    7,
    None,
]


def serializer_answer(data):  # type: ignore[no-untyped-def]
    form = BookingCreateSerializer(data=data)
    if form.is_valid():
        return form.validated_data["slot"], form.validated_data["party_size"]
    return form.errors


@pytest.mark.parametrize("data", INPUTS, ids=repr)
def test_direct_read_gives_the_serializers_values_or_its_errors(data):  # type: ignore[no-untyped-def]
    expected = serializer_answer(data)
    if isinstance(expected, tuple):
        assert parse_booking_create(data) == expected
    else:
        with pytest.raises(ValidationError) as raised:
            parse_booking_create(data)
        assert raised.value.detail == expected
