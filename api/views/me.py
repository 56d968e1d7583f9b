"""The signed-in resident's own things: the secret personal calendar feed link."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsSignedIn
from api.serializers.events import CalendarTokenSerializer, feed_links
from events import feed_tokens
from events.models import CalendarFeedToken

ERROR = OpenApiResponse(description='`{"code", "detail"}`')


def _render(request: Request, token: CalendarFeedToken) -> Response:
    links = feed_links(f"/calendar/me/{token.token}.ics", request)
    body = {
        "token_url": links["ics"],
        "webcal_url": links["webcal"],
        "rotated_at": token.rotated_at,
    }
    return Response(CalendarTokenSerializer(body).data)


class MyCalendarView(APIView):
    """GET: your personal feed (bookings and registrations) as https and webcal:// links.

    The token in the link is created on the first call; anyone with the link can read the feed,
    so share it only with your calendar app and rotate it if it leaks.
    """

    permission_classes = [IsSignedIn]

    @extend_schema(operation_id="me_calendar", responses={200: CalendarTokenSerializer, 401: ERROR})
    def get(self, request: Request) -> Response:
        return _render(request, feed_tokens.get_or_create_feed_token(user=request.user))


class MyCalendarRotateView(APIView):
    """POST: replace the feed token; the old link stops working at once."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="me_calendar_rotate",
        request=None,
        responses={200: CalendarTokenSerializer, 401: ERROR},
    )
    def post(self, request: Request) -> Response:
        return _render(request, feed_tokens.rotate_feed_token(user=request.user))
