import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cpp_registry.roles import Role

PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
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

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        for role in extracted or []:
            obj.groups.add(Group.objects.get(name=Role(role).value))


def staff_user(role, **kwargs):
    return UserFactory(is_staff=role != Role.PMC_MEMBER, roles=[role], **kwargs)
