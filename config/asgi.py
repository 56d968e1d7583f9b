import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from config.checks import run_startup_checks  # noqa: E402  (needs the apps loaded; see wsgi.py)

run_startup_checks()
