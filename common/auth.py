"""Typing help for views that run after an authentication check, and reads of accounts."""

from typing import Protocol, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User


class _HasUser(Protocol):
    @property
    def user(self) -> object: ...


def signed_in_user(request: _HasUser) -> User:
    """`request.user` once a permission class or `login_required` has let the request through.

    Only narrows the type (`User | AnonymousUser` to `User`); it checks nothing at run time.
    """
    return cast(User, request.user)


def email_in_use(email: str) -> bool:
    """Whether an account already has this e-mail address (compared case-insensitively)."""
    return get_user_model().objects.filter(email__iexact=email).exists()
