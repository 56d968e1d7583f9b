from django.http import HttpRequest, JsonResponse


def unknown_path(request: HttpRequest) -> JsonResponse:
    """404 in the API's error shape for any path under /api/ that matches no route."""
    return JsonResponse(
        {"code": "not_found", "detail": f"没有这个接口。No API endpoint at {request.path}."},
        status=404,
    )
