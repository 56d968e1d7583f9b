"""Booking errors; each has a stable `code` that clients switch on."""

from common.errors import (
    BusyError,
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)


class BookingError(Exception):
    """Marker base for everything the booking app raises."""


class SlotNotFoundError(BookingError, NotFoundError):
    code = "slot_not_found"
    default_detail = "该时段不存在。The slot does not exist."


class BookingNotFoundError(BookingError, NotFoundError):
    code = "booking_not_found"
    default_detail = "预约不存在。The booking does not exist."


class InvalidPartySizeError(BookingError, InvalidInputError):
    code = "invalid_party_size"
    default_detail = "人数必须为正整数。Party size must be a positive whole number."


class PartyTooLargeError(BookingError, RuleViolationError):
    code = "party_too_large"
    default_detail = "人数超过该场地容量。The party is larger than the slot allows."


class SlotUnavailableError(BookingError, ConflictError):
    code = "slot_unavailable"
    default_detail = "该时段已不可预约。The slot is no longer available."


class SlotTakenError(SlotUnavailableError):
    code = "slot_taken"
    default_detail = "该场地时段已被预约。Someone else has just booked this slot."


class SlotFullError(SlotUnavailableError):
    code = "slot_full"
    default_detail = "该时段名额已满。There are not enough places left in this slot."


class SlotClosedError(BookingError, RuleViolationError):
    code = "closed"
    default_detail = "该时段因场馆关闭不可预约。The venue is closed at this time."


class SlotInPastError(BookingError, RuleViolationError):
    code = "past"
    default_detail = "该时段已开始或已结束。The slot has already started."


class WindowNotOpenError(BookingError, RuleViolationError):
    code = "window_not_open"
    default_detail = "该时段尚未开放预约。Booking for this slot has not opened yet."


class AlreadyBookedError(BookingError, ConflictError):
    code = "already_booked"
    default_detail = "您已预约该时段。You already have a booking for this slot."


class QuotaExceededError(BookingError, RuleViolationError):
    code = "quota_exceeded"
    default_detail = "已达到预约次数或时长上限。You have reached your booking limit."


class SuspendedError(BookingError, NotAllowedError):
    code = "suspended"
    default_detail = "您的预约资格已被暂停。Your booking rights are suspended."


class PaymentUnavailableError(BookingError, RuleViolationError):
    code = "payment_unavailable"
    default_detail = (
        "收费时段暂不支持在线预约，请到场馆前台办理。Paid slots cannot be booked online right now."
    )


class IdempotencyKeyReusedError(BookingError, RuleViolationError):
    code = "idempotency_key_reused"
    default_detail = (
        "该 Idempotency-Key 已用于另一时段。This Idempotency-Key was used for another slot."
    )


class NotCancellableError(BookingError, ConflictError):
    code = "not_cancellable"
    default_detail = "该预约无法取消。This booking can no longer be cancelled."


class BookingBusyError(BookingError, BusyError):
    code = "busy"
    default_detail = "系统繁忙，请稍后重试。Too many people are booking right now; try again."


class NotYourBookingError(BookingError, NotAllowedError):
    code = "not_allowed"
    default_detail = "您无权操作此预约。You may not change this booking."


class InvalidIdempotencyKeyError(BookingError, InvalidInputError):
    code = "invalid_idempotency_key"
    default_detail = (
        "Idempotency-Key 须为 1-100 个可见 ASCII 字符。"
        "The Idempotency-Key must be 1-100 visible ASCII characters."
    )


# --- payments and standing (booking.payments, booking.standing) ---


class PaymentNotFoundError(BookingError, NotFoundError):
    code = "payment_not_found"
    default_detail = "该预约无需付款或付款记录不存在。This booking has no payment."


class PaymentNotPayableError(BookingError, ConflictError):
    code = "not_payable"
    default_detail = "该预约当前无法付款。This booking cannot be paid now."


class PaymentDeclinedError(BookingError, RuleViolationError):
    code = "payment_declined"
    default_detail = "付款被拒绝，名额已释放。The payment was declined and the place released."


class PaymentProviderError(BookingError, BusyError):
    code = "payment_provider_unavailable"
    default_detail = (
        "支付服务暂时不可用，请稍后重试。The payment service is unavailable; try again."
    )
    retry_after = 5


class NotVenueStaffError(BookingError, NotAllowedError):
    code = "not_venue_staff"
    default_detail = "仅该场馆工作人员可执行此操作。Only this venue's staff may do this."


class StrikeNotFoundError(BookingError, NotFoundError):
    code = "strike_not_found"
    default_detail = "记录不存在。The strike does not exist."


class StrikeAlreadyWaivedError(BookingError, ConflictError):
    code = "already_waived"
    default_detail = "该记录已被豁免。This strike has already been waived."


class InvalidPaymentMethodError(BookingError, InvalidInputError):
    code = "invalid_payment_method"
    default_detail = "付款方式无效。The payment method is not valid."


class InvalidWebhookError(BookingError, InvalidInputError):
    code = "invalid_signature"
    default_detail = "Webhook 签名无效。The webhook signature is not valid."


class NotNoShowableError(BookingError, ConflictError):
    code = "not_no_showable"
    default_detail = "该预约不能标记为爽约。This booking cannot be marked as a no-show."


class AllocatedByBallotError(BookingError, RuleViolationError):
    """The slot is allocated by a ballot round that has not yet released it to first-come."""

    code = "ballot"
    default_detail = (
        "该时段通过抽签分配，抽签结束并释放余位后才可直接预约。"
        "This slot is allocated by ballot; it can be booked directly once the round has "
        "released its leftover places."
    )
