"""Settings for the Luohu one-click booking service, read from the environment.

Every variable is listed with a comment in `.env.example`. DEBUG is off unless set; with
DEBUG=1 (`make run`) the defaults serve the quick start (SQLite file, console e-mail, tasks run
in-process when no Redis is configured). Without DEBUG, config/checks.py refuses to start until
every production setting is there (docs/deploy.md, "Production settings").
"""

import datetime as dt
from pathlib import Path

import environ
from django.utils.csp import CSP

from common.clientip import trusted_networks
from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Safe by default: DEBUG only when asked for (`make run` sets DEBUG=1). With DEBUG off, the
# start-up checks (config/checks.py) refuse a missing, short or published SECRET_KEY and every
# other missing production setting, listing them all at once.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-secret-key-change-me" if DEBUG else "")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute base URL of links in iCal feeds, pages and e-mails. Unset: pages and feeds build
# their links from the request (host and port as reached), mails from HOST/PORT under DEBUG;
# without DEBUG the start-up checks require it, for mails (common/urls.py).
SITE_URL = env_str("SITE_URL", "").rstrip("/")

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
    "axes",  # sign-in failures and lockouts (common/logins.py)
    "common",  # the outbox of notices (common/notices.py)
    "venues",
    "booking",
    "checkin",  # check-in codes, gates, scans, occupancy
    "events",
    "payments",  # Stripe payments of bookings and registrations, refunds, webhooks
    "waitlist",  # waiting lists with offers of freed places
    "allocation",  # ballot rounds for peak slots (allocation/)
    "api",
    "frontend",
    "config",  # start-up checks of the production settings (config/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for calendar feeds and large /api/ JSON, never HTML (BREACH; api/compression.py).
    "api.compression.CompressionMiddleware",
    # 503 + Retry-After, never a 500 page, while PostgreSQL or Redis is down or too slow, and
    # for requests that waited too long for a thread (api/outage.py).
    "api.outage.OutageMiddleware",
    # Django's session, CSRF, auth and messages middleware, skipped for API calls that carry
    # a token and no cookie (api/fastpath/middleware.py): nothing of theirs applies to those.
    "api.fastpath.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.fastpath.middleware.CsrfViewMiddleware",
    "api.fastpath.middleware.AuthenticationMiddleware",
    "api.fastpath.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused by django-axes into 429 + Retry-After (common/logins.py).
    "common.logins.LockoutMiddleware",
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
try:
    _database = environ.Env.db_url_config(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
    DATABASE_URL_ERROR = ""
except ValueError as exc:  # e.g. a port that is not a number
    _database, DATABASE_URL_ERROR = {}, str(exc)
# A malformed URL leaves Django's dummy backend, and the start-up check (config/checks.py)
# refuses to start with DATABASE_URL_ERROR or the missing engine in its report.
DATABASES = {"default": _database or {"ENGINE": "django.db.backends.dummy"}}
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
    if DATABASES["default"]["ENGINE"] == "common.db.postgresql":
        # Bounds on every wait for PostgreSQL, so that a slow or unreachable database answers
        # 503 (api/outage.py) instead of holding a server thread: connecting (seconds), and
        # each statement (ms, 0: none), set at connect time as a server option (no round trip,
        # no SET that a pooler could lose). Schema changes (migrate) run without the statement
        # timeout (common/db/postgresql/base.py). PgBouncer refuses the `options` startup
        # parameter (or ignores it, with ignore_startup_parameters): behind it, set
        # DB_STATEMENT_TIMEOUT_MS=0 and `ALTER ROLE ... SET statement_timeout` instead.
        _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
        _pg_options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3))
        if _statement_timeout_ms := env_int("DB_STATEMENT_TIMEOUT_MS", 5000):
            _pg_options["options"] = (
                f"{_pg_options.get('options', '')} -c statement_timeout={_statement_timeout_ms}"
            ).strip()
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

# Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed, read right
# to left (common/clientip.py); empty: the client is the connection's address, REMOTE_ADDR.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
trusted_networks(tuple(TRUSTED_PROXIES))  # a malformed entry refuses to start
# Sign-in limits (django-axes) for every form that calls authenticate(request=...): the pages,
# the admin and POST /api/v1/auth/token/. LOGIN_FAILURE_LIMIT failures within
# LOGIN_COOLOFF_MINUTES from one client address, or for one username from anywhere, lock
# further attempts (right password or not) until the failures are that old.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "common.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "common.logins.lockout_response"
# A refused attempt during the lock does not push its end further: Retry-After holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Kept off: a success would also clear the failures of other accounts from the same address.
AXES_RESET_ON_SUCCESS = False

