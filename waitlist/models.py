"""The waiting list of a full slot: residents queue, freed places are offered in turn."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Booking, Slot


class WaitlistEntryQuerySet(models.QuerySet["WaitlistEntry"]):
    def live(self) -> "WaitlistEntryQuerySet":
        return self.filter(status__in=WaitlistEntry.LIVE_STATUSES)

    def waiting(self) -> "WaitlistEntryQuerySet":
        return self.filter(status=WaitlistEntry.Status.WAITING)

    def in_line(self) -> "WaitlistEntryQuerySet":
        """Waiting entries in their order in the queue: first come, first offered."""
        return self.waiting().order_by("created_at", "id")


class WaitlistEntry(models.Model):
    """A resident queueing for places of a full slot.

    waiting → offered → accepted / declined / expired; waiting or offered → withdrawn. While
    offered, `booking` is the held booking that keeps the offered places for the resident
    until `offer_expires_at`; nobody else can take them because that hold occupies them.
    An entry is never deleted.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    LIVE_STATUSES = (Status.WAITING, Status.OFFERED)
    # The kind of the outbox notice (common.models.Notice) that e-mails an offer.
    OFFER_NOTICE = "waitlist.offer"

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="waitlist_entries")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    party_size = models.PositiveIntegerField()
    places = models.PositiveIntegerField(help_text="Places the party needs of the slot.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    # The queue order: first created, first offered (ties broken by id).
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    booking = models.OneToOneField(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entry",
        help_text="The held booking that reserves the offered places (then the booking itself).",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "resident"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_live_per_resident_slot",
            ),
            models.CheckConstraint(
                condition=Q(party_size__gte=1) & Q(places__gte=1), name="waitlist_party_gte_1"
            ),
            models.CheckConstraint(
                condition=~Q(status="offered")
                | Q(booking__isnull=False, offer_expires_at__isnull=False),
                name="waitlist_offer_has_hold",
            ),
        ]
        indexes = [
            models.Index(
                fields=["slot", "created_at", "id"],
                condition=Q(status="waiting"),
                name="waitlist_waiting_line_idx",
            ),
            models.Index(
                fields=["offer_expires_at"],
                condition=Q(status="offered"),
                name="waitlist_offer_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.resident} for {self.slot} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES
