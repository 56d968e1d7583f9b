"""The booking fast path skips DRF's dispatch: what DRF would run for `BookingCreateView` is pinned.

`api.fastpath.booking_create.IMPLEMENTS` lists the authentication, permission, throttle, parser
and renderer classes the fast path does the work of. A class added to the view (a new
permission, say) would silently not apply to token calls, so these tests fail until the fast
path implements it and lists it.
"""

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from api.exceptions import exception_handler
from api.fastpath import booking_create
from api.views.bookings import BookingCollectionView, BookingCreateView, JSONOnly

# The steps of DRF's dispatch that pick and run those classes: overriding one on the view
# would change what DRF does and the fast path does not.
DISPATCH_HOOKS = (
    "initial",
    "perform_authentication",
    "check_permissions",
    "check_throttles",
    "get_authenticators",
    "get_permissions",
    "get_throttles",
    "get_parsers",
    "get_renderers",
    "get_exception_handler",
    "handle_exception",
    "finalize_response",
)


def differences(view: type[APIView]) -> list[str]:
    """How `view` differs from what the fast path implements (empty: nothing)."""
    found = [
        f"{name}: the view has {list(getattr(view, name))}, the fast path implements {list(classes)}"
        for name, classes in booking_create.IMPLEMENTS.items()
        if tuple(getattr(view, name)) != classes
    ]
    found += [
        f"{view.__name__}.{hook} overrides DRF's"
        for hook in DISPATCH_HOOKS
        if getattr(view, hook) is not getattr(APIView, hook)
    ]
    if view.content_negotiation_class is not JSONOnly:
        found.append(f"content negotiation is {view.content_negotiation_class}")
    return found


def test_the_booking_views_use_exactly_the_classes_the_fast_path_implements():
    assert differences(BookingCreateView) == []
    assert differences(BookingCollectionView) == []


def test_a_permission_added_to_the_view_is_caught():
    class OnlyOnMondays(BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            return False

    class Stricter(BookingCollectionView):
        permission_classes = [*BookingCollectionView.permission_classes, OnlyOnMondays]

    assert differences(Stricter) == [
        "permission_classes: the view has "
        f"{Stricter.permission_classes}, the fast path implements "
        f"{list(booking_create.IMPLEMENTS['permission_classes'])}"
    ]


def test_a_throttle_parser_or_overridden_hook_is_caught():
    class Other(BookingCollectionView):
        throttle_classes: list[Any] = []
        parser_classes: list[Any] = [*BookingCollectionView.parser_classes, object]

        def check_permissions(self, request: Any) -> None:
            pass

    found = differences(Other)
    assert [line.split(":")[0] for line in found[:2]] == ["throttle_classes", "parser_classes"]
    assert found[2:] == ["Other.check_permissions overrides DRF's"]


def test_errors_are_worded_by_the_handler_the_fast_path_calls():
    assert settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] == "api.exceptions.exception_handler"
    assert booking_create.exception_handler is exception_handler


def test_only_the_fast_path_and_drf_answer_a_booking_post():
    # BookingCollectionView.dispatch tries the fast path, then DRF's dispatch: nothing else.
    assert BookingCollectionView.post is BookingCreateView.post
    assert BookingCreateView.dispatch is APIView.dispatch
