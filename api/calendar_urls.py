"""iCal feeds under /calendar/ (see api/views/calendar.py)."""

urlpatterns: list = []
