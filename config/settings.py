"""Settings for the Luohu one-click booking service, read from the environment.

Every variable is listed with a comment in `.env.example`. Defaults are safe for the quick start
(SQLite file, DEBUG on, console e-mail, tasks run in-process when no Redis is configured).
"""

from pathlib import Path

import environ

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-secret-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute base URL used in iCal feeds, e-mails and payment redirects.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "venues",
    "booking",
    "events",
    "api",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's session, CSRF, auth and messages middleware, skipped for API calls that carry
    # a token and no cookie (api/middleware.py): nothing of theirs applies to those.
    "api.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.middleware.CsrfViewMiddleware",
    "api.middleware.AuthenticationMiddleware",
    "api.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

# DATABASE_URL: postgres://user@host:port/name in production and tests; a SQLite file by default.
DATABASES = {
    "default": environ.Env.db_url_config(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time, taken at BEGIN: booking transactions never upgrade a read lock.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with the health check below only after idleness.
        DATABASES["default"]["ENGINE"] = "common.db.postgresql"
    # A health check is a `SELECT 1` round trip before the first query of a request. Django
    # checks every request; common.db.postgresql only connections idle for longer than
    # DB_HEALTH_CHECK_AFTER_IDLE seconds (0: every request). On a busy connection it was one
    # round trip of two for a refused booking attempt. Without any check, a request on a
    # connection the server dropped (a database restart) fails once, and the connection is
    # replaced after that request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)
    DATABASES["default"]["HEALTH_CHECK_AFTER_IDLE"] = env_float("DB_HEALTH_CHECK_AFTER_IDLE", 1.0)
    # Server-side parameter binding lets psycopg prepare the statements a connection runs
    # again and again: PostgreSQL then skips parsing and planning, which on the booking path
    # cost it more CPU than running the queries (bench/README.md). Turn it off behind a pooler
    # that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 2)
        )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Redis: cache, throttling and the Celery broker. Empty means the quick start: local memory
# cache and tasks run in-process.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, minus a new redis client per call (see config/redis_cache.py).
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic jobs for `celery -A config beat` (booking/tasks.py); each is also a management command.
CELERY_BEAT_SCHEDULE = {
    "expire-holds": {"task": "booking.expire_holds", "schedule": 30.0},
    "send-reminders": {"task": "booking.send_reminders", "schedule": 300.0},
    "mark-no-shows": {"task": "booking.mark_no_shows", "schedule": 600.0},
    "send-promotion-notices": {"task": "booking.send_promotion_notices", "schedule": 60.0},
    # Booking confirmations are queued on a Redis list in the request, as tasks here.
    "send-queued-confirmations": {"task": "booking.send_queued_confirmations", "schedule": 3.0},
    "generate-slots": {"task": "booking.generate_slots", "schedule": 6 * 3600.0},
}

# Django 6.1 mailers. EMAIL_BACKEND picks the backend (console by default); SMTP reads
# EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD / EMAIL_USE_TLS.
_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_EMAIL_OPTIONS: dict[str, object] = {}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "罗湖体育 <noreply@sports.luohu.example>")

# Stripe: paid slots are bookable online only when a secret key is configured.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "")  # pk_...: Stripe.js on the pay page
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")  # e.g. a local fake server in tests
STRIPE_PAYMENT_METHOD_TYPES = env_list(
    "STRIPE_PAYMENT_METHOD_TYPES", ["card", "alipay", "wechat_pay"]
)
STRIPE_ENABLED = bool(STRIPE_SECRET_KEY)
BOOKING_HOLD_MINUTES = env_int("BOOKING_HOLD_MINUTES", 10)
# A paid event's waiting-list entry promoted to a place keeps it this long to pay (it learns of
# it by e-mail, so longer than a hold taken at the screen).
EVENT_PROMOTION_HOLD_MINUTES = env_int("EVENT_PROMOTION_HOLD_MINUTES", 120)
# A booking or cancellation that waits longer than this for a row lock answers 409 `busy`.
BOOKING_LOCK_TIMEOUT_MS = env_int("BOOKING_LOCK_TIMEOUT_MS", 2000)
# Each server process keeps a venue's rendered availability grid this long (0: never); a
# booking still decides on the slot row, the grid is just that much late (api/caching.py).
AVAILABILITY_CACHE_MS = env_int("AVAILABILITY_CACHE_MS", 1000)

# Check-in codes are signed with Ed25519; gates verify with the public key only.
CHECKIN_SIGNING_KEY = env_str("CHECKIN_SIGNING_KEY", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication rules, answered by one hand-written query.
        "api.authentication.FastTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_THROTTLE_RATES": {
        "booking_create": env_str("THROTTLE_BOOKING_CREATE", "30/min"),
        "auth": env_str("THROTTLE_AUTH", "20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Luohu One-Click Sports Booking API",
    "DESCRIPTION": "Venues, slots, one-click bookings, events and iCal feeds for Luohu District.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several resources have a `reason`; name the slot's enum so that they never collide.
    "ENUM_NAME_OVERRIDES": {
        "SlotReasonEnum": "booking.availability.REASONS",
        "VenueKindEnum": "venues.models.Venue.Kind",
        "EventStatusEnum": "events.models.Event.Status",
        "RegistrationStatusEnum": "events.models.Registration.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
