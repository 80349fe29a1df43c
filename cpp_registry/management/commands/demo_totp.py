"""`manage.py demo_totp [EMAIL]`: the code an authenticator app holding the demo's secret shows now.

Staff and PMC members log in with a second factor (cpp_registry/mfa.py); the demo users (`seed_demo`) all
share the public secret cpp_registry.demo.DEMO_TOTP_SECRET. The code is computed from that secret alone —
never from a secret stored in the database — so this prints nothing that would help with a real account.
"""

import time

from allauth.mfa import app_settings
from django.core.management.base import BaseCommand, CommandError

from cpp_registry import demo
from cpp_registry.mfa import totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo's authenticator secret (for the demo staff and PMC logins)."

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", help="a demo login (optional; all demo logins share the secret)")

    def handle(self, *args, email=None, **options):
        with_totp = {address for _label, address, totp in demo.logins() if totp}
        if email and email.strip().lower() not in with_totp:
            raise CommandError(
                f"{email} is not a demo login with a TOTP code; these are: {', '.join(sorted(with_totp))}"
            )
        now = time.time()
        left = app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD
        self.stdout.write(f"{totp_code(demo.DEMO_TOTP_SECRET, now)}  (valid {left} more seconds)")
