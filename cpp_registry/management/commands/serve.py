"""`make run`: the development server with the scheduled jobs running in the same process.

Celery beat runs as an embedded thread; in the embedded default tasks are eager, so each job runs in that
thread against SQLite. With CELERY_BROKER_URL set, use the Procfile (worker and beat) instead.
"""

from celery.beat import EmbeddedService
from django.core.management import call_command
from django.core.management.base import BaseCommand

from cpp_registry.celery import app


class Command(BaseCommand):
    help = "Serve the portal with the scheduled jobs (Celery beat) in-process."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        beat = EmbeddedService(app, thread=True)
        beat.start()
        self.stdout.write("Scheduled jobs: Celery beat running in-process.")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            beat.stop()
