"""Demo users, one per role, and a closure day. Used by `manage.py seed_demo`."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .models import ClosureDay
from .roles import Role

PASSWORD = "demo-pass-2026"

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
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"language": language, "is_staff": staff, "is_superuser": superuser, "full_name": full_name},
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed(command):
    _user(ADMIN_EMAIL, staff=True, superuser=True, full_name="Demo Administrator")
    for label, email, role, language in STAFF:
        user = _user(email, language=language, staff=role != Role.PMC_MEMBER, full_name=f"Demo {label}")
        user.groups.add(Group.objects.get(name=role.value))
    _user(APPLICANT_EMAIL, language="zh-hant", full_name="Demo applicant")
    _user(FACTORY_EMAIL, language="zh-hans", full_name="Demo factory")
    ClosureDay.objects.get_or_create(
        date=datetime.date(2026, 9, 28),
        defaults={"reason": ClosureDay.Reason.TYPHOON, "note": "Demo: Typhoon Signal No. 8"},
    )


def logins():
    yield "Administrator (superuser)", ADMIN_EMAIL
    for label, email, _role, _lang in STAFF:
        yield label, email
    yield "Applicant (organisation user)", APPLICANT_EMAIL
    yield "Factory user", FACTORY_EMAIL


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
    for label, email in logins():
        out.write(f"  {label:<34} {email}")
