"""Ballot rounds for peak slots, and residents' entries in them (design.md, "Fair allocation")."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from booking.models import Booking, Slot
from venues.models import Venue


def new_seed() -> str:
    """32 random bytes as 64 lowercase hex characters (algorithm v1)."""
    return secrets.token_hex(32)


def commitment_of(seed: str) -> str:
    """SHA-256 of the seed's 64 ASCII characters, lowercase hex (algorithm v1)."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def new_ticket() -> str:
    """A public pseudonym of an entry: random, so unlinkable to the resident without the
    server's data; stable because it is stored."""
    return secrets.token_hex(8)


class BallotRound(models.Model):
    """Some slots of one venue on one play date, allocated by a verifiable draw.

    scheduled → (opens_at) open → (closes_at) closed → (draw) drawn; leftovers are first-come
    from `releases_at`. The seed is secret until drawn; its commitment is public from the start.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open for entries")
        CLOSED = "closed", _("Closed, awaiting the draw")
        DRAWN = "drawn", _("Drawn")

    ALGORITHM = "v1"
    # common.models.Notice kind owed once per drawn round; its sender fans it out into one
    # BallotEntry.RESULT_NOTICE per entry (allocation.notifications).
    RESULTS_NOTICE = "ballot.results"

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="ballot_rounds")
    date = models.DateField(help_text=_("The play date (Asia/Shanghai)."))
    slots = models.ManyToManyField(Slot, related_name="ballot_rounds")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    draws_at = models.DateTimeField()
    pay_by = models.DateTimeField(help_text=_("Winners of paid slots pay by then."))
    releases_at = models.DateTimeField()
    max_choices = models.PositiveIntegerField(default=3)
    seed = models.CharField(max_length=64, default=new_seed, editable=False)
    commitment = models.CharField(max_length=64, editable=False)
    drawn_at = models.DateTimeField(null=True, blank=True)
    # What the draw saw: per slot id, [exclusive, places left]; published with the results.
    drawn_slots = models.JSONField(default=dict, blank=True, editable=False)
    released_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_policy = models.BooleanField(
        default=False, help_text=_("Made by the scheduler from the venue's policy.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at"))
                & models.Q(draws_at__gte=models.F("closes_at"))
                & models.Q(releases_at__gte=models.F("draws_at")),
                name="ballot_round_timetable_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(max_choices__gte=1), name="ballot_round_max_choices_gte_1"
            ),
            # Two schedulers at once make one round per venue and day, not two.
            models.UniqueConstraint(
                fields=["venue", "date"],
                condition=models.Q(by_policy=True),
                name="ballot_round_one_by_policy_per_day",
            ),
        ]
        indexes = [models.Index(fields=["venue", "date"], name="ballot_round_venue_date_idx")]

    def __str__(self) -> str:
        return f"Ballot #{self.pk} {self.venue} {self.date}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.commitment:
            self.commitment = commitment_of(self.seed)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def status_at(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.drawn_at is not None:
            return self.Status.DRAWN
        if now < self.opens_at:
            return self.Status.SCHEDULED
        if now < self.closes_at:
            return self.Status.OPEN
        return self.Status.CLOSED

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def public_seed(self) -> str | None:
        return self.seed if self.drawn_at is not None else None


class BallotEntry(models.Model):
    """A resident's entry: ranked choices among the round's slots and a party size."""

    class Status(models.TextChoices):
        ENTERED = "entered", _("Entered")
        # Not the waiting list's "Withdrawn" (left the queue): a withdrawn ballot entry.
        WITHDRAWN = "withdrawn", pgettext_lazy("ballot entry", "Withdrawn")
        WON = "won", _("Won")
        LOST = "lost", _("Not drawn")

    RESULT_NOTICE = "ballot.result"  # common.models.Notice kind: one entry's result mail

    round = models.ForeignKey(BallotRound, on_delete=models.PROTECT, related_name="entries")
    # No index of its own: the (resident, status) index leads with it, and a draw rewrites
    # every entry (no HOT update), so each index costs time per entry (bench/README.md).
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ballot_entries",
        db_index=False,
    )
    # Unique by a constraint in Meta: a unique field would add a second (LIKE) index, which
    # every draw would have to update on every entry.
    ticket = models.CharField(max_length=32, default=new_ticket, editable=False)
    # JSON lists of slot ids (JSON, not ArrayField: the SQLite quick start has the app too).
    choices = models.JSONField(help_text=_("Slot ids, best first."))
    party_size = models.PositiveIntegerField(default=1)
    # No index of its own: every draw rewrites it on every entry (reads go by round or resident).
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENTERED)
    # Set by the draw, as published: 0 = no win at this venue in the 28 days before, else 1.
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    # The choices still allowed at the draw (per-person limits), as published.
    drawn_choices = models.JSONField(null=True, blank=True)
    # Indexed (and `booking` kept one per entry) only where set, i.e. on winners: a draw
    # rewrites every entry, and a losing entry's new row then skips both indexes
    # (bench/README.md). Nothing reads an entry from its booking: no reverse accessor.
    won_slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], name="ballot_entry_ticket_unique"),
            models.UniqueConstraint(
                fields=["booking"],
                condition=models.Q(booking__isnull=False),
                name="ballot_entry_one_per_booking",
            ),
            models.UniqueConstraint(
                fields=["round", "resident"],
                condition=~models.Q(status="withdrawn"),
                name="ballot_entry_one_live_per_resident",
            ),
            models.CheckConstraint(
                condition=models.Q(party_size__gte=1), name="ballot_entry_party_gte_1"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="won") | models.Q(won_slot__isnull=False),
                name="ballot_entry_won_has_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["resident", "status"], name="ballot_entry_resident_idx"),
            models.Index(
                fields=["won_slot"],
                condition=models.Q(won_slot__isnull=False),
                name="ballot_entry_won_slot_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Entry {self.ticket} in {self.round_id} ({self.outcome})"

    # The draw writes only the entries with something of their own to say: winners, tier 1,
    # choices left out by the per-person limits. An entry still `entered` in a drawn round
    # lost in tier 0 with all its choices allowed; a city-size round's 76,000 losers then
    # cost no write at all (allocation.drawing, bench/README.md). Read an entry's result
    # through these, never through the stored `status`, `tier` and `drawn_choices` alone.

    @property
    def outcome(self) -> str:
        """The entry's status as published: entered, withdrawn, won or lost."""
        if self.status == self.Status.ENTERED and self.round.drawn_at is not None:
            return self.Status.LOST
        return self.status

    @property
    def drawn_tier(self) -> int | None:
        """The entry's tier in the draw; None before it (and for a withdrawn entry)."""
        if self.tier is None and self.outcome == self.Status.LOST:
            return 0
        return self.tier

    @classmethod
    def outcome_is(cls, outcome: str) -> models.Q:
        """Entries whose `outcome` is `outcome`, as a filter."""
        entered, drawn = (
            models.Q(status=cls.Status.ENTERED),
            models.Q(round__drawn_at__isnull=False),
        )
        if outcome == cls.Status.LOST:
            return models.Q(status=cls.Status.LOST) | (entered & drawn)
        if outcome == cls.Status.ENTERED:
            return entered & ~drawn
        return models.Q(status=outcome)
