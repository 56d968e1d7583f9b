"""Signed check-in codes: verified with the public key alone, used once, only in their window."""

import base64
import datetime as dt
import logging

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from booking import services
from booking.models import Booking
from checkin.codes import CheckinClaims, checkin_code_for, sign_claims, verify_code
from checkin.exceptions import InvalidCheckinCodeError
from checkin.gates import issue_gate_device
from checkin.keys import public_key_bytes, signing_key
from checkin.models import CheckIn
from checkin.selectors import get_live_occupancy
from checkin.services import check_in
from tests.concurrency.helpers import race
from tests.factories import BookingPolicyFactory, ResourceFactory, SlotFactory, UserFactory

START = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
CLAIMS = CheckinClaims(
    booking_id=123_456, venue_id=7, valid_from=START, valid_to=START + dt.timedelta(hours=1)
)


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- the code itself: no database, no settings -----------------------------------------------


def test_code_verifies_with_only_the_public_key():
    private = Ed25519PrivateKey.generate()
    code = sign_claims(CLAIMS, private)
    assert verify_code(code, raw_public(private)) == CLAIMS


def test_code_is_short_enough_for_a_small_qr_code():
    import segno

    code = sign_claims(CLAIMS, Ed25519PrivateKey.generate())
    assert len(code) == 114
    assert segno.make_qr(code, error="m", boost_error=False).version <= 8


@pytest.mark.parametrize("position", [0, 5, 20, 40, 113])
def test_altered_code_is_refused(position):
    private = Ed25519PrivateKey.generate()
    code = sign_claims(CLAIMS, private)
    altered = code[:position] + ("A" if code[position] != "A" else "B") + code[position + 1 :]
    with pytest.raises(InvalidCheckinCodeError):
        verify_code(altered, raw_public(private))


def test_code_with_changed_claims_is_refused():
    private = Ed25519PrivateKey.generate()
    token = base64.urlsafe_b64decode(sign_claims(CLAIMS, private) + "==")
    # Another booking id, with the original signature.
    forged_body = bytes([token[0]]) + (999).to_bytes(8, "big") + token[9:21]
    forged = base64.urlsafe_b64encode(forged_body + token[21:]).rstrip(b"=").decode()
    with pytest.raises(InvalidCheckinCodeError):
        verify_code(forged, raw_public(private))


def test_code_signed_with_another_key_is_refused():
    code = sign_claims(CLAIMS, Ed25519PrivateKey.generate())
    with pytest.raises(InvalidCheckinCodeError):
        verify_code(code, raw_public(Ed25519PrivateKey.generate()))


@pytest.mark.parametrize(
    "code", ["", "hello", "!!!!", "A" * 114, "A" * 5000, None, 123, "é" * 114, ["x"]]
)
def test_garbage_is_refused(code):
    with pytest.raises(InvalidCheckinCodeError):
        verify_code(code, raw_public(Ed25519PrivateKey.generate()))


# --- codes of bookings ------------------------------------------------------------------------


def confirmed(resident, resource, *, start=None, hours=1):  # type: ignore[no-untyped-def]
    start = start or timezone.now().replace(microsecond=0) + dt.timedelta(hours=24)
    slot = SlotFactory(
        resource=resource, starts_at=start, ends_at=start + dt.timedelta(hours=hours)
    )
    return services.place_booking(resident=resident, slot_id=slot.pk).booking


@pytest.fixture
def gate(venue):  # type: ignore[no-untyped-def]
    device, _token = issue_gate_device(venue=venue, name="东门闸机")
    return device


@pytest.mark.django_db
def test_confirmed_booking_code_carries_its_window(resident, court):
    booking = confirmed(resident, court)
    claims = verify_code(checkin_code_for(booking), public_key_bytes())
    assert claims.booking_id == booking.pk
    assert claims.venue_id == booking.venue_id
    # Court policy: from 15 minutes before the start to 15 minutes after it.
    assert claims.valid_from == booking.starts_at - dt.timedelta(minutes=15)
    assert claims.valid_to == booking.starts_at + dt.timedelta(minutes=15)


@pytest.mark.django_db
def test_smart_gym_code_is_valid_until_the_slot_ends(resident, gym):
    booking = confirmed(resident, gym)
    claims = verify_code(checkin_code_for(booking), public_key_bytes())
    assert claims.valid_to == booking.ends_at


@pytest.mark.django_db
def test_held_cancelled_and_expired_bookings_have_no_code(resident, court):
    booking = confirmed(resident, court)
    for status in (Booking.Status.HELD, Booking.Status.CANCELLED, Booking.Status.EXPIRED):
        booking.status = status
        assert checkin_code_for(booking) == ""


@pytest.mark.django_db
def test_valid_code_lets_the_party_in_once(resident, court, gate):
    booking = confirmed(resident, court)
    code = checkin_code_for(booking)

    first = check_in(code=code, device=gate, now=booking.starts_at)
    second = check_in(code=code, device=gate, now=booking.starts_at + dt.timedelta(minutes=1))

    assert (first.allowed, first.reason) == (True, None)
    assert (second.allowed, second.reason) == (False, "already_used")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert booking.checked_in_at == booking.starts_at
    scans = list(CheckIn.objects.order_by("id").values_list("allowed", "reason", "device_id"))
    assert scans == [(True, "", gate.pk), (False, "already_used", gate.pk)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "allowed", "reason"),
    [
        (dt.timedelta(minutes=-16), False, "too_early"),
        (dt.timedelta(minutes=-15), True, None),
        (dt.timedelta(minutes=15), True, None),
        (dt.timedelta(minutes=15, seconds=1), False, "too_late"),
    ],
)
def test_court_code_works_only_around_the_start(resident, court, gate, offset, allowed, reason):
    booking = confirmed(resident, court)
    result = check_in(code=checkin_code_for(booking), device=gate, now=booking.starts_at + offset)
    assert (result.allowed, result.reason) == (allowed, reason)


