"""Production settings are checked at start-up: a server with a missing or unsafe setting refuses
to start (config/checks.py), `make serve` (gunicorn) included, and is secure by default.

The subprocess tests start Django from scratch with an environment of their own, as an operator
would: the production values of .env.example plus real-looking keys.
"""

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.core import checks as django_checks

from checkin.keys import load_signing_key, public_key_bytes
from config import checks
from tests.config.gunicorn_helpers import GUNICORN, ROOT, free_port, spawn_gunicorn, stop

PYTHON = sys.executable
SITE = "sports.luohu.example"


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_checkin_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def bare_env(**values: str | None) -> dict[str, str]:
    """An environment with none of this machine's settings in it (as on a fresh server)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update({key: value for key, value in values.items() if value is not None})
    return env


def production_env(**overrides: str | None) -> dict[str, str]:
    """A complete production environment (nothing is contacted by `check`); None drops a key."""
    values: dict[str, str | None] = {
        "DEBUG": "0",
        "SECRET_KEY": new_secret_key(),
        "CHECKIN_SIGNING_KEY": new_checkin_key(),
        "ALLOWED_HOSTS": f"{SITE},127.0.0.1",
        "SITE_URL": f"https://{SITE}",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/luohu_not_contacted",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "BEHIND_PROXY": "1",
    }
    values.update(overrides)
    return bare_env(**values)


def env_example() -> dict[str, str]:
    """The variables of .env.example as the file sets them (inline comments stripped)."""
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = re.sub(r"\s+#.*$", "", value).strip()
    return values


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env: dict[str, str], *names: str) -> dict[str, object]:
    """The values of settings `names` as config/settings.py computes them in `env`."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the incident: DEBUG=0 without CHECKIN_SIGNING_KEY ----------------------------------------


def test_manage_py_check_refuses_debug_off_without_a_checkin_key():
    result = manage(production_env(CHECKIN_SIGNING_KEY=None), "check")

    assert result.returncode != 0
    assert "(config.E002) CHECKIN_SIGNING_KEY is not set" in result.stderr
    # Nothing else is wrong with this environment: one clear error.
    errors = result.stderr.split("WARNINGS:")[0]
    assert re.findall(r"\((\w+\.[EC]\d+)\)", errors) == ["config.E002"]


@pytest.mark.parametrize("preload", ["1", "0"], ids=["preloaded", "loaded-by-workers"])
def test_gunicorn_refuses_to_start_without_a_checkin_key(preload, tmp_path):
    """`make serve` as in issue 12: it served health and answered 500 to every booking."""
    port = free_port()
    env = production_env(
        CHECKIN_SIGNING_KEY=None,
        HOST="127.0.0.1",
        PORT=str(port),
        GUNICORN_WORKERS="1",
        GUNICORN_PRELOAD=preload,
    )
    result = subprocess.run(
        [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "(config.E002) CHECKIN_SIGNING_KEY is not set" in result.stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


# --- what a production server refuses ---------------------------------------------------------


def test_with_no_environment_at_all_the_server_refuses_to_start_and_says_what_is_missing():
    result = manage(bare_env(), "check")

    assert result.returncode != 0
    found = set(re.findall(r"\((config\.E\d+)\)", result.stderr))
    assert found == {
        "config.E001",  # SECRET_KEY
        "config.E002",  # CHECKIN_SIGNING_KEY
        "config.E004",  # ALLOWED_HOSTS
        "config.E007",  # REDIS_URL
        "config.E008",  # DATABASE_URL (PostgreSQL)
        "config.E010",  # SITE_URL
    }


def test_with_debug_set_the_quick_start_needs_no_environment():
    result = manage(bare_env(DEBUG="1"), "check")

    assert result.returncode == 0, result.stderr
    assert "ERRORS:" not in result.stderr


def test_malformed_settings_are_reported_together_at_start_up():
    result = manage(
        production_env(
            SECRET_KEY="change-me",
            DATABASE_URL="postgres://luohu@db.internal:fivefourthreetwo/luohu",
            REDIS_URL="http://127.0.0.1:6379/0",
            CHECKIN_SIGNING_KEY=base64.b64encode(b"sixteen bytes!!!").decode(),
            STRIPE_SECRET_KEY="sk_live_123",
        ),
        "check",
    )

    assert result.returncode != 0
    err = result.stderr
    assert "(config.E001) SECRET_KEY is a value published with the project's source" in err
    assert "(config.E003) CHECKIN_SIGNING_KEY must be 32 raw bytes" in err
    assert "(config.E005) DATABASE_URL is malformed: Port could not be cast" in err
    assert "(config.E006) REDIS_URL is malformed" in err
    assert "(config.E009) STRIPE_SECRET_KEY is set without STRIPE_WEBHOOK_SECRET" in err


# --- transport security -----------------------------------------------------------------------

TRANSPORT = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SECURE_PROXY_SSL_HEADER",
)


def test_without_debug_transport_is_secure_by_default():
    values = settings_in(production_env(BEHIND_PROXY=None), *TRANSPORT)

    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_PROXY_SSL_HEADER": None,  # no proxy configured: nobody's header is believed
    }


