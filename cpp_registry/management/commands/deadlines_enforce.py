from django.core.management.base import BaseCommand

from cpp_registry import services


class Command(BaseCommand):
    help = "Remind owners of clocks due in one working day and escalate overdue ones (safe to run twice)."

    def handle(self, *args, **options):
        result = services.deadlines_enforce()
        self.stdout.write(
            f"reminded {result['reminded']}, escalated {result['escalated']}, notices {result['notices']}"
        )
