"""The payments app's record pages in the admin, under the app's own label."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_payments_and_stripe_events_read_only(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in ("payment", "stripeevent"):
        assert client.get(f"/admin/payments/{model}/").status_code == 200, model
        assert client.get(f"/admin/payments/{model}/add/").status_code == 403, model
