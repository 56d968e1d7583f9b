"""The pay page, one for a held booking and for a held event registration: pay.js confirms the
payment through the API's `<held>/pay/` endpoint."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from booking.models import Booking
from events.models import Registration


def render_pay_page(
    request: HttpRequest,
    held: Booking | Registration,
    *,
    back_url: str,
    back_label: str | None = None,
) -> HttpResponse:
    """Render pay.html for a held booking or registration (in the context as "booking" or
    "registration"); the page links back to `back_url` (labelled `back_label` when given)."""
    if isinstance(held, Registration):
        name, nav, amount = "registration", "events", held.amount
        api_url = f"/api/v1/registrations/{held.pk}/"
    else:
        name, nav, amount = "booking", "bookings", held.price
        api_url = f"/api/v1/bookings/{held.pk}/"
    # Test keys (or a local fake Stripe) can pay with Stripe's test payment methods here;
    # card entry with live keys needs Stripe.js, which the offline pages do not load.
    test_mode = settings.STRIPE_SECRET_KEY.startswith("sk_test_") or bool(settings.STRIPE_API_BASE)
    page_config = {
        "payment_url": f"{api_url}payment/",
        "pay_url": f"{api_url}pay/",
        "my_bookings_url": back_url,
    }
    if back_label is not None:
        page_config["back_label"] = back_label
    return render(
        request,
        "frontend/pay.html",
        {
            "nav": nav,
            name: held,
            "payable": {
                "amount": amount,
                "status": held.status,
                "status_display": held.get_status_display(),
                "hold_expires_at": held.hold_expires_at,
            },
            "test_mode": test_mode,
            "page_config": page_config,
        },
    )
