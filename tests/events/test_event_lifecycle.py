import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from events import lifecycle, registrations, selectors
from events.exceptions import (
    EventCancelledError,
    EventEndedError,
    EventNotFoundError,
    EventPostponedError,
    InvalidStatusTransitionError,
    NotAdminError,
    NotOrganiserError,
    NotPublishedError,
)
from events.models import Event
from tests.factories import OrganisationFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(organiser, event_fields):  # type: ignore[no-untyped-def]
    return lifecycle.create_event(by_user=organiser, **event_fields)


@pytest.fixture
def venue_draft(organiser, event_fields):  # type: ignore[no-untyped-def]
    event_fields["venue_id"] = VenueFactory().pk
    event_fields["location_zh"] = ""
    return lifecycle.create_event(by_user=organiser, **event_fields)


def _visible_to_public(event: Event) -> bool:
    return selectors.list_events(viewer=AnonymousUser()).filter(pk=event.pk).exists()


def test_approved_organisation_publishes_a_free_location_event_directly(organiser, draft):
    event = lifecycle.publish_event(event_id=draft.pk, by_user=organiser)
    assert event.status == Event.Status.PUBLISHED
    assert event.published_at is not None
    assert event.sequence == 0
    assert _visible_to_public(event)


def test_event_at_a_public_venue_waits_for_approval(organiser, venue_draft, admin_user, resident):
    event = lifecycle.publish_event(event_id=venue_draft.pk, by_user=organiser)
    assert event.status == Event.Status.PENDING_APPROVAL
    assert not _visible_to_public(event)
    with pytest.raises(EventNotFoundError):
        selectors.get_event(event_id=event.pk, viewer=resident)
    # District admins see it to moderate it.
    assert selectors.get_event(event_id=event.pk, viewer=admin_user).pk == event.pk

    approved = lifecycle.approve_event(event_id=event.pk, by_user=admin_user)

    assert approved.status == Event.Status.PUBLISHED
    assert approved.approved_by == admin_user
    assert approved.approved_at is not None
    assert _visible_to_public(approved)


def test_unapproved_organisation_waits_for_approval_even_at_a_free_location(event_fields):
    user = UserFactory(username="newcomer")
    newcomer = OrganisationFactory(slug="new-club", is_approved=False, members=[user])
    event_fields["organisation_id"] = newcomer.pk
    draft = lifecycle.create_event(by_user=user, **event_fields)
    event = lifecycle.publish_event(event_id=draft.pk, by_user=user)
    assert event.status == Event.Status.PENDING_APPROVAL


def test_only_district_admins_approve(organiser, venue_draft):
    lifecycle.publish_event(event_id=venue_draft.pk, by_user=organiser)
    with pytest.raises(NotAdminError):
        lifecycle.approve_event(event_id=venue_draft.pk, by_user=organiser)


def test_approving_an_event_not_awaiting_approval_is_refused(organiser, draft, admin_user):
    with pytest.raises(InvalidStatusTransitionError):
        lifecycle.approve_event(event_id=draft.pk, by_user=admin_user)


def test_pending_event_cannot_be_published_again(organiser, venue_draft):
    lifecycle.publish_event(event_id=venue_draft.pk, by_user=organiser)
    with pytest.raises(InvalidStatusTransitionError):
        lifecycle.publish_event(event_id=venue_draft.pk, by_user=organiser)


def test_other_organisation_cannot_publish(other_organiser, draft):
    with pytest.raises(EventNotFoundError):  # a draft is not even visible to them
        lifecycle.publish_event(event_id=draft.pk, by_user=other_organiser)


def test_other_organisation_cannot_cancel_a_published_event(organiser, other_organiser, draft):
    lifecycle.publish_event(event_id=draft.pk, by_user=organiser)
    with pytest.raises(NotOrganiserError):
        lifecycle.cancel_event(event_id=draft.pk, by_user=other_organiser)


def test_event_that_is_over_cannot_be_published(organiser, event_fields):
    start = timezone.now() - dt.timedelta(days=2)
    event_fields.update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    draft = lifecycle.create_event(by_user=organiser, **event_fields)
    with pytest.raises(EventEndedError):
        lifecycle.publish_event(event_id=draft.pk, by_user=organiser)


def test_postponing_keeps_registrations_pauses_new_ones_and_bumps_sequence(
    organiser, draft, resident, other_resident
):
    lifecycle.publish_event(event_id=draft.pk, by_user=organiser)
    kept = registrations.register(event_id=draft.pk, resident=resident).registration
    new_start = draft.starts_at + dt.timedelta(days=14)

    event = lifecycle.postpone_event(
        event_id=draft.pk,
        by_user=organiser,
        reason="台风 Typhoon",
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(hours=4),
    )

    assert event.status == Event.Status.POSTPONED
    assert event.status_reason == "台风 Typhoon"
    assert event.sequence == 1
    assert event.starts_at == new_start
    assert event.last_ends_at == new_start + dt.timedelta(hours=4)
    assert _visible_to_public(event)
    kept.refresh_from_db()
    assert kept.status == "confirmed"
    with pytest.raises(EventPostponedError):
        registrations.register(event_id=draft.pk, resident=other_resident)


def test_republishing_a_postponed_event_needs_no_new_approval(organiser, venue_draft, admin_user):
    lifecycle.publish_event(event_id=venue_draft.pk, by_user=organiser)
    lifecycle.approve_event(event_id=venue_draft.pk, by_user=admin_user)
    lifecycle.postpone_event(event_id=venue_draft.pk, by_user=organiser, reason="rain")

    event = lifecycle.publish_event(event_id=venue_draft.pk, by_user=organiser)

    assert event.status == Event.Status.PUBLISHED
    assert event.status_reason == ""
    assert event.sequence == 2  # postponed, then back


def test_draft_cannot_be_postponed(organiser, draft):
    with pytest.raises(InvalidStatusTransitionError):
        lifecycle.postpone_event(event_id=draft.pk, by_user=organiser)


def test_cancelled_event_stays_visible_and_refuses_registrations(organiser, draft, resident):
    lifecycle.publish_event(event_id=draft.pk, by_user=organiser)
    event = lifecycle.cancel_event(event_id=draft.pk, by_user=organiser, reason="场地维修")
    assert event.status == Event.Status.CANCELLED
    assert event.cancelled_at is not None
    assert event.sequence == 1
    assert _visible_to_public(event)
    with pytest.raises(EventCancelledError) as excinfo:
        registrations.register(event_id=draft.pk, resident=resident)
    assert excinfo.value.code == "event_cancelled"
    with pytest.raises(EventCancelledError):
        lifecycle.cancel_event(event_id=draft.pk, by_user=organiser)
    with pytest.raises(EventCancelledError):
        lifecycle.publish_event(event_id=draft.pk, by_user=organiser)


def test_cancelled_draft_never_becomes_public(organiser, draft):
    event = lifecycle.cancel_event(event_id=draft.pk, by_user=organiser)
    assert event.sequence == 0
    assert not _visible_to_public(event)


def test_member_registering_for_own_draft_is_told_it_is_not_published(organiser, draft):
    with pytest.raises(NotPublishedError):
        registrations.register(event_id=draft.pk, resident=organiser)


def test_admin_publishing_approves_at_once(admin_user, event_fields, organisation):
    organisation.members.add(admin_user)
    event_fields["venue_id"] = VenueFactory().pk
    draft = lifecycle.create_event(by_user=admin_user, **event_fields)
    event = lifecycle.publish_event(event_id=draft.pk, by_user=admin_user)
    assert event.status == Event.Status.PUBLISHED
    assert event.approved_by == admin_user
