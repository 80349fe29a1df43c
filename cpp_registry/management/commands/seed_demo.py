"""Demo data for `make run`: idempotent — running it again changes nothing.

The core seeds one user per role; every app that has a `demo` module with a `seed(command)` function adds
its own records after that, in INSTALLED_APPS order.
"""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from cpp_registry import demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print one login per role."

    def handle(self, *args, **options):
        with transaction.atomic():
            demo.seed(self)
            for config in apps.get_app_configs():
                if config.name in {"cpp_registry"}:
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(self)
        demo.print_logins(self.stdout)
