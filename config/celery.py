"""The Celery app: Redis broker (REDIS_URL), no result backend, tasks from each app's tasks.py.

Without REDIS_URL (the quick start) settings make tasks run in-process (CELERY_TASK_ALWAYS_EAGER).
Worker: `celery -A config worker`; scheduler: `celery -A config beat` (CELERY_BEAT_SCHEDULE).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("luohu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
