"""The core's scheduled job over clocks (docs/rules.md, clocks). Delivering notices is cpp_registry/notices.py's;
closure days are cpp_registry/closures.py's."""

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import deadlines, workdays
from .models import Deadline, Notice
from .notices import build_notice, notices_bulk_queue
from .roles import Role


def _recipients_for(
    clocks: Iterable[Deadline], role_members: dict[str, list[Any]]
) -> Iterator[tuple[Deadline, list[Any]]]:
    """Each clock's owner, or everyone in its owning role when it has none."""
    for clock in clocks:
        if clock.owner_id:
            yield clock, [clock.owner]
        else:
            yield clock, role_members.get(clock.owner_role, [])


def _members_by_role(roles: Iterable[str]) -> dict[str, list[Any]]:
    User = get_user_model()
    members: dict[str, list[Any]] = {}
    for user in User.objects.filter(groups__name__in=roles, is_active=True).prefetch_related("groups").distinct():
        for group in user.groups.all():
            members.setdefault(group.name, []).append(user)
    return members


@transaction.atomic
def deadlines_enforce(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind each running clock's owner one working day before its due day, and escalate each overdue
    clock to the Programme Director — each at most once per clock (per due day, so a clock moved by a
    closure day is reminded again). Set-based: a fixed number of queries whatever the number of clocks;
    running it twice changes nothing and sends nothing."""
    today = today or deadlines.today()
    now = timezone.now()
    remind_by = workdays.working_days_after(today, 1)

    to_remind = list(
        Deadline.objects.running()
        .filter(reminded_at__isnull=True, due_day__lte=remind_by, due_day__gte=today)
        .select_related("owner", "content_type")
        .prefetch_related("subject")
        .select_for_update(of=("self",), skip_locked=True)
    )
    to_escalate = list(
        Deadline.objects.running()
        .filter(escalated_at__isnull=True, due_day__lt=today)
        .select_related("owner", "content_type")
        .prefetch_related("subject")
        .select_for_update(of=("self",), skip_locked=True)
    )
    roles = {c.owner_role for c in to_remind} | {Role.PROGRAMME_DIRECTOR.value}
    members = _members_by_role(roles)

    notices: list[Notice] = []
    for clock, people in _recipients_for(to_remind, members):
        for person in people:
            notices.append(
                build_notice(
                    recipient=person,
                    template_key="deadline_reminder",
                    context={"clock": clock, "rule": deadlines.RULES[Deadline.Kind(clock.kind)]},
                    related=clock,
                    idempotency_key=f"deadline:{clock.pk}:reminder:{clock.due_day:%Y%m%d}:{person.pk}",
                )
            )
    directors = members.get(Role.PROGRAMME_DIRECTOR.value, [])
    for clock in to_escalate:
        for person in directors:
            notices.append(
                build_notice(
                    recipient=person,
                    template_key="deadline_escalation",
                    context={"clock": clock, "rule": deadlines.RULES[Deadline.Kind(clock.kind)], "today": today},
                    related=clock,
                    idempotency_key=f"deadline:{clock.pk}:escalation:{clock.due_day:%Y%m%d}:{person.pk}",
                )
            )
    notices_bulk_queue(notices)
    reminded = Deadline.objects.filter(id__in=[c.pk for c in to_remind], reminded_at__isnull=True).update(
        reminded_at=now
    )
    escalated = Deadline.objects.filter(id__in=[c.pk for c in to_escalate], escalated_at__isnull=True).update(
        escalated_at=now
    )
    return {"reminded": reminded, "escalated": escalated, "notices": len(notices)}
