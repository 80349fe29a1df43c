"""The Celery app. The beat schedule lives here, in code (django-celery-beat pins Django < 6.1)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpp_registry.settings.production")

app = Celery("cpp_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Hong Kong time (CELERY_TIMEZONE). Every job is safe to run twice, so a missed or doubled beat is harmless.
app.conf.beat_schedule = {
    "registrations-expire": {
        "task": "directory.tasks.registrations_expire",
        "schedule": crontab(hour=0, minute=5),
    },
    "deadlines-enforce": {
        "task": "cpp_registry.tasks.deadlines_enforce",
        "schedule": crontab(hour=8, minute=0),
    },
    # Notices in writing (§4.1.4, §6.1.1–6.1.4): one committed but never handed to the worker (the process died
    # after commit) is queued again; a notice is still sent once however often it is queued.
    "notices-sweep": {
        "task": "cpp_registry.tasks.notices_sweep",
        "schedule": crontab(minute="*/5"),
    },
}
