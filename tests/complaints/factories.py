"""A provider in the directory, a factory with its user, a funded project between them — for cases."""

import datetime

from cpp_registry.roles import Role
from directory.models import Factory, FundedProject
from directory.services import registration_grant
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory

D = datetime.date


def provider(**kwargs):
    organisation = OrganisationFactory(**kwargs)
    organisation.users.add(UserFactory(email=f"owner{organisation.pk}@provider.example.hk"))
    registration_grant(organisation=organisation, category="1", granted_on=D(2026, 3, 2), imported=True)
    return organisation


def factory_with_user(email="factory@example.hk"):
    factory = Factory.objects.create(name_en="Bright Textiles", name_zh="明亮紡織廠", region=Factory.Region.GUANGDONG)
    factory.users.add(UserFactory(email=email, language="zh-hans"))
    return factory


def funded_project(provider, factory, category="1"):
    return FundedProject.objects.create(
        reference=f"CPPP-{provider.pk:03d}-{factory.pk:03d}-{FundedProject.objects.count()}",
        factory=factory,
        provider=provider,
        role_category=category,
        title="Boiler heat recovery",
        areas="b",
        started_on=D(2026, 4, 1),
    )


def pmt(**kwargs):
    kwargs.setdefault("email", "pmt@example.hk")
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, **kwargs)


def ptst(**kwargs):
    kwargs.setdefault("email", "ptst@example.hk")
    return staff_user(Role.PTST, **kwargs)
