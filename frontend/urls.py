"""Page routes. Pages read through selectors; their JavaScript writes through /api/v1."""

from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from frontend.views import accounts, ballots, bookings, events, organiser, staff, venues

app_name = "frontend"
urlpatterns = [
    path("", venues.home, name="home"),
    path("venues/<int:pk>/", venues.venue_detail, name="venue"),
    path("me/bookings/", bookings.my_bookings, name="my-bookings"),
    path("bookings/<int:pk>/pay/", bookings.pay, name="pay"),
    path("ballots/verify_ballot.py", ballots.ballot_verifier, name="ballot-verifier"),
    path("ballots/rules.txt", ballots.ballot_rules, name="ballot-rules"),
    path("ballots/<int:pk>/", ballots.ballot_round, name="ballot"),
    path("ballots/<int:pk>/results/", ballots.ballot_round, name="ballot-results"),
    path("events/", events.calendar, name="events"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("registrations/<int:pk>/pay/", events.pay_registration, name="registration-pay"),
    path("organiser/", organiser.console, name="organiser"),
    path("organiser/events/new/", organiser.event_form, name="organiser-event-new"),
    path("organiser/events/<int:pk>/", organiser.event_form, name="organiser-event"),
    path("staff/", staff.index, name="staff"),
    path("staff/venues/<int:pk>/", staff.venue_day, name="staff-venue"),
    path("staff/venues/<int:pk>/bookings.csv", staff.export_bookings, name="staff-export"),
    path("staff/venues/<int:pk>/usage.csv", staff.export_usage, name="staff-usage"),
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", accounts.register, name="register"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG icon.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("frontend/img/favicon.svg"), permanent=True),
        name="favicon",
    ),
]
