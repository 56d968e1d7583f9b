"""The booking app's record pages in the admin (check-ins and gates: tests/checkin; payments:
tests/payments/test_admin.py)."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_strikes_and_reminders(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in ("strike", "remindersent"):
        assert client.get(f"/admin/booking/{model}/").status_code == 200, model