def test_debug_is_off_unless_set():
    assert settings_in(bare_env(), "DEBUG") == {"DEBUG": False}


def test_one_switch_turns_transport_security_off_for_a_plain_http_test_setup():
    values = settings_in(production_env(SECURE_TRANSPORT="0"), *TRANSPORT)

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["X_FRAME_OPTIONS"] == "DENY"  # headers that cost nothing over HTTP stay


def test_gunicorn_with_production_settings_redirects_to_https_but_health_answers_over_http(
    tmp_path,
):
    port = free_port()
    env = production_env(
        HOST="127.0.0.1", PORT=str(port), GUNICORN_WORKERS="1", GUNICORN_LOGLEVEL="warning"
    )
    log_path = tmp_path / "gunicorn.log"
    proc = spawn_gunicorn(env, log_path)
    opener = urllib.request.build_opener(_NoRedirects)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                health = opener.open(f"{base}/api/v1/health/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 90 s"
                time.sleep(0.2)

        # The load balancer's probe: plain HTTP, answered, no HSTS over plain HTTP.
        assert health.status == 200
        assert json.loads(health.read()) == {"status": "ok"}
        assert "Strict-Transport-Security" not in health.headers

        # Anything else over plain HTTP goes to HTTPS.
        page = urllib.request.Request(f"{base}/venues/", headers={"Host": SITE})
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(page, timeout=10)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == f"https://{SITE}/venues/"

        # Through the TLS proxy (BEHIND_PROXY=1): HSTS and the other security headers.
        proxied = urllib.request.Request(
            f"{base}/api/v1/health/", headers={"Host": SITE, "X-Forwarded-Proto": "https"}
        )
        with opener.open(proxied, timeout=10) as response:
            assert response.status == 200
            headers = response.headers
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
    finally:
        stop(proc)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_check_deploy_passes_without_a_warning_for_the_documented_production_settings():
    values = env_example()
    assert values["DEBUG"] == "0"
    env = bare_env(
        **{**values, "SECRET_KEY": new_secret_key(), "CHECKIN_SIGNING_KEY": new_checkin_key()}
    )

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_the_env_example_secret_key_placeholder_is_refused():
    assert checks.secret_key_problem(env_example()["SECRET_KEY"]) is not None


# --- the checks, one rule at a time -----------------------------------------------------------


def ids(messages: list[django_checks.CheckMessage]) -> list[str | None]:
    return [message.id for message in messages]


def assert_one_error(messages: list[django_checks.CheckMessage], error_id: str) -> None:
    assert ids(messages) == [error_id]
    assert messages[0].level == django_checks.ERROR


@pytest.mark.parametrize(
    "secret_key",
    [
        "",
        "change-me",
        "dev-only-insecure-secret-key-change-me",
        "replace-me-with-a-long-random-string-see-docs-deploy-md-production-settings",
        "django-insecure-" + secrets.token_urlsafe(50),
        "abcd" * 20,  # long, but 4 different characters
        secrets.token_urlsafe(30),  # random, but 40 characters
    ],
    ids=["missing", "old-example", "old-default", "placeholder", "django-insecure", "few", "short"],
)
def test_a_missing_short_or_published_secret_key_is_an_error_without_debug(settings, secret_key):
    settings.DEBUG = False
    settings.SECRET_KEY = secret_key

    assert_one_error(checks.check_secret_key(None), "config.E001")


@pytest.mark.parametrize(
    ("debug", "secret_key"),
    [(False, new_secret_key()), (True, "dev-only-insecure-secret-key-change-me")],
    ids=["long-random", "development-key-with-debug"],
)
def test_a_long_random_secret_key_or_debug_with_the_development_key_passes(
    settings, debug, secret_key
):
    settings.DEBUG = debug
    settings.SECRET_KEY = secret_key

    assert checks.check_secret_key(None) == []


def test_a_missing_checkin_key_is_an_error_without_debug_only(settings):
    settings.CHECKIN_SIGNING_KEY = ""
    settings.DEBUG = False
    assert ids(checks.check_checkin_signing_key(None)) == ["config.E002"]

    settings.DEBUG = True
    assert checks.check_checkin_signing_key(None) == []


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_checkin_key_is_an_error_even_with_debug(settings, debug, value):
    settings.DEBUG = debug
    settings.CHECKIN_SIGNING_KEY = value

    assert_one_error(checks.check_checkin_signing_key(None), "config.E003")


def test_without_debug_the_checkin_key_never_comes_from_the_secret_key(settings):
    settings.DEBUG = False
    settings.CHECKIN_SIGNING_KEY = new_checkin_key()
    settings.SECRET_KEY = new_secret_key()
    first = public_key_bytes()

    settings.SECRET_KEY = new_secret_key()
    assert public_key_bytes() == first
    assert first == load_signing_key(settings.CHECKIN_SIGNING_KEY).public_key().public_bytes_raw()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6379/0", "redis://127.0.0.1:abc/0", "redis://127.0.0.1/zero", "redis:///0"],
)
def test_a_malformed_redis_url_is_an_error(settings, url):
    settings.REDIS_URL = url

    assert "config.E006" in ids(checks.check_services(None))


