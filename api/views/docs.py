"""The API's browsable docs under the Content-Security-Policy (docs/deploy.md): Redoc at
/api/docs/ (and /api/redoc/), from drf-spectacular-sidecar's files, no CDN.

drf-spectacular's stock page inlines its start-up script and styles, which the policy
refuses: the page links a stylesheet and a script file instead.
"""

from typing import Any

from django.conf import settings
from django.middleware.csp import get_nonce
from django.utils.csp import CSP
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response


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


class ApiDocsView(ApiRedocView):
    """/api/docs/: the same Redoc page (Swagger UI's output failed accessibility checks and
    needs inline code; Redoc reads the schema's tags, descriptions and error codes well)."""
