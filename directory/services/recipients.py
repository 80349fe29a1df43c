"""Who receives a provider's or a factory's written notices — the one place that decides it (§4.1.4,
§6.1.1–6.1.4).

Every active user acting for the organisation (or the factory) gets the notice in their own language; one
with no user yet (a provider imported from the existing register, §3.2.1) gets it at its registered email
address, in Chinese first.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from cpp_registry.models import Notice
from cpp_registry.notices import build_notice

from ..models import Factory, Organisation


def _users_or_address(
    *,
    people: list[Any],
    address: str,
    language: str,
    user_key: str,
    address_key: str,
    template_key: str,
    context: Mapping[str, Any],
    related: models.Model | None,
    event: str,
) -> list[Notice]:
    """One notice per user, in each user's language; with no user, one to the holder's own address."""
    if people:
        return [
            build_notice(
                recipient=user,
                template_key=template_key,
                context=context,
                related=related,
                idempotency_key=f"{event}:{user_key}{user.pk}",
            )
            for user in people
        ]
    if address:
        return [
            build_notice(
                recipient=None,
                email=address,
                language=language,
                template_key=template_key,
                context=context,
                related=related,
                idempotency_key=f"{event}:{address_key}",
            )
        ]
    return []


def provider_notices(
    *,
    organisation: Organisation,
    template_key: str,
    context: Mapping[str, Any],
    related: models.Model | None,
    event: str,
    users: Iterable[Any] | None = None,
) -> list[Notice]:
    """One notice per user acting for the organisation, or one to its email when it has none.

    `event` names what happened (`"registration:12:granted"`); with the recipient it makes the notice's
    idempotency key, so that the same event never sends twice. `users` may be given when the caller has
    already loaded them (a job working on many organisations at once).
    """
    return _users_or_address(
        people=list(organisation.users.filter(is_active=True)) if users is None else list(users),
        address=organisation.email,
        language="zh-hant",
        user_key="user",
        address_key="org",
        template_key=template_key,
        context={"organisation": organisation, **context},
        related=related,
        event=event,
    )


def memberships(organisation_ids: Iterable[int]) -> dict[int, list[Any]]:
    """{organisation id: [active users]} in one query, for jobs that notify many providers."""
    through = Organisation.users.through
    members: dict[int, list[Any]] = {}
    rows = through.objects.filter(organisation_id__in=list(organisation_ids), user__is_active=True).select_related(
        "user"
    )
    for row in rows:
        members.setdefault(row.organisation_id, []).append(row.user)
    return members


def factory_notices(
    *,
    factory: Factory,
    template_key: str,
    context: Mapping[str, Any],
    related: models.Model | None,
    event: str,
) -> list[Notice]:
    """One notice per user acting for the factory, or one to its email when it has none (§6.1.2, §6.1.4:
    the factory that complained is told the result); a Guangdong factory's address reads Simplified first."""
    return _users_or_address(
        people=list(factory.users.filter(is_active=True)),
        address=factory.email,
        language="zh-hans" if factory.region == Factory.Region.GUANGDONG else "zh-hant",
        user_key="factory-user",
        address_key="factory",
        template_key=template_key,
        context={"factory": factory, **context},
        related=related,
        event=event,
    )
