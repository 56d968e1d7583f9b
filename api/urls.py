"""Every /api route. Domain routes live under /api/v1/."""

from django.urls import URLPattern, include, path, re_path
from django.views import View
from drf_spectacular.views import SpectacularAPIView

from api.views import auth, errors, health
from api.views import ballots as ballot_views
from api.views import bookings as booking_views
from api.views import checkins as checkin_views
from api.views import docs as docs_views
from api.views import events as event_views
from api.views import me as me_views
from api.views import payments as payment_views
from api.views import standing as standing_views
from api.views import waitlist as waitlist_views
from api.views.slots import SlotViewSet
from api.views.stripe_webhook import StripeWebhookView
from api.views.venues import VenueViewSet


def route(pattern: str, view: type[View], name: str) -> URLPattern:
    """`pattern` served by the class-based `view`, named `name`."""
    return path(pattern, view.as_view(), name=name)


v1 = [
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="health-ready"),
    route("auth/token/", auth.TokenView, "auth-token"),
    route("auth/token/revoke-all/", auth.TokenRevokeAllView, "auth-token-revoke-all"),
    route("bookings/", booking_views.BookingCollectionView, "booking-list"),
    route("bookings/<str:pk>/", booking_views.BookingDetailView, "booking-detail"),
    route("bookings/<str:pk>/cancel/", booking_views.BookingCancelView, "booking-cancel"),
    path("venues/", VenueViewSet.as_view({"get": "list"}), name="venue-list"),
    path("venues/<str:pk>/", VenueViewSet.as_view({"get": "retrieve"}), name="venue-detail"),
    path(
        "venues/<str:pk>/availability/",
        VenueViewSet.as_view({"get": "availability"}),
        name="venue-availability",
    ),
    path("slots/", SlotViewSet.as_view({"get": "list"}), name="slot-list"),
    path("slots/<str:pk>/", SlotViewSet.as_view({"get": "retrieve"}), name="slot-detail"),
    # waiting lists with offers (waitlist/)
    route("slots/<str:pk>/waitlist/", waitlist_views.SlotWaitlistJoinView, "slot-waitlist"),
    route("waitlist/", waitlist_views.WaitlistListView, "waitlist-list"),
    route("waitlist/<str:pk>/accept/", waitlist_views.WaitlistAcceptView, "waitlist-accept"),
    route("waitlist/<str:pk>/decline/", waitlist_views.WaitlistDeclineView, "waitlist-decline"),
    route("waitlist/<str:pk>/withdraw/", waitlist_views.WaitlistWithdrawView, "waitlist-withdraw"),
    route("events/", event_views.EventCollectionView, "event-list"),
    route("events/<str:pk>/", event_views.EventDetailView, "event-detail"),
    route("events/<str:pk>/publish/", event_views.EventPublishView, "event-publish"),
    route("events/<str:pk>/approve/", event_views.EventApproveView, "event-approve"),
    route("events/<str:pk>/postpone/", event_views.EventPostponeView, "event-postpone"),
    route("events/<str:pk>/cancel/", event_views.EventCancelView, "event-cancel"),
    route(
        "events/<str:pk>/registrations/", event_views.EventRegistrationsView, "event-registrations"
    ),
    route("registrations/", event_views.RegistrationListView, "registration-list"),
    route(
        "registrations/<str:pk>/cancel/", event_views.RegistrationCancelView, "registration-cancel"
    ),
    route("me/calendar/", me_views.MyCalendarView, "me-calendar"),
    route("me/calendar/rotate/", me_views.MyCalendarRotateView, "me-calendar-rotate"),
    # payments, check-in and standing (payments / checkin / booking.standing)
    route("bookings/<str:pk>/pay/", payment_views.BookingPayView, "booking-pay"),
    route("bookings/<str:pk>/payment/", payment_views.BookingPaymentView, "booking-payment"),
    route("bookings/<str:pk>/qr.svg", checkin_views.BookingQrSvgView, "booking-qr-svg"),
    route("bookings/<str:pk>/qr.png", checkin_views.BookingQrPngView, "booking-qr-png"),
    route("registrations/<str:pk>/pay/", payment_views.RegistrationPayView, "registration-pay"),
    route(
        "registrations/<str:pk>/payment/",
        payment_views.RegistrationPaymentView,
        "registration-payment",
    ),
    route("payments/stripe/webhook/", StripeWebhookView, "stripe-webhook"),
    route("checkins/", checkin_views.CheckinCreateView, "checkin-create"),
    route("checkins/public-key/", checkin_views.CheckinPublicKeyView, "checkin-public-key"),
    route("me/standing/", standing_views.MyStandingView, "me-standing"),
    route("strikes/<str:pk>/waive/", standing_views.StrikeWaiveView, "strike-waive"),
    route("bookings/<str:pk>/no-show/", standing_views.BookingNoShowView, "booking-no-show"),
    # ballots (allocation)
    route("ballots/", ballot_views.BallotCollectionView, "ballot-list"),
    route("ballots/<str:pk>/", ballot_views.BallotDetailView, "ballot-detail"),
    route("ballots/<str:pk>/entries/", ballot_views.BallotEntryCreateView, "ballot-entries"),
    route("ballots/<str:pk>/draw/", ballot_views.BallotDrawView, "ballot-draw"),
    route("ballots/<str:pk>/results/", ballot_views.BallotResultsView, "ballot-results"),
    route("ballot-entries/", ballot_views.BallotEntryListView, "ballot-entry-list"),
    route("ballot-entries/<str:pk>/", ballot_views.BallotEntryDetailView, "ballot-entry-detail"),
    route(
        "ballot-entries/<str:pk>/withdraw/",
        ballot_views.BallotEntryWithdrawView,
        "ballot-entry-withdraw",
    ),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    route("schema/", SpectacularAPIView, "schema"),
    path("docs/", docs_views.ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", docs_views.ApiRedocView.as_view(url_name="schema"), name="api-redoc"),
    # Last: an unknown /api/ path answers in the API's error shape, not Django's HTML page.
    re_path(r"^", errors.unknown_path),
]
