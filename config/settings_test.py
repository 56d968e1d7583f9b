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
