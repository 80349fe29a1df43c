"""Clocks (docs/rules.md, clocks): the one table of kinds, lengths and units, and the services that move a clock.

Every clock of the guide is a `Deadline` row; the services here are the only code that writes one, and each
of them writes a `DeadlineEvent` (who, when, why, the due day after) in the same transaction — a clock is
audited like a transition.
"""

import datetime
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import workdays
from .models import Deadline, DeadlineEvent
from .roles import Role

Kind = Deadline.Kind
Action = DeadlineEvent.Action
WORKING_DAYS = "working_days"
CALENDAR_MONTHS = "calendar_months"


@dataclass(frozen=True)
class Rule:
    length: int
    unit: str
    section: str
    owner_role: str
    starts: str | Promise


# The one place where each clock's length lives (docs/rules.md, clocks and calendar).
RULES = {
    Kind.APPLICATION_PROCESSING: Rule(
        10, WORKING_DAYS, "§4.1.3", Role.PROGRAMME_MANAGEMENT_TEAM, _("all required information received")
    ),
    Kind.COMPLAINT_NOTIFY: Rule(2, WORKING_DAYS, "§6.1.1", Role.PROGRAMME_MANAGEMENT_TEAM, _("complaint recorded")),
    Kind.CONTACT_CHANGE: Rule(5, WORKING_DAYS, "§5.2.2", Role.PROGRAMME_MANAGEMENT_TEAM, _("request received")),
    Kind.DECISION_CARRY_OUT: Rule(10, WORKING_DAYS, "§6.1.4", Role.PROGRAMME_MANAGEMENT_TEAM, _("motion closed")),
    Kind.COMPLAINT_REPORT: Rule(
        1, CALENDAR_MONTHS, "§6.1.4", Role.PROGRAMME_MANAGEMENT_TEAM, _("provider notified of the complaint")
    ),
}


def due_day_for(kind: str, start_day: datetime.date, *, closed: set[datetime.date] | None = None) -> datetime.date:
    rule = RULES[Kind(kind)]
    if rule.unit == WORKING_DAYS:
        return workdays.working_days_after(start_day, rule.length, closed=closed)
    return workdays.months_deadline(start_day, rule.length, closed=closed)


def today() -> datetime.date:
    """Today in Hong Kong: the day a person reads (docs/rules.md, clocks and calendar)."""
    return timezone.localdate()


def _log(clock: Deadline, action: str, *, actor: Any = None, reason: str = "") -> None:
    DeadlineEvent.objects.create(
        deadline=clock, action=action, by=actor, reason=str(reason)[:500], due_day=clock.due_day
    )


@transaction.atomic
def deadline_start(
    *,
    subject: models.Model,
    kind: str,
    start_day: datetime.date | None = None,
    owner: Any = None,
    actor: Any = None,
    reason: str = "",
) -> Deadline:
    """Start the clock `kind` on `subject`; an open clock of that kind on that subject is returned as is."""
    start_day = start_day or today()
    existing = Deadline.objects.for_subject(subject).open().filter(kind=kind).first()
    if existing:
        return existing
    clock = Deadline.objects.create(
        subject=subject,
        kind=kind,
        start_day=start_day,
        due_day=due_day_for(kind, start_day),
        owner=owner,
        owner_role=RULES[Kind(kind)].owner_role,
    )
    _log(clock, Action.STARTED, actor=actor, reason=reason)
    return clock


def _open_clock(subject: models.Model, kind: str) -> Deadline | None:
    return Deadline.objects.for_subject(subject).open().filter(kind=kind).select_for_update().first()


@transaction.atomic
def deadline_stop(
    *, subject: models.Model, kind: str, on: datetime.date | None = None, actor: Any = None, reason: str = ""
) -> Deadline | None:
    """§4.1.3 (decision): the clock stops while the applicant owes information."""
    clock = _open_clock(subject, kind)
    if clock and clock.stopped_on is None:
        clock.stopped_on = on or today()
        clock.save(update_fields=["stopped_on"])
        _log(clock, Action.STOPPED, actor=actor, reason=reason)
    return clock


@transaction.atomic
def deadline_restart(
    *, subject: models.Model, kind: str, on: datetime.date | None = None, actor: Any = None, reason: str = ""
) -> Deadline:
    """§4.1.3 (decision): the clock starts again from zero on the day the complete answer arrives."""
    clock = _open_clock(subject, kind)
    if clock is None:
        return deadline_start(subject=subject, kind=kind, start_day=on, actor=actor, reason=reason)
    clock.start_day = on or today()
    clock.due_day = due_day_for(kind, clock.start_day)
    clock.stopped_on = None
    clock.restarts += 1
    clock.reminded_at = None
    clock.escalated_at = None
    clock.save(update_fields=["start_day", "due_day", "stopped_on", "restarts", "reminded_at", "escalated_at"])
    _log(clock, Action.RESTARTED, actor=actor, reason=reason)
    return clock


@transaction.atomic
def deadline_meet(
    *,
    subject: models.Model,
    kind: str,
    at: datetime.datetime | None = None,
    actor: Any = None,
    reason: str = "",
) -> Deadline | None:
    """The clock's task is done. Met on time when done by the end of the due day, Hong Kong time."""
    clock = _open_clock(subject, kind)
    if clock is None:
        return None
    clock.met_at = at or timezone.now()
    clock.met_on_time = timezone.localdate(clock.met_at) <= clock.due_day
    clock.save(update_fields=["met_at", "met_on_time"])
    _log(clock, Action.MET, actor=actor, reason=reason)
    return clock


def deadlines_recompute(*, around: datetime.date, actor: Any = None, reason: str = "") -> int:
    """A closure day was added, moved or removed on `around`: move the due day of every running clock whose
    span covers it (docs/rules.md, clocks: "marking a day closed moves every open deadline that spans it").

    Clocks with the same kind and start day share a due day, so there is one UPDATE per such group, and one
    insert of their events. A clock whose due day moves is reminded and escalated afresh for its new due
    day: a clock moved later is no longer overdue.
    """
    rows = list(
        Deadline.objects.running()
        .filter(start_day__lt=around, due_day__gte=around)
        .order_by("kind", "start_day")
        .values_list("kind", "start_day", "id", "due_day")
    )
    if not rows:
        return 0
    start = min(r[1] for r in rows)
    closed = workdays.closure_days(start, start + datetime.timedelta(days=400))
    moved_ids: list[tuple[int, datetime.date]] = []
    for (kind, start_day), group in groupby(rows, key=lambda r: (r[0], r[1])):
        due = due_day_for(kind, start_day, closed=closed)
        ids = [r[2] for r in group if r[3] != due]
        if ids:
            Deadline.objects.filter(id__in=ids).update(due_day=due, reminded_at=None, escalated_at=None)
            moved_ids += [(pk, due) for pk in ids]
    DeadlineEvent.objects.bulk_create(
        [
            DeadlineEvent(deadline_id=pk, action=Action.MOVED, by=actor, reason=str(reason)[:500], due_day=due)
            for pk, due in moved_ids
        ]
    )
    return len(moved_ids)
