from django.core.management.base import BaseCommand

from cpp_registry.notices import notices_sweep, sweep_after


class Command(BaseCommand):
    help = (
        "Queue again every notice committed but never handed to the worker (unsent, not given up, handed over "
        "longer ago than NOTICES_SWEEP_AFTER_MINUTES, default 5). Safe at any moment and twice: a notice is "
        "sent once however often it is queued."
    )

    def handle(self, *args, **options):
        count = notices_sweep()
        minutes = int(sweep_after().total_seconds() // 60)
        self.stdout.write(f"{count} notice(s) queued again (unsent for more than {minutes} minutes).")
