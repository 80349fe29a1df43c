"""Demo users, one per role, and a closure day. Used by `manage.py seed_demo`."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .models import ClosureDay
from .roles import Role

PASSWORD = "demo-pass-2026"
# Staff and PMC members log in with a second factor (cpp_registry/mfa.py). Every demo user who needs one has
# an authenticator app with this secret — public, for the demo only: add it to an authenticator app, or run
# `manage.py demo_totp` for the current code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"

STAFF = [
    ("Programme Management Team", "pmt@demo.etsp.hk", Role.PROGRAMME_MANAGEMENT_TEAM, "zh-hant"),
    ("PTST", "ptst@demo.etsp.hk", Role.PTST, "zh-hant"),
    ("Programme Director", "director@demo.etsp.hk", Role.PROGRAMME_DIRECTOR, "en"),
    ("PMC member", "pmc@demo.etsp.hk", Role.PMC_MEMBER, "en"),
]
# Applicant and factory users are created here and attached to their organisation/factory by the
# directory's demo module.
APPLICANT_EMAIL = "applicant@demo.etsp.hk"
FACTORY_EMAIL = "factory@demo.etsp.hk"
ADMIN_EMAIL = "admin@demo.etsp.hk"


def _user(email, *, language="en", staff=False, superuser=False, full_name=""):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"language": language, "is_staff": staff, "is_superuser": superuser, "full_name": full_name},
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    # Verified, as after sign-up: allauth lets nobody log in before their address is.
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _second_factor(user):
    """The demo's authenticator app (DEMO_TOTP_SECRET) and recovery codes, unless the user has one."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    RecoveryCodes.activate(user)  # keeps codes it already has


def seed(command):
    _second_factor(_user(ADMIN_EMAIL, staff=True, superuser=True, full_name="Demo Administrator"))
    for label, email, role, language in STAFF:
        user = _user(email, language=language, staff=role != Role.PMC_MEMBER, full_name=f"Demo {label}")
        user.groups.add(Group.objects.get(name=role.value))
        _second_factor(user)
    _user(APPLICANT_EMAIL, language="zh-hant", full_name="Demo applicant")
    _user(FACTORY_EMAIL, language="zh-hans", full_name="Demo factory")
    ClosureDay.objects.get_or_create(
        date=datetime.date(2026, 9, 28),
        defaults={"reason": ClosureDay.Reason.TYPHOON, "note": "Demo: Typhoon Signal No. 8"},
    )


def logins():
    """(label, email, whether the log-in asks for the demo's TOTP code) for each demo user."""
    yield "Administrator (superuser)", ADMIN_EMAIL, True
    for label, email, _role, _lang in STAFF:
        yield label, email, True
    yield "Applicant (organisation user)", APPLICANT_EMAIL, False
    yield "Factory user", FACTORY_EMAIL, False


def print_logins(out, *, address=""):
    """The demo's logins, one per role — printed by `seed_demo`, and again by `serve` as its last words."""
    from .models import User

    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        return
    heading = (
        f"Demo logins at {address}/en/ (password for all: {PASSWORD}):"
        if address
        else (f"Demo logins (password for all: {PASSWORD}):")
    )
    out.write(heading)
    for label, email, totp in logins():
        out.write(f"  {label:<34} {email:<26} {'+ TOTP code' if totp else ''}".rstrip())
    out.write(
        f"  TOTP secret {DEMO_TOTP_SECRET} (staff and PMC members) — add it to an authenticator app, "
        "or run `manage.py demo_totp` to print the current code."
    )
