"""Ballot errors; each has a stable `code` that clients switch on."""

from common.errors import (
    ConflictError,
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    RuleViolationError,
)


class AllocationError(Exception):
    """Marker base for everything the allocation app raises."""


class BallotNotFoundError(AllocationError, NotFoundError):
    code = "ballot_not_found"
    default_detail = "抽签轮次不存在。The ballot round does not exist."


class EntryNotFoundError(AllocationError, NotFoundError):
    code = "entry_not_found"
    default_detail = "抽签报名不存在。The ballot entry does not exist."


class BallotNotOpenError(AllocationError, RuleViolationError):
    code = "ballot_not_open"
    default_detail = "抽签尚未开始报名。The ballot is not open for entries yet."


class BallotClosedError(AllocationError, RuleViolationError):
    code = "ballot_closed"
    default_detail = "抽签报名已截止。The ballot has closed."


class BallotOpenError(AllocationError, RuleViolationError):
    code = "ballot_open"
    default_detail = "抽签报名尚未截止，不能开奖。The ballot cannot be drawn before it closes."


class BallotNotDrawnError(AllocationError, RuleViolationError):
    code = "ballot_not_drawn"
    default_detail = "抽签尚未开奖。The ballot has not been drawn yet."


class AlreadyEnteredError(AllocationError, ConflictError):
    code = "already_entered"
    default_detail = "您已报名本轮抽签。You have already entered this ballot."


class NotChangeableError(AllocationError, ConflictError):
    code = "entry_not_changeable"
    default_detail = "该报名已无法修改。This entry can no longer be changed."


class InvalidChoicesError(AllocationError, InvalidInputError):
    code = "invalid_choices"
    default_detail = "志愿无效。The choices are not valid."


class InvalidPartySizeError(AllocationError, InvalidInputError):
    code = "invalid_party_size"
    default_detail = "人数必须为正整数。Party size must be a positive whole number."


class PartyTooLargeError(AllocationError, InvalidInputError):
    code = "party_too_large"
    default_detail = "人数超过所选时段容量。The party is larger than a chosen slot allows."


class InvalidRoundError(AllocationError, InvalidInputError):
    code = "invalid_round"
    default_detail = "抽签轮次设置无效。The ballot round is not valid."


class NotVenueStaffError(AllocationError, NotAllowedError):
    code = "not_venue_staff"
    default_detail = "仅场馆工作人员可操作。Only the venue's staff may do this."
