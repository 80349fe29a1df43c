import datetime

from django.core.management.base import BaseCommand, CommandError

from directory import services


class Command(BaseCommand):
    help = (
        "Cancel every provisional registration whose 24 months have ended (§3.3.3) and send the 90- and "
        "30-day reminders. Safe to run twice: a second run changes nothing and sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD), Hong Kong time.")

    def handle(self, *args, today=None, **options):
        if today:
            try:
                today = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today: {today!r} is not a date written YYYY-MM-DD.") from exc
        result = services.registrations_expire(today=today)
        self.stdout.write(
            f"Expired {result.expired} provisional registration(s); reminded {result.reminded}; "
            f"{result.notices} notice(s) queued."
        )
