"""`make run`: the development server with the scheduled jobs running in the same process.

Celery beat runs as an embedded thread; in the embedded default tasks are eager, so each job runs in that
thread against SQLite. With CELERY_BROKER_URL set, use the Procfile (worker and beat) instead.

Written notices link to the address the portal is served at (PORTAL_BASE_URL follows the address given
here unless the environment sets it), and the demo's logins are the last thing printed, once the server
is listening — not buried under the start-up output.
"""

import os

from celery.beat import EmbeddedService
from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand

from cpp_registry import demo
from cpp_registry.celery import app


class Command(RunserverCommand):
    help = "Serve the portal with the scheduled jobs (Celery beat) in-process, and print the demo logins."

    def handle(self, *args, **options):
        options["use_reloader"] = False
        beat = EmbeddedService(app, thread=True)
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            beat.stop()

    def on_bind(self, server_port):
        super().on_bind(server_port)
        host = "127.0.0.1" if self.addr in ("0", "0.0.0.0", "") else self.addr  # noqa: S104 — a display address
        address = f"{self.protocol}://{host}:{server_port}"
        if "PORTAL_BASE_URL" not in os.environ:
            settings.PORTAL_BASE_URL = address  # links in written notices point here
        self.stdout.write("Scheduled jobs: Celery beat running in-process.")
        demo.print_logins(self.stdout, address=address)
