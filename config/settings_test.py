"""Test-only overrides."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# A fixed check-in signing key (the dev-key fallback needs DEBUG, which pytest-django turns off).
CHECKIN_SIGNING_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
# Serve static files from the finders without a collected STATIC_ROOT (no "No directory" warning).
WHITENOISE_AUTOREFRESH = True
# Tests read availability right after changing slots: no rendered grid kept between requests.
AVAILABILITY_CACHE_MS = 0
# DEBUG is off in tests (pytest-django turns it off anyway), so settings.py has no development
# fallbacks: a fixed key of production strength, the local host names and base URL.
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-not-for-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]  # noqa: F405
SITE_URL = SITE_URL or "http://127.0.0.1:8000"  # noqa: F405
# The test client and the live server speak plain HTTP (SECURE_TRANSPORT=0): no HTTPS redirect,
# no HSTS, cookies without Secure. tests/config/ checks the production values in a subprocess.
SECURE_TRANSPORT = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
