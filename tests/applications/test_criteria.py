"""The criteria check (§3.2.2, §4.1.2), with the numbers written by hand."""

import datetime

import pytest
from django.utils import translation

from applications.criteria import ProjectFacts, StaffFacts, check, whole_months

D = datetime.date


JAN_2024 = D(2024, 1, 1)


def projects(n, *, engineering=False, completed=True, started_on=JAN_2024, contact=True):
    return [
        ProjectFacts(
            title=f"P{i}",
            engineering=engineering,
            completed=completed,
            started_on=started_on,
            has_client_contact=contact,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2025, 3, 15), D(2027, 3, 14), 23),
        (D(2025, 3, 15), D(2027, 3, 15), 24),
        (D(2027, 1, 31), D(2027, 2, 28), 1),  # a month-end start counts to the month's end
        (D(2027, 1, 31), D(2027, 2, 27), 0),
        (D(2027, 5, 1), D(2027, 4, 30), 0),
    ],
)
def test_section_3_2_2_months_count_as_whole_calendar_months(start, end, months):
    assert whole_months(start, end) == months


def test_section_3_2_2_a_three_staff_with_24_24_and_23_months_fail_category_1():
    staff = [StaffFacts("Chan", 24), StaffFacts("Lee", 24), StaffFacts("Wong", 23)]
    result = check(categories="1", staff=staff, projects=projects(3), as_of=D(2027, 2, 5))
    assert not result.category_met("1")
    criterion = result.for_category("1").criteria[0]
    assert (criterion.code, criterion.met, criterion.params["count"]) == ("staff_experience", False, 2)
    with translation.override("en"):
        assert "2 members of staff have at least 24 months" in criterion.reason
        assert "Wong (23 months)" in criterion.reason


def test_section_3_2_2_a_three_staff_with_two_years_each_meet_category_1():
    staff = [StaffFacts("Chan", 24), StaffFacts("Lee", 30), StaffFacts("Wong", 120)]
    result = check(categories="1", staff=staff, projects=projects(3), as_of=D(2027, 2, 5))
    assert result.category_met("1") and result.met


def test_section_3_2_2_b_three_completed_engineering_projects_begun_20_months_before_fail_category_2():
    """Checked on 2027-02-05; the earliest began 2025-06-05: 20 whole months, not 24."""
    result = check(
        categories="2",
        staff=[],
        projects=projects(3, engineering=True, completed=True, started_on=D(2025, 6, 5)),
        as_of=D(2027, 2, 5),
    )
    years, completed = result.for_category("2").criteria
    assert (years.code, years.met, years.params["months"]) == ("engineering_years", False, 20)
    assert (completed.code, completed.met) == ("engineering_completed", True)
    assert not result.category_met("2")


def test_section_3_2_2_b_two_years_and_three_completed_meet_category_2():
    result = check(
        categories="2",
        staff=[],
        projects=projects(3, engineering=True, completed=True, started_on=D(2025, 2, 5)),
        as_of=D(2027, 2, 5),
    )
    assert result.category_met("2")


def test_section_3_2_2_b_only_completed_engineering_projects_count():
    mixed = [
        *projects(2, engineering=True, completed=True, started_on=D(2020, 1, 1)),
        *projects(1, engineering=True, completed=False, started_on=D(2020, 1, 1)),
        *projects(2, engineering=False, completed=True, started_on=D(2020, 1, 1)),
    ]
    result = check(categories="2", staff=[], projects=mixed, as_of=D(2027, 2, 5))
    years, completed = result.for_category("2").criteria
    assert years.met and not completed.met and completed.params["count"] == 2


def test_section_4_1_2_every_application_needs_three_project_records_with_the_clients_contact():
    records = [*projects(2), *projects(1, contact=False)]
    staff = [StaffFacts("A", 24)] * 3
    result = check(categories="1", staff=staff, projects=records, as_of=D(2027, 2, 5))
    assert result.category_met("1") is False  # the criterion of every application is not met
    every = result.for_category("all").criteria[0]
    assert (every.met, every.params["count"]) == (False, 2)


def test_a_result_stored_as_json_reads_back_the_same():
    result = check(categories="12", staff=[StaffFacts("Chan", 23)], projects=projects(1), as_of=D(2027, 2, 5))
    again = type(result).from_json(result.as_json())
    assert again == result
    assert [r.category for r in again.results] == ["all", "1", "2"]