# Transport security (docs/deploy.md, "Production settings"). Without DEBUG: HTTPS only (a
# redirect, then HSTS) and cookies never sent over plain HTTP. SECURE_TRANSPORT=0 switches
# that off for a plain-HTTP test setup, never for a public site; DEBUG's runserver speaks plain
# HTTP, so DEBUG switches it off unless set.
SECURE_TRANSPORT = env_bool("SECURE_TRANSPORT", not DEBUG)
SECURE_SSL_REDIRECT = SECURE_TRANSPORT
# A load balancer probes each app server itself, over plain HTTP on the private network and
# without the proxy's X-Forwarded-Proto: a redirect would count as a failed probe (or send it to
# the public name, another server). The health endpoints (liveness, readiness: everything
# under health/) answer there; they show no personal data.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if SECURE_TRANSPORT else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Only sends the directive: the domain gets on browsers' preload list when its owner submits it
# (hstspreload.org), which is hard to undo. SECURE_HSTS_PRELOAD=0 leaves it out.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = SECURE_TRANSPORT
CSRF_COOKIE_SECURE = SECURE_TRANSPORT
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a proxy that terminates TLS, a request is HTTPS when the proxy says so. Trusted from
# any client that reaches the app server: only the proxy may (bind gunicorn to a private
# address), and it must overwrite the header, never pass on the client's.
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# security.W003 looks for Django's class path in MIDDLEWARE and misses its subclass
# api.fastpath.middleware.CsrfViewMiddleware (hiding W016, the Secure CSRF cookie, with it);
# config/checks.py checks both for Django's class or any subclass instead.
SILENCED_SYSTEM_CHECKS = ["security.W003"]
# axes.W002 looks for axes' own middleware path; common.logins.LockoutMiddleware is its subclass.
SILENCED_SYSTEM_CHECKS += ["axes.W002"]

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
# Every task is an idempotent sweep (notices live in PostgreSQL, common/notices.py), so a task
# is acknowledged only once it has run, and one whose worker died runs again: at once when a
# pool process is killed, after the visibility timeout when the whole worker is.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a killed worker strands at most one task per process
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True  # they are redelivered
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 120}  # seconds (kombu's default: 1 h)
# A worker waits for Redis for as long as it is down (2, 4, 6 ... 30 s between attempts), also
# at start-up, and never exits for it.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Nothing waits for the broker: a publish that fails is not retried (beat tries at its next
# tick; the notices' doorbell publishes with its own short timeouts and never in a request).
CELERY_TASK_PUBLISH_RETRY = False
# Periodic jobs for `celery -A config beat` (booking/tasks.py, common/tasks.py); each is also a
# management command.
CELERY_BEAT_SCHEDULE = {
    "expire-holds": {"task": "booking.expire_holds", "schedule": 30.0},
    "run-ballots": {"task": "allocation.run_ballots", "schedule": 60.0},
    "send-reminders": {"task": "booking.send_reminders", "schedule": 300.0},
    # Every minute: a no-show past its grace period frees places for the waiting list.
    "mark-no-shows": {"task": "booking.mark_no_shows", "schedule": 60.0},
    # The outbox sweeper: every notice owed and not sent yet (a ring of its doorbell after each
    # commit usually sends it sooner). Sweeps queued while no worker ran are dropped, not run.
    "send-notices": {"task": "common.send_notices", "schedule": 3.0, "options": {"expires": 10}},
    "generate-slots": {"task": "booking.generate_slots", "schedule": 6 * 3600.0},
    "waitlist-expire-offers": {"task": "waitlist.expire_offers", "schedule": 30.0},
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
        # Seconds: a mail server that hangs must not hold an outbox sweeper for ever.
        "timeout": env_int("EMAIL_TIMEOUT", 10),
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
# A write that waits longer than this for a row lock (a booking, a cancellation, an event
# registration) answers 409 `busy` (common/transactions.py). BOOKING_LOCK_TIMEOUT_MS, its
# former name, is still read when this one is not set.
DB_LOCK_TIMEOUT_MS = env_int("DB_LOCK_TIMEOUT_MS", env_int("BOOKING_LOCK_TIMEOUT_MS", 2000))
# A request that waited longer than this for a server thread is answered 503 `busy` at once
# (0: never); liveness is never shed (api/outage.py, docs/deploy.md "Overload").
SHED_QUEUE_WAIT_MS = env_int("SHED_QUEUE_WAIT_MS", 1000)
# Each server process keeps a venue's rendered availability grid this long (0: never); a
# booking still decides on the slot row, the grid is just that much late (api/caching.py).
AVAILABILITY_CACHE_MS = env_int("AVAILABILITY_CACHE_MS", 1000)

# Check-in codes are signed with Ed25519; gates verify with the public key only.
CHECKIN_SIGNING_KEY = env_str("CHECKIN_SIGNING_KEY", "")

# API tokens expire this many days after they were issued (0: never); POST /api/v1/auth/token/
# then issues a new one (api/authentication.py).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication rules, answered by one hand-written query.
        "api.fastpath.authentication.FastTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's three, with JSON nesting bounded (a 100,000-deep body is a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_THROTTLE_RATES": {
        "booking_create": env_str("THROTTLE_BOOKING_CREATE", "30/min"),
        "auth": env_str("THROTTLE_AUTH", "20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Content-Security-Policy (docs/deploy.md, "Content-Security-Policy"): scripts, styles, fonts,
# fetches and frames from this site only; no inline script, no inline event handler, no eval,
# no inline style. Page data reaches scripts through data-* attributes and json_script, so an
# injected tag or handler (stored XSS) cannot run. Images may also be data: URLs (QR codes).
# The pay page never loads Stripe.js (payments are confirmed through /api/v1), so no outside
# origin is allowed, whatever the Stripe keys. The Redoc page alone widens it (config/urls.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Luohu One-Click Sports Booking API",
    "DESCRIPTION": "Venues, slots, one-click bookings, events and iCal feeds for Luohu District. "
    "Every error answers `{code, detail, fields?}` (the `Error` schema); docs/api.md lists the "
    "codes and the idempotency and retry rules.",
    "VERSION": "1.0.0",
    # The schema the third-party tools check (tests/api/test_schema_*.py, docs/api.md).
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "CONTACT": {"name": "Luohu District sports office"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
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
