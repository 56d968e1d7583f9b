from rest_framework.authtoken.views import ObtainAuthToken

from api.throttling import AuthThrottle


class TokenCreateView(ObtainAuthToken):
    """Exchange `{"username", "password"}` for `{"token"}`; send it as `Authorization: Token <t>`."""

    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"
