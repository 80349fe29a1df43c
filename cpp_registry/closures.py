"""Closure days (docs/rules.md, clocks): a day the Secretariat was closed (Typhoon Signal No. 8, Black Rainstorm, an
extra holiday) is not a working day, and marking, moving or unmarking one moves every running clock that
spans it."""

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from . import deadlines
from .errors import ServiceError
from .models import ClosureDay


class ClosureDayError(ServiceError):
    """A closure day the calendar refuses."""


@transaction.atomic
def closure_day_save(
    *, date: datetime.date, reason: str, note: str = "", closure_day: ClosureDay | None = None, actor: Any = None
) -> ClosureDay:
    """Add a closure day, or change one (its date included), and move the clocks around the old date and the
    new one. The old date is read from the locked row, never from the form's copy."""
    old_date = None
    if closure_day is not None and closure_day.pk:
        day = ClosureDay.objects.select_for_update().get(pk=closure_day.pk)
        old_date = day.date
    else:
        day = ClosureDay()
    if ClosureDay.objects.filter(date=date).exclude(pk=day.pk).exists():
        raise ClosureDayError(_("%(date)s is already marked as a closure day.") % {"date": date.isoformat()})
    day.date, day.reason, day.note = date, reason, note
    day._history_user = actor  # type: ignore[attr-defined]
    day.save()
    why = _("closure day %(date)s") % {"date": date.isoformat()}
    deadlines.deadlines_recompute(around=date, actor=actor, reason=why)
    if old_date and old_date != date:
        deadlines.deadlines_recompute(around=old_date, actor=actor, reason=why)
    return day


@transaction.atomic
def closure_day_remove(*, closure_day: ClosureDay, actor: Any = None) -> None:
    """Unmark a day entered by mistake; the clocks that spanned it move back. The calendar is not the
    register: its history (django-simple-history) keeps the removed day."""
    day = ClosureDay.objects.select_for_update().filter(pk=closure_day.pk).first()
    if day is None:
        return
    date = day.date
    day._history_user = actor  # type: ignore[attr-defined]
    day.delete()
    deadlines.deadlines_recompute(
        around=date, actor=actor, reason=_("closure day %(date)s removed") % {"date": date.isoformat()}
    )