@pytest.mark.parametrize(
    "url",
    ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.internal:6380/1", "unix:///tmp/r.sock?db=2"],
)
def test_well_formed_redis_urls_pass(url):
    assert checks.redis_url_problem(url) is None


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"ENGINE": "django.db.backends.mysql", "NAME": "luohu"}, "must be a postgres://"),
        ({}, "must be a postgres://"),
        ({"ENGINE": "django.db.backends.postgresql", "NAME": ""}, "names no database"),
    ],
)
def test_a_database_url_the_service_cannot_use_is_reported(config, problem):
    assert problem in checks.database_url_problem(config, "")


def test_stripe_without_a_webhook_secret_is_an_error_without_debug(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_123"
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.DEBUG = False

    [message] = [m for m in checks.check_services(None) if m.id == "config.E009"]
    assert message.level == django_checks.ERROR

    settings.DEBUG = True
    [message] = [m for m in checks.check_services(None) if m.id == "config.E009"]
    assert message.level == django_checks.WARNING


def test_no_allowed_hosts_or_no_site_url_is_an_error_without_debug(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = []
    settings.SITE_URL = "sports.luohu.example"  # no scheme

    assert ids(checks.check_hosts_and_urls(None)) == ["config.E004", "config.E010"]


def test_the_csrf_check_sees_the_projects_subclass_of_djangos_middleware(settings):
    """security.W003 looks for Django's class path and is silenced; config.W003/W016 stand in."""
    settings.CSRF_COOKIE_SECURE = True
    messages = django_checks.run_checks(include_deployment_checks=True, tags=["security"])
    by_id = {message.id: message for message in messages}
    assert "config.W003" not in by_id and "config.W016" not in by_id
    assert by_id["security.W003"].is_silenced()

    settings.CSRF_COOKIE_SECURE = False
    assert ids(checks.check_csrf_middleware(None)) == ["config.W016"]

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "CsrfViewMiddleware" not in m]
    assert ids(checks.check_csrf_middleware(None)) == ["config.W003"]
