from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class TokenCreateView(ObtainAuthToken):
    """Exchange `{"username", "password"}` for `{"token"}`; send it as `Authorization: Token <t>`."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
