"""Mail backends for tests of what happens when the mail server misbehaves.

Each behaves like Django's locmem backend (messages land in `django.core.mail.outbox`) except
for the fault it stands for. Select one with `settings.MAILERS = {"default": {"BACKEND":
"tests.mail_backends.<Name>"}}`; their class attributes are the fault's knobs (reset them).
"""

import smtplib
import threading
import time
from typing import Any, ClassVar

from django.core.mail.backends.locmem import EmailBackend


class FailingBackend(EmailBackend):
    """Raises each exception of `failures` in turn (one per call), then sends normally."""

    failures: ClassVar[list[Exception]] = []
    _lock = threading.Lock()

    def send_messages(self, messages: Any) -> int:
        with self._lock:
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        return int(super().send_messages(messages))


class RefusingBackend(EmailBackend):
    """Refuses (SMTPRecipientsRefused) every message to an address in `refused`."""

    refused: ClassVar[set[str]] = set()

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            bad = {to: (550, b"mailbox unavailable") for to in message.to if to in self.refused}
            if bad:
                raise smtplib.SMTPRecipientsRefused(bad)
        return int(super().send_messages(messages))


class SlowBackend(EmailBackend):
    """Takes `delay` seconds per message, as a distant mail server does."""

    delay: ClassVar[float] = 0.02

    def send_messages(self, messages: Any) -> int:
        time.sleep(self.delay * len(messages))
        return int(super().send_messages(messages))
