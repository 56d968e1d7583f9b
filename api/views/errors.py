from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def unknown_path(request: HttpRequest) -> JsonResponse:
    """404 in the API's error shape for any path under /api/ that matches no route."""
    return JsonResponse(
        {"code": "not_found", "detail": _("No API endpoint at %(path)s.") % {"path": request.path}},
        status=404,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a request it refused before any view: too large a body, a bad header)
    in the API's error shape under /api/; the usual page elsewhere."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(
            {"code": "request_too_large", "detail": _("The request body is too large.")},
            status=413,
        )
    return JsonResponse({"code": "bad_request", "detail": _("Bad request.")}, status=400)
