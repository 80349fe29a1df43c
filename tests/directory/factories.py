import datetime

import factory

from cpp_registry import workdays
from directory.models import Category, Factory, FundedProject, Organisation, Registration
from directory.services import registration_number


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name_en = factory.Sequence(lambda n: f"Provider {n:05d} Limited")
    name_zh = factory.Sequence(lambda n: f"供應商{n:05d}有限公司")
    br_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    email = factory.Sequence(lambda n: f"info{n}@provider.example.hk")
    phone = "+85221234567"
    contact_person = "Chan Tai Man"
    address_en = "1 Example Road, Kwun Tong"
    address_zh = "觀塘示例道1號"
    district = "kwun_tong"

    @factory.post_generation
    def users(obj, create, extracted, **kwargs):
        for user in extracted or []:
            obj.users.add(user)


class FactoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Factory
        skip_postgeneration_save = True

    name_en = factory.Sequence(lambda n: f"Factory {n} Limited")
    name_zh = factory.Sequence(lambda n: f"工廠{n}有限公司")
    region = Factory.Region.GUANGDONG


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration written directly, for setting up a state; production code grants through services."""

    class Meta:
        model = Registration
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    category = Category.CONSULTANCY
    status = Registration.Status.PROVISIONAL
    granted_on = datetime.date(2026, 3, 15)
    valid_until = factory.LazyAttribute(lambda o: workdays.provisional_valid_until(o.granted_on))

    @factory.post_generation
    def numbered(obj, create, extracted, **kwargs):
        """The number the grant gives (directory.services.registration_grant), from the primary key."""
        if create and not obj.number:
            obj.number = registration_number(category=obj.category, pk=obj.pk)
            Registration.objects.filter(pk=obj.pk).update(number=obj.number)


class FundedProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundedProject

    reference = factory.Sequence(lambda n: f"CPPP-{n:05d}")
    provider = factory.SubFactory(OrganisationFactory)
    role_category = Category.CONSULTANCY
    title = factory.Sequence(lambda n: f"Energy audit {n}")
    areas = "c"
    started_on = datetime.date(2026, 6, 1)
    report_status = FundedProject.ReportStatus.SUBMITTED
    # Last: from here on, `factory` in this class body names the field, not the factory_boy module.
    factory = factory.SubFactory(FactoryFactory)
