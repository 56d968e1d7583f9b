"""Event and registration errors; each has a stable `code` that clients switch on."""

from common.errors import (
    BusyError,
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)


class EventsError(Exception):
    """Marker base for everything the events app raises."""


# --- bad input (400) ------------------------------------------------------------------------


class InvalidEventError(EventsError, InvalidInputError):
    code = "invalid_event"
    default_detail = "活动信息有误。The event data is invalid."


class InvalidTimeRangeError(EventsError, InvalidInputError):
    code = "invalid_time_range"
    default_detail = "结束时间必须晚于开始时间。The end must be after the start."


class NaiveDatetimeError(EventsError, InvalidInputError):
    code = "naive_datetime"
    default_detail = (
        "时间须带时区（如 +08:00）。Times must carry a UTC offset, e.g. 2026-05-01T09:00:00+08:00."
    )


class InvalidRRuleError(EventsError, InvalidInputError):
    code = "invalid_rrule"
    default_detail = "重复规则无效。The recurrence rule (RFC 5545 RRULE) is invalid."


class InvalidExdatesError(EventsError, InvalidInputError):
    code = "invalid_exdates"
    default_detail = (
        "排除日期须为带时区的 ISO 时间且属于重复规则。"
        "Exception dates must be aware ISO datetimes of occurrences of the rule."
    )


class UnknownCategoryError(EventsError, InvalidInputError):
    code = "unknown_category"
    default_detail = "未知的活动类别。Unknown event category."


class UnknownStatusError(EventsError, InvalidInputError):
    code = "unknown_status"
    default_detail = "未知的活动状态。Unknown event status."


class InvalidDateError(EventsError, InvalidInputError):
    code = "invalid_date"
    default_detail = "日期格式有误，请用 YYYY-MM-DD 或 ISO 8601。Malformed date or datetime."


class InvalidFilterError(EventsError, InvalidInputError):
    code = "invalid_filter"
    default_detail = "筛选条件有误。Invalid filter."


class UnknownOrganisationError(EventsError, InvalidInputError):
    code = "unknown_organisation"
    default_detail = "主办机构不存在。The organisation does not exist."


class UnknownVenueError(EventsError, InvalidInputError):
    code = "unknown_venue"
    default_detail = "场馆不存在或已停用。The venue does not exist or is not active."


class InvalidPartySizeError(EventsError, InvalidInputError):
    code = "invalid_party_size"
    default_detail = "人数必须为 1 到 10 的整数。Party size must be a whole number from 1 to 10."


class InvalidFeedFilterError(EventsError, InvalidInputError):
    # Raised with the precise code of what is wrong: unknown_category, invalid_venue.
    code = "invalid_feed_filter"


# --- not found (404) ------------------------------------------------------------------------


class EventNotFoundError(EventsError, NotFoundError):
    code = "event_not_found"
    default_detail = "活动不存在。The event does not exist."


class RegistrationNotFoundError(EventsError, NotFoundError):
    code = "registration_not_found"
    default_detail = "报名记录不存在。The registration does not exist."


class FeedNotFoundError(EventsError, NotFoundError):
    code = "feed_not_found"
    default_detail = "日历订阅不存在。This calendar feed does not exist."


# --- not allowed (403) ----------------------------------------------------------------------


class NotOrganiserError(EventsError, NotAllowedError):
    code = "not_organiser"
    default_detail = "只有主办机构成员可以管理此活动。Only the organisation's members may do this."


class NotAdminError(EventsError, NotAllowedError):
    code = "not_admin"
    default_detail = "只有区管理员可以审核活动。Only district admins may approve events."


# --- conflicts with the current state (409) -------------------------------------------------


class EventCancelledError(EventsError, ConflictError):
    code = "event_cancelled"
    default_detail = "活动已取消。The event has been cancelled."


class EventPostponedError(EventsError, ConflictError):
    code = "event_postponed"
    default_detail = "活动已延期，暂停报名。The event is postponed; registration is paused."


class NotPublishedError(EventsError, ConflictError):
    code = "not_published"
    default_detail = "活动尚未发布。The event is not published."


class InvalidStatusTransitionError(EventsError, ConflictError):
    code = "invalid_status_transition"
    default_detail = "活动当前状态不允许此操作。The event's status does not allow this."


class EventFullError(EventsError, ConflictError):
    code = "event_full"
    default_detail = "名额已满。The event is full."


class AlreadyRegisteredError(EventsError, ConflictError):
    code = "already_registered"
    default_detail = "您已报名此活动。You are already registered for this event."


class RegistrationNotCancellableError(EventsError, ConflictError):
    code = "not_cancellable"
    default_detail = "该报名无法取消。This registration can no longer be cancelled."


class EventBusyError(EventsError, BusyError):
    code = "busy"
    default_detail = "报名人数过多，请稍后重试。Too many people are registering; try again."


# --- business rules (422) -------------------------------------------------------------------


class ApprovalRequiredError(EventsError, RuleViolationError):
    code = "approval_required"
    default_detail = (
        "在公共场馆举办的活动需经区管理员审核。An event at a public venue needs a district "
        "admin's approval."
    )


class RegistrationNotOpenError(EventsError, RuleViolationError):
    code = "registration_not_open"
    default_detail = "报名尚未开始。Registration has not opened yet."


class RegistrationClosedError(EventsError, RuleViolationError):
    code = "registration_closed"
    default_detail = "报名已截止。Registration has closed."


class PartyTooLargeError(EventsError, RuleViolationError):
    code = "party_too_large"
    default_detail = "人数超过活动容量。The party is larger than the event's capacity."


class CapacityBelowRegistrationsError(EventsError, RuleViolationError):
    code = "capacity_below_registrations"
    default_detail = (
        "容量不能少于已确认的报名人数。Capacity cannot be below the confirmed registrations."
    )


class EventEndedError(EventsError, RuleViolationError):
    code = "event_ended"
    default_detail = "活动已结束。The event is over."


class PaymentUnavailableError(EventsError, RuleViolationError):
    code = "payment_unavailable"
    default_detail = (
        "收费活动暂不支持在线报名，请联系主办方。Paid events cannot be registered for online "
        "right now; please contact the organiser."
    )