@pytest.mark.django_db
def test_smart_gym_admits_until_the_slot_ends(resident, gym):
    booking = confirmed(resident, gym)
    device, _ = issue_gate_device(venue=gym.venue, name="gate")
    code = checkin_code_for(booking)
    late = check_in(code=code, device=device, now=booking.ends_at + dt.timedelta(seconds=1))
    assert late.reason == "too_late"
    result = check_in(code=code, device=device, now=booking.ends_at - dt.timedelta(minutes=5))
    assert result.allowed


@pytest.mark.django_db
def test_cancelled_booking_is_refused(resident, court, gate):
    booking = confirmed(resident, court)
    code = checkin_code_for(booking)  # e.g. a screenshot taken before cancelling
    services.cancel_booking(booking_id=booking.pk, by_user=resident)
    result = check_in(code=code, device=gate, now=booking.starts_at)
    assert (result.allowed, result.reason) == (False, "cancelled")


@pytest.mark.django_db
def test_code_of_another_venue_is_refused(resident, court):
    booking = confirmed(resident, court)
    other_venue = ResourceFactory().venue
    BookingPolicyFactory(venue=other_venue)
    device, _ = issue_gate_device(venue=other_venue, name="elsewhere")
    result = check_in(code=checkin_code_for(booking), device=device, now=booking.starts_at)
    assert (result.allowed, result.reason) == (False, "wrong_venue")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


@pytest.mark.django_db
def test_staff_check_in_only_at_their_own_venue(resident, court, staff_user):
    booking = confirmed(resident, court)
    code = checkin_code_for(booking)
    outsider = UserFactory(username="other-staff")
    ResourceFactory().venue.staff.add(outsider)

    refused = check_in(code=code, staff=outsider, now=booking.starts_at)
    allowed = check_in(code=code, staff=staff_user, now=booking.starts_at)

    assert refused.reason == "wrong_venue"
    assert allowed.allowed
    assert CheckIn.objects.get(allowed=True).staff_id == staff_user.pk


@pytest.mark.django_db
def test_code_of_a_deleted_or_unknown_booking_is_invalid(gate):
    code = sign_claims(
        CheckinClaims(booking_id=10**9, venue_id=gate.venue_id, valid_from=START, valid_to=START),
        signing_key(),
    )
    result = check_in(code=code, device=gate)
    assert (result.allowed, result.reason, result.booking) == (False, "invalid_code", None)


@pytest.mark.django_db
def test_forged_code_is_refused_and_recorded(gate):
    forged = sign_claims(CLAIMS, Ed25519PrivateKey.generate())
    result = check_in(code=forged, device=gate)
    assert (result.allowed, result.reason) == (False, "invalid_code")
    assert CheckIn.objects.get().reason == "invalid_code"


@pytest.mark.django_db
def test_live_occupancy_counts_people_checked_in_now(resident, other_resident, gym):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=10)
    slot = SlotFactory(resource=gym, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    a = services.place_booking(resident=resident, slot_id=slot.pk, party_size=3).booking
    b = services.place_booking(resident=other_resident, slot_id=slot.pk).booking
    device, _ = issue_gate_device(venue=gym.venue, name="gate")
    check_in(code=checkin_code_for(a), device=device, now=start)

    assert get_live_occupancy(venue_id=gym.venue_id, now=start + dt.timedelta(minutes=5)) == 3
    check_in(code=checkin_code_for(b), device=device, now=start)
    assert get_live_occupancy(venue_id=gym.venue_id, now=start + dt.timedelta(minutes=5)) == 4
    assert get_live_occupancy(venue_id=gym.venue_id, now=slot.ends_at) == 0


def test_dev_key_is_derived_from_the_secret_key_with_a_warning(settings, caplog):
    settings.CHECKIN_SIGNING_KEY = ""
    settings.DEBUG = True
    settings.SECRET_KEY = "a-dev-secret-for-this-test"
    with caplog.at_level(logging.WARNING, logger="checkin.keys"):
        first = public_key_bytes()
    assert public_key_bytes() == first  # stable across calls (and restarts)
    assert "CHECKIN_SIGNING_KEY is not set" in caplog.text
    settings.SECRET_KEY = "another-secret"
    assert public_key_bytes() != first


def test_production_without_a_signing_key_refuses_to_sign(settings):
    settings.CHECKIN_SIGNING_KEY = ""
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        public_key_bytes()


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_signing_key_is_a_configuration_error(settings, value):
    settings.CHECKIN_SIGNING_KEY = value
    with pytest.raises(ImproperlyConfigured):
        public_key_bytes()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_gates_scanning_one_code_at_once_let_it_in_once(venue, court):
    booking = confirmed(UserFactory(username="racer"), court)
    code = checkin_code_for(booking)
    gates = [issue_gate_device(venue=venue, name=f"gate {i}")[0] for i in range(4)]

    results = race(
        [lambda g=g: check_in(code=code, device=g, now=booking.starts_at) for g in gates]
    )

    assert sorted(str(r.reason) for r in results) == ["None"] + ["already_used"] * 3
    assert CheckIn.objects.filter(allowed=True).count() == 1
