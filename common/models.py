"""The outbox of notices: what the system owes a person, written where the reason for it is.

`Notice` knows no domain: a kind (a string the writing app defines, e.g. "booking.confirmed")
and the id of the row it is about. The app that registered a sender for the kind turns it into
a message when it is sent (common/notices.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """A notice owed to a person: a transactional outbox row.

    Written in the same database transaction as the change that makes it owed (a booking
    confirmed, a waiting-list place given), so it exists if and only if that change committed.
    `sent_at` stays empty until the message was handed to the mail backend; `due_at` is when
    the sweeper tries next (pushed back after each failure); `(kind, ref)` is unique, so a
    notice is owed once.
    """

    class Outcome(models.TextChoices):
        PENDING = "", _("pending")
        SENT = "sent", _("sent")
        # Nothing to send any more: no e-mail address, or the booking was cancelled first.
        SKIPPED = "skipped", _("nothing to send")

    kind = models.CharField(max_length=40)
    ref = models.BigIntegerField(help_text=_("The id of the row the notice is about."))
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="notice_once_per_kind_and_ref")
        ]
        indexes = [
            # The sweeper's question, "what is unsent and due?", reads only unsent rows.
            models.Index(
                fields=["due_at"],
                name="notice_unsent_by_due_at",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} ({self.outcome or 'pending'})"
