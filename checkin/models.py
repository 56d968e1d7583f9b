"""Gate devices and the scans of check-in codes.

Both tables were created by the booking app and keep their names (`db_table`), so that moving
the models here moved no row (booking migration 0008, checkin migration 0001).
"""

from django.conf import settings
from django.db import models

from booking.models import Booking
from venues.models import Venue


class GateDevice(models.Model):
    """A check-in gate or scanner of one venue; it authenticates with `Authorization: Gate <token>`.

    Only a SHA-256 of the token is stored: the token is shown once, when it is issued.
    """

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="gate_devices")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "booking_gatedevice"
        ordering = ["venue_id", "name"]

    def __str__(self) -> str:
        return f"{self.venue} · {self.name}"


class CheckIn(models.Model):
    """One scan of a check-in code at a gate or by staff, allowed or refused."""

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="checkins"
    )
    device = models.ForeignKey(
        GateDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField()
    allowed = models.BooleanField()
    reason = models.CharField(max_length=30, blank=True)

    class Meta:
        db_table = "booking_checkin"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Check-in {self.booking_id} at {self.at:%Y-%m-%d %H:%M}: {self.reason or 'ok'}"
