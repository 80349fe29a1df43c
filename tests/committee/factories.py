"""Factories for the committee: providers, members, motions in each state, votes."""

import factory

from committee import services
from committee.models import Motion
from cpp_registry.roles import Role
from directory.models import Organisation
from tests.core.factories import UserFactory, staff_user


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name_en = factory.Sequence(lambda n: f"Provider {n} Ltd")
    name_zh = factory.Sequence(lambda n: f"供應商{n}有限公司")
    br_number = factory.Sequence(lambda n: f"{80000000 + n:08d}")
    email = factory.Sequence(lambda n: f"provider{n}@example.hk")


def member(**kwargs):
    return staff_user(Role.PMC_MEMBER, **kwargs)


def members(n, prefix="member"):
    return [member(email=f"{prefix}{i}@example.hk") for i in range(n)]


def pmt(**kwargs):
    kwargs.setdefault("email", "pmt@example.hk")
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, **kwargs)


def motion(*, kind=Motion.Kind.REMOVAL, subject=None, actor=None, **kwargs):
    """A draft motion made through the service, as the Secretariat would."""
    kwargs.setdefault("question_en", "Should the provider be removed from the register?")
    kwargs.setdefault("question_zh", "應否將該供應商從名冊除名？")
    kwargs.setdefault("recommendation_en", "Remove: three substantiated complaints (§6.1.4).")
    kwargs.setdefault("recommendation_zh", "除名：三宗投訴成立（§6.1.4）。")
    # A provider is a subject the complaints app registers for penalty motions (committee.registry).
    return services.motion_create(kind=kind, subject=subject or OrganisationFactory(), actor=actor, **kwargs)


def open_motion(*, actor=None, **kwargs):
    actor = actor or pmt()
    return services.motion_open(motion=motion(actor=actor, **kwargs), actor=actor)


def vote_all(the_motion, voters_and_choices):
    for voter, choice in voters_and_choices:
        services.vote_cast(motion=the_motion, member=voter, choice=choice)


__all__ = ["OrganisationFactory", "UserFactory", "member", "members", "motion", "open_motion", "pmt", "vote_all"]
