"""The guide's deadlines as clocks (docs/rules.md, "Clocks and the calendar"): start, stop, restart, meet,
closure days, reminders and escalation."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from cpp_registry import closures, deadlines, services
from cpp_registry.models import ClosureDay, Deadline, Notice
from cpp_registry.roles import Role
from directory.models import Organisation

from .factories import staff_user

pytestmark = pytest.mark.django_db
HK = ZoneInfo("Asia/Hong_Kong")
Kind = Deadline.Kind


def hk(*args):
    return datetime(*args, tzinfo=HK)


@pytest.fixture
def subject():
    return Organisation.objects.create(name_en="Green Tech Ltd", name_zh="綠色科技有限公司", br_number="12345678")


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")


@pytest.fixture
def director():
    return staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk")


def test_rules_table_holds_every_kind():
    """§4.1.3: 10 working days; §6.1.1: 2; §5.2.2: 5; §6.1.4: 10 (and one calendar month for the report)."""
    assert set(deadlines.RULES) == set(Kind)
    assert deadlines.RULES[Kind.APPLICATION_PROCESSING].length == 10
    assert deadlines.RULES[Kind.COMPLAINT_NOTIFY].length == 2
    assert deadlines.RULES[Kind.CONTACT_CHANGE].length == 5
    assert deadlines.RULES[Kind.DECISION_CARRY_OUT].length == 10


def test_section_6_1_1_friday_complaint_clock_is_due_tuesday(subject):
    clock = deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))
    assert clock.due_day == date(2026, 11, 24)
    assert clock.owner_role == Role.PROGRAMME_MANAGEMENT_TEAM


def test_starting_twice_keeps_one_open_clock(subject):
    first = deadlines.deadline_start(subject=subject, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 11, 20))
    second = deadlines.deadline_start(subject=subject, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 11, 23))
    assert first.pk == second.pk
    assert Deadline.objects.count() == 1


def test_section_4_1_3_clock_stops_and_restarts_from_zero(subject):
    """§4.1.3 (decision): info received Mon 2026-11-02 → due Mon 2026-11-16; stopped on 11-05 while
    the applicant owes information; the answer arrives Thu 2026-11-19 → restarts, due Thu 2026-12-03."""
    clock = deadlines.deadline_start(subject=subject, kind=Kind.APPLICATION_PROCESSING, start_day=date(2026, 11, 2))
    assert clock.due_day == date(2026, 11, 16)
    deadlines.deadline_stop(subject=subject, kind=Kind.APPLICATION_PROCESSING, on=date(2026, 11, 5))
    clock.refresh_from_db()
    assert clock.stopped_on == date(2026, 11, 5)
    clock = deadlines.deadline_restart(subject=subject, kind=Kind.APPLICATION_PROCESSING, on=date(2026, 11, 19))
    assert (clock.start_day, clock.due_day, clock.stopped_on, clock.restarts) == (
        date(2026, 11, 19),
        date(2026, 12, 3),
        None,
        1,
    )


def test_meeting_a_clock_records_on_time_or_late(subject):
    deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))
    clock = deadlines.deadline_meet(subject=subject, kind=Kind.COMPLAINT_NOTIFY, at=hk(2026, 11, 24, 23, 59))
    assert clock.met_on_time is True
    deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))
    late = deadlines.deadline_meet(subject=subject, kind=Kind.COMPLAINT_NOTIFY, at=hk(2026, 11, 25, 0, 1))
    assert late.met_on_time is False
    assert Deadline.objects.filter(met_at__isnull=False).count() == 2


def test_adding_a_closure_day_moves_open_clocks_that_span_it(subject):
    """Decision: Thu 2026-09-24 + 5 working days = Fri 2026-10-02; a typhoon on Mon 2026-09-28 → Mon
    2026-10-05. A clock that started after the closure day, and a met clock, do not move."""
    spanning = deadlines.deadline_start(subject=subject, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 9, 24))
    later = deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 9, 29))
    other = Organisation.objects.create(name_en="Other Ltd", br_number="87654321")
    met = deadlines.deadline_start(subject=other, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 9, 24))
    deadlines.deadline_meet(subject=other, kind=Kind.CONTACT_CHANGE, at=hk(2026, 9, 25, 10))
    assert spanning.due_day == date(2026, 10, 2)
    assert later.due_day == date(2026, 10, 2)

    day = closures.closure_day_save(date=date(2026, 9, 28), reason=ClosureDay.Reason.TYPHOON)
    spanning.refresh_from_db(), later.refresh_from_db(), met.refresh_from_db()
    assert spanning.due_day == date(2026, 10, 5)
    assert later.due_day == date(2026, 10, 2)
    assert met.due_day == date(2026, 10, 2)

    closures.closure_day_remove(closure_day=day)
    spanning.refresh_from_db()
    assert spanning.due_day == date(2026, 10, 2)


def test_enforce_reminds_once_the_working_day_before(subject, pmt, director):
    """Due Tue 2026-11-24: no reminder on Fri 11-20, one on Mon 11-23, none again on a second run."""
    deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))
    with time_machine.travel(hk(2026, 11, 20, 8), tick=False):
        assert services.deadlines_enforce()["reminded"] == 0
    with time_machine.travel(hk(2026, 11, 23, 8), tick=False):
        result = services.deadlines_enforce()
        assert result == {"reminded": 1, "escalated": 0, "notices": 1}
        assert services.deadlines_enforce() == {"reminded": 0, "escalated": 0, "notices": 0}
    assert Notice.objects.filter(template_key="deadline_reminder", recipient=pmt).count() == 1
    assert Notice.objects.count() == 1


def test_enforce_escalates_once_to_the_director(subject, pmt, director, django_capture_on_commit_callbacks):
    """Due Tue 2026-11-24 and not met: on Wed 11-25 the Programme Director gets one escalation."""
    deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))
    with time_machine.travel(hk(2026, 11, 25, 8), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = services.deadlines_enforce()
        with django_capture_on_commit_callbacks(execute=True):
            second = services.deadlines_enforce()
    assert first["escalated"] == 1
    assert second == {"reminded": 0, "escalated": 0, "notices": 0}
    escalations = Notice.objects.filter(template_key="deadline_escalation")
    assert [n.recipient for n in escalations] == [director]
    assert [m.to for m in mail.outbox] == [["director@example.hk"]]
    assert "Overdue" in mail.outbox[0].subject


def test_stopped_and_met_clocks_are_neither_reminded_nor_escalated(subject, pmt, director):
    deadlines.deadline_start(subject=subject, kind=Kind.APPLICATION_PROCESSING, start_day=date(2026, 11, 2))
    deadlines.deadline_stop(subject=subject, kind=Kind.APPLICATION_PROCESSING, on=date(2026, 11, 3))
    deadlines.deadline_start(subject=subject, kind=Kind.CONTACT_CHANGE, start_day=date(2026, 11, 2))
    deadlines.deadline_meet(subject=subject, kind=Kind.CONTACT_CHANGE, at=hk(2026, 11, 3, 9))
    assert services.deadlines_enforce(today=date(2026, 12, 1)) == {"reminded": 0, "escalated": 0, "notices": 0}


def test_a_clock_with_an_owner_reminds_only_the_owner(subject, pmt):
    owner = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="owner@example.hk")
    deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), owner=owner)
    services.deadlines_enforce(today=date(2026, 11, 23))
    assert list(Notice.objects.values_list("recipient_email", flat=True)) == ["owner@example.hk"]


def test_enforce_uses_a_fixed_number_of_queries(pmt, director, django_assert_max_num_queries):
    """Set-based: 3 clocks or 30, the same queries."""

    def seed(n, start):
        for i in range(n):
            org = Organisation.objects.create(name_en=f"Org {start + i}", br_number=f"{start + i:08d}")
            deadlines.deadline_start(subject=org, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed(3, 10_000_000)
    ContentType.objects.clear_cache()  # both runs start cold, whatever ran before this test
    with CaptureQueriesContext(connection) as small:
        services.deadlines_enforce(today=date(2026, 11, 23))
    seed(30, 20_000_000)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as large:
        services.deadlines_enforce(today=date(2026, 11, 23))
    assert len(large) == len(small)
    assert Notice.objects.count() == 33


def test_management_command_runs_the_job(subject, pmt, capsys):
    deadlines.deadline_start(subject=subject, kind=Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20))
    with time_machine.travel(hk(2026, 11, 23, 8), tick=False):
        call_command("deadlines_enforce")
        call_command("deadlines_enforce")
    out = capsys.readouterr().out.splitlines()
    assert out == ["reminded 1, escalated 0, notices 1", "reminded 0, escalated 0, notices 0"]
