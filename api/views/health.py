"""Liveness and readiness probes (docs/deploy.md, "Liveness and readiness").

- **Liveness**, `GET /api/v1/health/`: the process answers. No database, no Redis: a server
  whose database is down is not helped by a restart. It is the benchmarks' trivial endpoint,
  and api.outage never sheds it, so it answers while every thread is busy.
- **Readiness**, `GET /api/v1/health/ready/` (or `/api/v1/health/?deep=1`): can this server take
  bookings? That needs PostgreSQL, and nothing else: while Redis is down the booking throttle
  lets attempts through and notices wait in PostgreSQL, so bookings go on. Redis is reported
  (`"cache"`) but does not fail readiness: a check that did would take every server out of
  service for a Redis outage that bookings survive.

| database | Redis | status | HTTP |
|---|---|---|---|
| ok | ok | `ok` | 200 |
| ok | error | `degraded` | 200 |
| error | any | `unavailable` | 503 + Retry-After |
"""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from api.outage import UNAVAILABLE


# csrf_exempt: read-only; another method is a 405, not the CSRF check's 403 page.
@csrf_exempt
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: no database query unless `?deep=1`. Plain Django view: the trivial endpoint."""
    if request.GET.get("deep") != "1":
        return JsonResponse({"status": "ok"})
    return ready(request)


@csrf_exempt
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers (Redis is reported, not required)."""
    checks = {"database": _check_database(), "cache": _check_cache()}
    if checks["database"] != "ok":
        return JsonResponse(
            {"status": "unavailable", **checks},
            status=503,
            headers={"Retry-After": str(UNAVAILABLE.retry_after)},
        )
    return JsonResponse({"status": "ok" if checks["cache"] == "ok" else "degraded", **checks})


def _check_database() -> str:
    # Bounded by the connection's connect_timeout and statement_timeout (config/settings.py).
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_cache() -> str:
    try:
        cache.set("health-probe", "1", 5)
        return "ok" if cache.get("health-probe") == "1" else "error"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
