"""The WSGI entry point (gunicorn, `make serve`).

Django runs its system checks for runserver and migrate, not when a WSGI server imports the
application: here they run once the app is loaded, and an Error (config/checks.py: a missing
CHECKIN_SIGNING_KEY, a weak SECRET_KEY, ...) stops the server before it listens.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.checks import run_startup_checks  # noqa: E402  (needs the apps loaded)

run_startup_checks()
