"""Payment errors; each has a stable `code` that clients switch on (unchanged since they were
raised from the booking app)."""

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
    default_detail = "该预约无需付款或付款记录不存在。This booking has no payment."


class PaymentNotPayableError(PaymentsError, ConflictError):
    code = "not_payable"
    default_detail = "该预约当前无法付款。This booking cannot be paid now."


class PaymentDeclinedError(PaymentsError, RuleViolationError):
    code = "payment_declined"
    default_detail = "付款被拒绝，名额已释放。The payment was declined and the place released."


class PaymentProviderError(PaymentsError, BusyError):
    code = "payment_provider_unavailable"
    default_detail = (
        "支付服务暂时不可用，请稍后重试。The payment service is unavailable; try again."
    )
    retry_after = 5


class InvalidPaymentMethodError(PaymentsError, InvalidInputError):
    code = "invalid_payment_method"
    default_detail = "付款方式无效。The payment method is not valid."


class InvalidWebhookError(PaymentsError, InvalidInputError):
    code = "invalid_signature"
    default_detail = "Webhook 签名无效。The webhook signature is not valid."
