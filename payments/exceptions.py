"""Payment errors; each has a stable `code` that clients switch on (unchanged since they were
raised from the booking app)."""

from django.utils.translation import gettext_lazy as _

from common.errors import (
    BusyError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)


class PaymentsError(Exception):
    """Marker base for everything the payments app raises."""


class PaymentNotFoundError(PaymentsError, NotFoundError):
    code = "payment_not_found"
    default_detail = _("This booking has no payment.")


class PaymentNotPayableError(PaymentsError, ConflictError):
    code = "not_payable"
    default_detail = _("This booking cannot be paid now.")


class PaymentDeclinedError(PaymentsError, RuleViolationError):
    code = "payment_declined"
    default_detail = _("The payment was declined and the place released.")


class PaymentProviderError(PaymentsError, BusyError):
    code = "payment_provider_unavailable"
    default_detail = _("The payment service is unavailable; try again.")
    retry_after = 5


class InvalidPaymentMethodError(PaymentsError, InvalidInputError):
    code = "invalid_payment_method"
    default_detail = _("The payment method is not valid.")


class InvalidWebhookError(PaymentsError, InvalidInputError):
    code = "invalid_signature"
    default_detail = _("The webhook signature is not valid.")
