"""iCal feeds under /calendar/ (see api/views/calendar.py)."""

from django.urls import path

from api.views import calendar

urlpatterns = [
    path("events.ics", calendar.events_feed, name="calendar-events"),
    path("venues/<str:venue_id>.ics", calendar.venue_feed, name="calendar-venue"),
    path("me/<str:token>.ics", calendar.personal_feed, name="calendar-me"),
]
