"""A mail backend for the fault bench: one line per message, appended to a file.

`EMAIL_BACKEND=bench.mail_sink.EmailBackend` and `BENCH_MAIL_LOG=/path/file` in the Celery
worker's environment: each message accepted is written as one line, the booking id of its
`booking-<id>.ics` attachment (or `-` for other mail), with O_APPEND, so lines from several
threads or processes never mix. The bench reads the file to count the confirmations that
really left, distinct and repeated.
"""

from __future__ import annotations

import os
import re
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

BOOKING_ICS = re.compile(r"booking-(\d+)\.ics")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path = os.environ["BENCH_MAIL_LOG"]

    def send_messages(self, messages: Any) -> int:
        lines = []
        for message in messages:
            message.message()  # render it, as a real backend would (header checks)
            ref = "-"
            for attachment in message.attachments:
                name = getattr(attachment, "filename", None) or attachment[0]
                found = BOOKING_ICS.fullmatch(str(name))
                if found:
                    ref = found.group(1)
            lines.append(f"{ref}\n")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, "".join(lines).encode())
        finally:
            os.close(fd)
        return len(messages)
