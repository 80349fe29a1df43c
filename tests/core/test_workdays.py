"""The working-day calendar behind the guide's deadlines (§4.1.3, §5.2.2, §6.1.1, §6.1.4; docs/rules.md,
"Clocks and the calendar"). Every expected date is written out by hand."""

from datetime import date

import pytest

from cpp_registry.models import ClosureDay
from cpp_registry.workdays import (
    add_months,
    is_working_day,
    months_deadline,
    next_working_day,
    provisional_valid_until,
    working_days_after,
)

pytestmark = pytest.mark.django_db

GENERAL_HOLIDAYS = {
    2026: [
        "01-01", "02-17", "02-18", "02-19", "04-03", "04-04", "04-06", "04-07", "05-01",
        "05-25", "06-19", "07-01", "09-26", "10-01", "10-19", "12-25", "12-26",
    ],
    2027: [
        "01-01", "02-06", "02-08", "02-09", "03-26", "03-27", "03-29", "04-05", "05-01",
        "05-13", "06-09", "07-01", "09-16", "10-01", "10-08", "12-25", "12-27",
    ],
}  # fmt: skip


@pytest.mark.parametrize("year", [2026, 2027])
def test_working_days_skip_the_cap_149_general_holidays(year):
    """Decision: general holidays (Cap. 149), 17 a year, pinned so a library update cannot move them."""
    import holidays

    listed = holidays.HK(years=year, categories=(holidays.OPTIONAL,))
    assert sorted(d.strftime("%m-%d") for d in listed) == GENERAL_HOLIDAYS[year]
    for month_day in GENERAL_HOLIDAYS[year]:
        assert not is_working_day(date.fromisoformat(f"{year}-{month_day}"))


def test_weekends_are_not_working_days():
    """Decision: Saturday and Sunday are not working days."""
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 29))  # Sunday
    assert is_working_day(date(2026, 11, 30))  # Monday


def test_section_6_1_1_thursday_before_christmas_plus_2_is_tuesday():
    """Thu 2026-12-24 + 2 working days: Fri 25 and Sat 26 are holidays, Sun 27 a Sunday → Mon 28, Tue 29."""
    assert working_days_after(date(2026, 12, 24), 2) == date(2026, 12, 29)


def test_section_6_1_1_friday_complaint_is_due_tuesday():
    """§6.1.1: a complaint recorded on Friday 2026-11-20 must be notified by Tuesday 2026-11-24 (day 0 is the
    Friday)."""
    assert working_days_after(date(2026, 11, 20), 2) == date(2026, 11, 24)


def test_section_4_1_3_ten_working_days_over_lunar_new_year():
    """Fri 2027-02-05 + 10 working days skips 06 (Sat, holiday), 08 and 09 → Tue 2027-02-23."""
    assert working_days_after(date(2027, 2, 5), 10) == date(2027, 2, 23)


def test_section_5_2_2_five_working_days_over_national_day():
    """Thu 2026-09-24 + 5: Fri 25, Mon 28, Tue 29, Wed 30, (Thu 1 Oct holiday), Fri 2 Oct."""
    assert working_days_after(date(2026, 9, 24), 5) == date(2026, 10, 2)


def test_a_closure_day_is_not_a_working_day():
    """§5.2.2 (decision): a typhoon day on Mon 2026-09-28 moves the same 5-day clock to Mon 2026-10-05."""
    ClosureDay.objects.create(date=date(2026, 9, 28), reason=ClosureDay.Reason.TYPHOON)
    assert not is_working_day(date(2026, 9, 28))
    assert working_days_after(date(2026, 9, 24), 5) == date(2026, 10, 5)


def test_day_zero_is_the_start_day():
    assert working_days_after(date(2026, 11, 26), 0) == date(2026, 11, 26)
    with pytest.raises(ValueError):
        working_days_after(date(2026, 11, 26), -1)


def test_next_working_day():
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)
    assert next_working_day(date(2026, 12, 28)) == date(2026, 12, 28)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)


def test_section_6_1_4_one_calendar_month_moves_off_a_holiday():
    """§6.1.4 (decision, as Cap. 1 s.71): notified Mon 2026-11-30 → 1 month is Wed 2026-12-30 (a working day, stays);
    notified Wed 2026-11-25 → Fri 2026-12-25 is Christmas, Sat 26 a holiday → Mon 2026-12-28."""
    assert months_deadline(date(2026, 11, 30), 1) == date(2026, 12, 30)
    assert months_deadline(date(2026, 11, 25), 1) == date(2026, 12, 28)


def test_section_3_3_1_provisional_valid_through_the_day_before():
    """§3.3.1 (decision): granted 2026-03-15 → valid until 2028-03-14; a validity, not a deadline, so a
    weekend end does not move (2026-05-14 + 24 months − 1 day = Sat 2028-05-13)."""
    assert provisional_valid_until(date(2026, 3, 15)) == date(2028, 3, 14)
    assert provisional_valid_until(date(2026, 5, 14)) == date(2028, 5, 13)


def test_section_3_3_1_granted_on_a_leap_day_runs_to_the_end_of_february():
    """Granted Thu 2024-02-29: no 29 February in 2026, so valid through Sat 2026-02-28."""
    assert provisional_valid_until(date(2024, 2, 29)) == date(2026, 2, 28)
    assert provisional_valid_until(date(2028, 2, 29)) == date(2030, 2, 28)
    assert provisional_valid_until(date(2027, 1, 31)) == date(2029, 1, 30)
