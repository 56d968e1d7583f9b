"""GET /api/v1/bookings/{id}/qr.svg and qr.png: the owner's check-in QR code."""

import pytest
from rest_framework.test import APIClient

from booking import services
from tests.api.helpers import assert_error, client_for
from tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(resident, court):  # type: ignore[no-untyped-def]
    return services.place_booking(resident=resident, slot_id=SlotFactory(resource=court).pk).booking


def test_owner_gets_an_svg_qr_code(resident_client, booking):
    response = resident_client.get(f"/api/v1/bookings/{booking.pk}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert response["Cache-Control"] == "private, max-age=300"


def test_owner_gets_a_png_qr_code(resident_client, booking):
    response = resident_client.get(f"/api/v1/bookings/{booking.pk}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_someone_elses_booking_is_not_found(other_resident, booking):
    client = client_for(other_resident)
    response = client.get(f"/api/v1/bookings/{booking.pk}/qr.svg")
    assert_error(response, 404, "booking_not_found")


def test_cancelled_booking_has_no_qr_code(resident, resident_client, booking):
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    response = resident_client.get(f"/api/v1/bookings/{booking.pk}/qr.svg")
    assert_error(response, 404, "no_checkin_code")


@pytest.mark.parametrize("pk", ["0", "99999999", "abc", "1" * 30])
def test_unknown_booking_is_a_404(resident_client, pk):
    response = resident_client.get(f"/api/v1/bookings/{pk}/qr.svg")
    assert response.status_code == 404


def test_anonymous_caller_gets_401(booking):
    assert APIClient().get(f"/api/v1/bookings/{booking.pk}/qr.png").status_code == 401
