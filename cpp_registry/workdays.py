"""The working-day calendar (docs/rules.md, clocks and calendar).

A working day is Monday to Friday, not a Hong Kong general holiday (Cap. 149, the `OPTIONAL` category of
`holidays.HK` — the default category is the Employment Ordinance's statutory list, the wrong one for
office deadlines), and not a `ClosureDay` the Secretariat marked closed. The start day is day 0:
"within 2 working days" of a Friday complaint means by the end of the following Tuesday.
"""

import calendar
import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _general_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.HK(years=year, categories=(holidays.OPTIONAL,)).keys())


def is_general_holiday(day: datetime.date) -> bool:
    return day in _general_holidays(day.year)


def closure_days(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    """The closure days between start and end inclusive, as a set of dates (one query)."""
    from .models import ClosureDay

    return set(ClosureDay.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def is_working_day(day: datetime.date, *, closed: set[datetime.date] | None = None) -> bool:
    """`closed`: a set of closure dates already loaded; None reads them from the database."""
    if day.weekday() >= 5 or is_general_holiday(day):
        return False
    if closed is None:
        closed = closure_days(day, day)
    return day not in closed


def working_days_after(start: datetime.date, n: int, *, closed: set[datetime.date] | None = None) -> datetime.date:
    """The n-th working day after `start` (day 0). n=0 gives `start` itself.

    Closure days are read once for a window wide enough for any run of holidays.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if closed is None:
        closed = closure_days(start, start + datetime.timedelta(days=n * 3 + 30))
    day, counted = start, 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_working_day(day, closed=closed):
            counted += 1
    return day


def next_working_day(day: datetime.date, *, closed: set[datetime.date] | None = None) -> datetime.date:
    """`day` itself when it is a working day, else the first working day after it."""
    if closed is None:
        closed = closure_days(day, day + datetime.timedelta(days=30))
    while not is_working_day(day, closed=closed):
        day += datetime.timedelta(days=1)
    return day


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_deadline(start: datetime.date, months: int, *, closed: set[datetime.date] | None = None) -> datetime.date:
    """A deadline counted in calendar months; one that falls on a non-working day moves to the next
    working day, as Cap. 1 s.71 does for statutory periods (docs/rules.md, clocks and calendar)."""
    return next_working_day(add_months(start, months), closed=closed)


def provisional_valid_until(granted_on: datetime.date) -> datetime.date:
    """§3.3.1, decision: a provisional registration is valid through the day before the same date 24
    months later. A period of validity, not a deadline: it does not move off a holiday. Granted on 29
    February, there is no same date 24 months later: the period runs to the end of February."""
    same_date = add_months(granted_on, 24)
    if same_date.day != granted_on.day:  # clamped: the month has no such day
        return same_date
    return same_date - datetime.timedelta(days=1)
