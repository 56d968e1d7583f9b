import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse

from events.models import Event, Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_approve_action_publishes_pending_events_only(admin_client):
    pending = EventFactory(status="pending_approval", published_at=None)
    draft = EventFactory(status="draft", published_at=None)
    response = admin_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "approve_events", "_selected_action": [pending.pk, draft.pk]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    draft.refresh_from_db()
    assert pending.status == Event.Status.PUBLISHED
    assert pending.approved_at is not None
    assert draft.status == Event.Status.DRAFT


def test_event_and_registration_pages_render(admin_client):
    registration = RegistrationFactory()
    for name, obj in (("event", registration.event), ("registration", registration)):
        assert admin_client.get(reverse(f"admin:events_{name}_changelist")).status_code == 200
        url = reverse(f"admin:events_{name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:events_organisation_changelist")).status_code == 200


def test_registrations_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, rf):
    model_admin = site._registry[Registration]
    request = rf.get("/")
    request.user = UserFactory(username="root2", is_staff=True, is_superuser=True)
    registration = RegistrationFactory()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, registration)
    assert not model_admin.has_delete_permission(request, registration)
    assert model_admin.has_view_permission(request, registration)
    url = reverse("admin:events_registration_delete", args=[registration.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Registration.objects.filter(pk=registration.pk).exists()
