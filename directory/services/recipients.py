"""Who receives a provider's written notices — the one place that decides it (§4.1.4, §6.1.1–6.1.4).

Every active user acting for the organisation gets the notice in their own language; an organisation with
no user yet (one imported from the existing register, §3.2.1) gets it at its registered email address, in
Traditional Chinese first.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from cpp_registry.models import Notice
from cpp_registry.notices import build_notice

from ..models import Factory, Organisation


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
    people = list(organisation.users.filter(is_active=True)) if users is None else list(users)
    full_context = {"organisation": organisation, **context}
    if people:
        return [
            build_notice(
                recipient=user,
                template_key=template_key,
                context=full_context,
                related=related,
                idempotency_key=f"{event}:user{user.pk}",
            )
            for user in people
        ]
    if organisation.email:
        return [
            build_notice(
                recipient=None,
                email=organisation.email,
                language="zh-hant",
                template_key=template_key,
                context=full_context,
                related=related,
                idempotency_key=f"{event}:org",
            )
        ]
    return []


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
    the factory that complained is told the result)."""
    people = list(factory.users.filter(is_active=True))
    full_context = {"factory": factory, **context}
    if people:
        return [
            build_notice(
                recipient=user,
                template_key=template_key,
                context=full_context,
                related=related,
                idempotency_key=f"{event}:factory-user{user.pk}",
            )
            for user in people
        ]
    if factory.email:
        return [
            build_notice(
                recipient=None,
                email=factory.email,
                language="zh-hans" if factory.region == Factory.Region.GUANGDONG else "zh-hant",
                template_key=template_key,
                context=full_context,
                related=related,
                idempotency_key=f"{event}:factory",
            )
        ]
    return []
