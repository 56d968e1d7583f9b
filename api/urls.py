"""Every /api route. Domain routes live under /api/v1/."""

from django.urls import include, path, re_path
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

v1 = [
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="health-ready"),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/token/revoke-all/", auth.TokenRevokeAllView.as_view(), name="auth-token-revoke-all"),
    path("bookings/", booking_views.BookingCollectionView.as_view(), name="booking-list"),
    path("bookings/<str:pk>/", booking_views.BookingDetailView.as_view(), name="booking-detail"),
    path(
        "bookings/<str:pk>/cancel/",
        booking_views.BookingCancelView.as_view(),
        name="booking-cancel",
    ),
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
    path(
        "slots/<str:pk>/waitlist/",
        waitlist_views.SlotWaitlistJoinView.as_view(),
        name="slot-waitlist",
    ),
    path("waitlist/", waitlist_views.WaitlistListView.as_view(), name="waitlist-list"),
    path(
        "waitlist/<str:pk>/accept/",
        waitlist_views.WaitlistAcceptView.as_view(),
        name="waitlist-accept",
    ),
    path(
        "waitlist/<str:pk>/decline/",
        waitlist_views.WaitlistDeclineView.as_view(),
        name="waitlist-decline",
    ),
    path(
        "waitlist/<str:pk>/withdraw/",
        waitlist_views.WaitlistWithdrawView.as_view(),
        name="waitlist-withdraw",
    ),
    path("events/", event_views.EventCollectionView.as_view(), name="event-list"),
    path("events/<str:pk>/", event_views.EventDetailView.as_view(), name="event-detail"),
    path("events/<str:pk>/publish/", event_views.EventPublishView.as_view(), name="event-publish"),
    path("events/<str:pk>/approve/", event_views.EventApproveView.as_view(), name="event-approve"),
    path(
        "events/<str:pk>/postpone/", event_views.EventPostponeView.as_view(), name="event-postpone"
    ),
    path("events/<str:pk>/cancel/", event_views.EventCancelView.as_view(), name="event-cancel"),
    path(
        "events/<str:pk>/registrations/",
        event_views.EventRegistrationsView.as_view(),
        name="event-registrations",
    ),
    path("registrations/", event_views.RegistrationListView.as_view(), name="registration-list"),
    path(
        "registrations/<str:pk>/cancel/",
        event_views.RegistrationCancelView.as_view(),
        name="registration-cancel",
    ),
    path("me/calendar/", me_views.MyCalendarView.as_view(), name="me-calendar"),
    path("me/calendar/rotate/", me_views.MyCalendarRotateView.as_view(), name="me-calendar-rotate"),
    # payments, check-in and standing (payments / checkin / booking.standing)
    path("bookings/<str:pk>/pay/", payment_views.BookingPayView.as_view(), name="booking-pay"),
    path(
        "bookings/<str:pk>/payment/",
        payment_views.BookingPaymentView.as_view(),
        name="booking-payment",
    ),
    path(
        "bookings/<str:pk>/qr.svg",
        checkin_views.BookingQrSvgView.as_view(),
        name="booking-qr-svg",
    ),
    path(
        "bookings/<str:pk>/qr.png",
        checkin_views.BookingQrPngView.as_view(),
        name="booking-qr-png",
    ),
    path(
        "registrations/<str:pk>/pay/",
        payment_views.RegistrationPayView.as_view(),
        name="registration-pay",
    ),
    path(
        "registrations/<str:pk>/payment/",
        payment_views.RegistrationPaymentView.as_view(),
        name="registration-payment",
    ),
    path("payments/stripe/webhook/", StripeWebhookView.as_view(), name="stripe-webhook"),
    path("checkins/", checkin_views.CheckinCreateView.as_view(), name="checkin-create"),
    path(
        "checkins/public-key/",
        checkin_views.CheckinPublicKeyView.as_view(),
        name="checkin-public-key",
    ),
    path("me/standing/", standing_views.MyStandingView.as_view(), name="me-standing"),
    path("strikes/<str:pk>/waive/", standing_views.StrikeWaiveView.as_view(), name="strike-waive"),
    path(
        "bookings/<str:pk>/no-show/",
        standing_views.BookingNoShowView.as_view(),
        name="booking-no-show",
    ),
    # ballots (allocation)
    path("ballots/", ballot_views.BallotCollectionView.as_view(), name="ballot-list"),
    path("ballots/<str:pk>/", ballot_views.BallotDetailView.as_view(), name="ballot-detail"),
    path(
        "ballots/<str:pk>/entries/",
        ballot_views.BallotEntryCreateView.as_view(),
        name="ballot-entries",
    ),
    path("ballots/<str:pk>/draw/", ballot_views.BallotDrawView.as_view(), name="ballot-draw"),
    path(
        "ballots/<str:pk>/results/",
        ballot_views.BallotResultsView.as_view(),
        name="ballot-results",
    ),
    path("ballot-entries/", ballot_views.BallotEntryListView.as_view(), name="ballot-entry-list"),
    path(
        "ballot-entries/<str:pk>/",
        ballot_views.BallotEntryDetailView.as_view(),
        name="ballot-entry-detail",
    ),
    path(
        "ballot-entries/<str:pk>/withdraw/",
        ballot_views.BallotEntryWithdrawView.as_view(),
        name="ballot-entry-withdraw",
    ),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_views.ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", docs_views.ApiRedocView.as_view(url_name="schema"), name="api-redoc"),
    # Last: an unknown /api/ path answers in the API's error shape, not Django's HTML page.
    re_path(r"^", errors.unknown_path),
]
