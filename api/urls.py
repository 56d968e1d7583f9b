"""Every /api route. Domain routes live under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.views import auth, health
from api.views import bookings as booking_views

v1 = [
    path("health/", health.health, name="health"),
    path("auth/token/", auth.TokenCreateView.as_view(), name="auth-token"),
    path("bookings/", booking_views.BookingCollectionView.as_view(), name="booking-list"),
    path("bookings/<str:pk>/", booking_views.BookingDetailView.as_view(), name="booking-detail"),
    path(
        "bookings/<str:pk>/cancel/",
        booking_views.BookingCancelView.as_view(),
        name="booking-cancel",
    ),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
