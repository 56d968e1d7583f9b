"""The organiser console: their events, the event form (writes via the API) and registrations."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from events.exceptions import EventNotFoundError
from events.lifecycle import allowed_actions
from events.models import Event
from events.selectors import (
    get_event,
    list_organisation_events,
    list_organisations,
    list_registrations,
    organisation_ids_of,
)
from frontend.templatetags.frontend import WEEKDAYS
from venues.selectors import list_venue_choices


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """Every event of the user's organisations, drafts included, soonest first."""
    org_ids = organisation_ids_of(user=request.user)
    if not org_ids:
        raise PermissionDenied(_("Only members of an organiser may open the console."))
    events = list_organisation_events(viewer=request.user, organisation_ids=org_ids)
    return render(
        request,
        "frontend/organiser/console.html",
        {
            "nav": "organiser",
            "events": events,
            "organisations": list_organisations(ids=org_ids),
        },
    )


@login_required
def event_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit an event; the form is sent to /api/v1/events/ by organiser.js."""
    org_ids = organisation_ids_of(user=request.user)
    if not org_ids:
        raise PermissionDenied(_("Only members of an organiser may open the console."))
    event = None
    registrations: list[Any] = []
    if pk is not None:
        try:
            event = get_event(event_id=pk, viewer=request.user)
        except EventNotFoundError as exc:
            raise Http404(str(exc)) from exc
        if event.organisation_id not in org_ids:
            raise PermissionDenied(_("This event belongs to another organiser."))
        registrations = list(list_registrations(event_id=event.pk, viewer=request.user))
    # Held places (a paid event, awaiting payment) are taken too: listed with the confirmed.
    confirmed = [r for r in registrations if r.status in ("confirmed", "held")]
    waitlisted = [r for r in registrations if r.status == "waitlisted"]
    return render(
        request,
        "frontend/organiser/event_form.html",
        {
            "nav": "organiser",
            "event": event,
            # Only the commands the event's state allows get a button (the rule the API enforces).
            "actions": allowed_actions(event) if event else frozenset(),
            "organisations": list_organisations(ids=org_ids),
            "categories": Event.Category.choices,
            "venues": list_venue_choices(),
            "confirmed": confirmed,
            "waitlisted": waitlisted,
            # The repeat builder (repeat.js): RFC 5545 day codes, Monday first, and the dates
            # the event skips.
            "repeat_days": list(
                zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), WEEKDAYS, strict=True)
            ),
            "exdates": list(event.exdates) if event else [],
            "page_config": {
                "events_url": "/api/v1/events/",
                "event": event.pk if event else None,
                "console_url": "/organiser/",
            },
        },
    )
