"""Issue 11 §3 "nothing lost": every scheduled job of the beat schedule run twice in a row — a doubled
beat, or an operator running the command again. On a database with due work for each job (dates written
by hand), the first run does its work and sends its notices; the second changes no row of any table and
sends nothing.

Runs on SQLite and on PostgreSQL, as the beat's task and as the management command; and on PostgreSQL, two
beats at the same moment (two beat processes started by mistake): each job's work is still done once."""

import hashlib
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_fsm_log.models import StateLog

from cpp_registry.celery import app
from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import build_notice
from cpp_registry.roles import Role
from directory.models import Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

HK = ZoneInfo("Asia/Hong_Kong")
D = date


def at(hour, minute):
    """Wednesday 15 March 2028, Hong Kong time."""
    return datetime(2028, 3, 15, hour, minute, tzinfo=HK)


# Each job of the beat schedule, when beat runs it that day, and its management command.
JOBS = {
    "registrations-expire": (at(0, 5), "registrations_expire"),
    "deadlines-enforce": (at(8, 0), "deadlines_enforce"),
    "notices-sweep": (at(8, 5), "notices_sweep"),
}


def tables():
    """A digest of every row of every table the models hold (history, logs and many-to-many tables too)."""
    digests = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._base_manager.order_by("pk").values_list(*fields))
        digests[model._meta.db_table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def changed(before, after):
    return sorted(table for table in after if before.get(table) != after[table])


@pytest.fixture
def due_work():
    """Work due on 15 March 2028 for each job."""
    pmt = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")
    staff_user(Role.PROGRAMME_DIRECTOR, email="director@example.hk")

    def provider(name, valid_until):
        organisation = OrganisationFactory(name_en=name, users=[UserFactory(email=f"{name.lower()}@example.hk")])
        return RegistrationFactory(organisation=organisation, granted_on=D(2026, 3, 15), valid_until=valid_until)

    work = {
        # registrations_expire (§3.3.3): ended on 14 March → cancelled; ends 31 May → the 90-day reminder;
        # ends 10 April → the 30-day reminder.
        "expired": provider("Ended", D(2028, 3, 14)),
        "reminded_90": provider("Ninety", D(2028, 5, 31)),
        "reminded_30": provider("Thirty", D(2028, 4, 10)),
    }
    subject = work["expired"].organisation
    # deadlines_enforce: a clock due Thursday 16 March (one working day on) → a reminder to the PMT; one due
    # Tuesday 14 March and not met → an escalation to the Programme Director.
    work["due_tomorrow"] = Deadline.objects.create(
        subject=subject, kind=Deadline.Kind.COMPLAINT_NOTIFY, start_day=D(2028, 3, 14), due_day=D(2028, 3, 16),
        owner_role=Role.PROGRAMME_MANAGEMENT_TEAM.value,
    )  # fmt: skip
    work["overdue"] = Deadline.objects.create(
        subject=subject, kind=Deadline.Kind.CONTACT_CHANGE, start_day=D(2028, 3, 1), due_day=D(2028, 3, 14),
        owner_role=Role.PROGRAMME_MANAGEMENT_TEAM.value,
    )  # fmt: skip
    # notices_sweep: a notice committed at 23:50 the evening before and never handed to the worker.
    lost = build_notice(
        recipient=pmt,
        template_key="deadline_reminder",
        context={"clock": work["due_tomorrow"]},
        related=work["due_tomorrow"],
        idempotency_key="test:lost-overnight",
    )
    lost.queued_at = datetime(2028, 3, 14, 23, 50, tzinfo=HK)
    lost.save()
    work["lost"] = lost
    return work


def run(how, name):
    command = JOBS[name][1]
    if how == "command":
        call_command(command)
        return None
    outcome = app.tasks[app.conf.beat_schedule[name]["task"]].apply()
    assert outcome.successful(), outcome.traceback
    return outcome.result


def nothing(result):
    values = result.values() if isinstance(result, dict) else [result]
    return all(value == 0 for value in values)


def expected_mail():
    return sorted(
        [
            *("ended@example.hk", "ninety@example.hk", "thirty@example.hk"),  # expired; the 90- and 30-day reminders
            *("pmt@example.hk", "director@example.hk"),  # the clock's reminder; the overdue clock's escalation
            "pmt@example.hk",  # the lost notice
        ]
    )


@pytest.mark.parametrize("how", ["task", "command"])
def test_every_scheduled_job_run_twice_does_its_work_once(due_work, how, django_capture_on_commit_callbacks):
    app.loader.import_default_modules()  # what beat and the worker do at start: autodiscovery
    assert set(app.conf.beat_schedule) == set(JOBS), "a scheduled job without its run-twice test"
    for name, (when, _command) in JOBS.items():
        before, sent = tables(), len(mail.outbox)
        with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
            first = run(how, name)
        after_first, sent_first = tables(), len(mail.outbox)
        assert changed(before, after_first), f"{name}: the first run found no work"
        assert sent_first > sent, f"{name}: the first run sent nothing"
        assert first is None or not nothing(first), first
        # The same beat again, a minute later.
        with time_machine.travel(when + timedelta(minutes=1), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                second = run(how, name)
        assert changed(after_first, tables()) == [], f"{name}: the second run changed rows"
        assert len(mail.outbox) == sent_first, f"{name}: the second run sent {len(mail.outbox) - sent_first}"
        assert second is None or nothing(second), second

    # What the first runs did, by hand.
    status = {key: Registration.objects.get(pk=due_work[key].pk) for key in ("expired", "reminded_90", "reminded_30")}
    assert status["expired"].status == Registration.Status.CANCELLED_EXPIRED
    assert (status["reminded_90"].expiry_reminders_sent, status["reminded_30"].expiry_reminders_sent) == (1, 2)
    due_tomorrow, overdue = (Deadline.objects.get(pk=due_work[key].pk) for key in ("due_tomorrow", "overdue"))
    assert due_tomorrow.reminded_at == at(8, 0) and overdue.escalated_at == at(8, 0)
    assert Notice.objects.get(pk=due_work["lost"].pk).sent_at == at(8, 5)
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
    assert sorted(m.to[0] for m in mail.outbox) == expected_mail()
    assert set(Notice.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_scheduled_job_run_by_two_beats_at_the_same_moment_does_its_work_once(due_work):
    """Each job twice at once, in two threads with their own connections released by a barrier: the rows
    one run has locked the other skips (SELECT … FOR UPDATE SKIP LOCKED), and what one has committed the other
    no longer selects. Between them every piece of work is done once; a third run finds nothing."""
    app.loader.import_default_modules()
    for name, (when, _command) in JOBS.items():
        barrier, results = threading.Barrier(2), []

        def beat(name=name, barrier=barrier, results=results):
            try:
                barrier.wait(timeout=30)
                results.append(run("task", name))
            finally:
                connection.close()

        with time_machine.travel(when, tick=False):
            threads = [threading.Thread(target=beat) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        assert len(results) == 2, f"{name}: a run failed"
        before = tables()
        with time_machine.travel(when + timedelta(minutes=1), tick=False):
            assert nothing(run("task", name)), name
        assert changed(before, tables()) == [], f"{name}: work was left for a third run"
    assert sorted(m.to[0] for m in mail.outbox) == expected_mail()
    assert Notice.objects.filter(template_key="registration_expiry_reminder").count() == 2
    assert list(StateLog.objects.filter(transition="expire").values_list("object_id", flat=True)) == [
        due_work["expired"].pk
    ]
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
    assert set(Notice.objects.values_list("attempts", flat=True)) == {1}
