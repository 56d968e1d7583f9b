"""The API's browsable docs under the Content-Security-Policy (docs/deploy.md).

drf-spectacular's stock pages inline their start-up scripts and styles, which the policy
refuses: Swagger UI's init script is served as a file of its own (`/api/docs/?script`), and
both pages link a stylesheet instead of an inline <style>.
"""

from typing import Any

from django.conf import settings
from django.middleware.csp import get_nonce
from django.utils.csp import CSP
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its init script as a separate file."""

    template_name = "frontend/api_docs.html"


class ApiRedocView(SpectacularRedocView):
    """Redoc under the Content-Security-Policy: its page script is a static file. This page's
    policy alone allows the styles Redoc makes at run time (they carry the response's nonce)
    and its search index, a worker that Redoc's own script makes from a blob: URL."""

    template_name = "frontend/api_redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)
        response.data["csp_nonce"] = str(get_nonce(request))
        # Read by ContentSecurityPolicyMiddleware instead of SECURE_CSP (as @csp_override does).
        response._csp_config = {  # type: ignore[attr-defined]
            **settings.SECURE_CSP,
            "style-src": [CSP.SELF, CSP.NONCE],
            "worker-src": [CSP.SELF, "blob:"],
        }
        return response
