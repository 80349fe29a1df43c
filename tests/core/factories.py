import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cpp_registry.demo import DEMO_TOTP_SECRET
from cpp_registry.roles import Role

PASSWORD = "a-Long-test-passw0rd"
# The authenticator app's secret of every user a factory gives one (the demo's): tests compute its codes
# with cpp_registry.mfa.totp_code.
TOTP_SECRET = DEMO_TOTP_SECRET


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose email address is verified (as after sign-up), so that they can log in through allauth.

    Staff and PMC members get an authenticator app (TOTP, secret TOTP_SECRET) and recovery codes, as the
    portal requires of them (cpp_registry/mfa.py): `client.force_login` then lets them in, as a log-in with
    the second factor would. `totp=False` makes one without, to test that rule."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.hk")
    full_name = factory.Faker("name")
    language = "en"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        for role in extracted or []:
            obj.groups.add(Group.objects.get(name=Role(role).value))

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """An authenticator app for staff and PMC members (or anybody, with totp=True); totp=False: none."""
        if not create or extracted is False:
            return
        needs = obj.is_staff or obj.is_superuser or obj.groups.filter(name=Role.PMC_MEMBER.value).exists()
        if (extracted or needs) and not Authenticator.objects.filter(user=obj, type=Authenticator.Type.TOTP).exists():
            add_totp(obj)


def add_totp(user, secret=TOTP_SECRET):
    """An activated authenticator app with `secret`, and recovery codes, as allauth's set-up makes them."""
    TOTP.activate(user, secret)
    return RecoveryCodes.activate(user)


def staff_user(role, **kwargs):
    return UserFactory(is_staff=role != Role.PMC_MEMBER, roles=[role], **kwargs)
