from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls")),
    path("calendar/", include("api.calendar_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]

# Requests Django refuses before routing them (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE).
handler400 = "api.views.errors.bad_request"
# A database or Redis outage in a middleware is a 503; any 500 under /api/ is JSON.
handler500 = "api.outage.server_error"
