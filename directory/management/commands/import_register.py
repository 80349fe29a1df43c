from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory import imports


class Command(BaseCommand):
    help = (
        "Import the existing register (§3.2.1) from a CSV file (columns: docs/directory.md). Any bad row stops "
        "the whole import with nothing written; --dry-run reports what would happen."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8 (a byte-order mark is fine)")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")

    def handle(self, *args, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                plan = imports.plan_import(handle)
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text: {exc}") from exc
        except imports.ImportError_ as exc:
            for line, reason in exc.errors:
                self.stderr.write(f"{path}:{line}: {reason}")
            raise CommandError(f"Nothing imported: {len(exc.errors)} bad row(s).") from exc
        if dry_run:
            self.stdout.write(f"Dry run, nothing written. Would import: {plan.summary()}")
            return
        imports.run_import(plan)
        self.stdout.write(self.style.SUCCESS(f"Imported: {plan.summary()}"))
