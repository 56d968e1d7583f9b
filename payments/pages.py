"""What the pay pages show and whose they are, for a booking or an event registration alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from booking.models import Booking
from common.errors import NotFoundError
from events.models import Registration
from payments.exceptions import PaymentNotFoundError
from payments.models import Payment


@dataclass(frozen=True)
class PayPage:
    """What a pay page shows of a payment; a subclass adds what the payment is for."""

    payment: Payment
    hold_expires_at: dt.datetime | None

    @property
    def client_secret(self) -> str:
        """For Stripe.js while the payment awaits its money; empty once settled."""
        if self.payment.status == Payment.Status.REQUIRES_PAYMENT:
            return self.payment.stripe_client_secret
        return ""

    @property
    def publishable_key(self) -> str:
        return str(settings.STRIPE_PUBLISHABLE_KEY)

    @property
    def amount(self) -> Decimal:
        return self.payment.amount

    @property
    def currency(self) -> str:
        return self.payment.currency

    @property
    def payment_method_types(self) -> list[str]:
        return list(self.payment.payment_method_types)


def recorded_payment(**target: Any) -> Payment:
    """The payment row of `target` (`booking=…` or `registration=…`).

    Raises PaymentNotFoundError when it has none.
    """
    found = Payment.objects.filter(**target).first()
    if found is None:
        raise PaymentNotFoundError()
    return found


def owned[Row: (Booking, Registration)](
    rows: QuerySet[Row], *, pk: Any, user: AbstractBaseUser, not_found: type[NotFoundError]
) -> Row:
    """The row of `rows` with primary key `pk` (as sent by the client), if it is `user`'s.

    Raises `not_found` for a malformed or unknown id, and for someone else's row: it does not
    reveal that the row exists.
    """
    try:
        row = rows.get(pk=int(pk))
    except (rows.model.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise not_found() from exc
    if row.resident_id != user.pk:
        raise not_found()
    return row
