"""SPEC §11, issue 7 §2: nothing lost. A notice written in a committed transaction but never handed to the
worker (the process died after commit) is queued again by the sweep — and still sent exactly once.

These run on SQLite with eager tasks; tests/core/test_real_services.py runs the sweep against a real worker
on Redis and PostgreSQL's row lock."""

import smtplib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpp_registry.celery import app
from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import BATCH, build_notice, notice_send, notices_bulk_queue, notices_sweep
from directory.models import Organisation

from .factories import UserFactory

pytestmark = pytest.mark.django_db

HK = ZoneInfo("Asia/Hong_Kong")
WRITTEN = datetime(2026, 11, 20, 9, 0, tzinfo=HK)
FOUR_MINUTES_LATER = datetime(2026, 11, 20, 9, 4, tzinfo=HK)
SIX_MINUTES_LATER = datetime(2026, 11, 20, 9, 6, tzinfo=HK)


@pytest.fixture
def org():
    return Organisation.objects.create(name_en="Green Tech Ltd", name_zh="綠色科技有限公司", br_number="12345678")


def write_notices(org, count, *, start=0):
    """Notices written and committed whose hand-over to the worker never happened (the on-commit
    callbacks are captured and dropped, as when the process dies right after the commit)."""
    clock = Deadline(kind=Deadline.Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    notices = [
        build_notice(
            recipient=UserFactory(email=f"lost{i}@example.hk"),
            template_key="deadline_reminder",
            context={"clock": clock},
            related=org,
            idempotency_key=f"test:lost:{i}",
        )
        for i in range(start, start + count)
    ]
    return notices_bulk_queue(notices)


@pytest.fixture
def lost(org, django_capture_on_commit_callbacks):
    with time_machine.travel(WRITTEN, tick=False), django_capture_on_commit_callbacks(execute=False) as dropped:
        notices = write_notices(org, 3)
    assert len(dropped) == 3 and mail.outbox == []
    return notices


def sweep(callbacks_fixture, at):
    with time_machine.travel(at, tick=False), callbacks_fixture(execute=True):
        return notices_sweep()


def test_a_notice_never_handed_to_the_worker_is_sent_by_the_sweep_once(lost, django_capture_on_commit_callbacks):
    assert Notice.objects.get(pk=lost[0].pk).delivery == Notice.Delivery.PENDING
    assert sweep(django_capture_on_commit_callbacks, SIX_MINUTES_LATER) == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["lost0@example.hk", "lost1@example.hk", "lost2@example.hk"]
    assert set(Notice.objects.values_list("attempts", flat=True)) == {1}
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
    # A second sweep, now or later, finds nothing to do and sends nothing.
    assert sweep(django_capture_on_commit_callbacks, SIX_MINUTES_LATER) == 0
    assert sweep(django_capture_on_commit_callbacks, datetime(2026, 11, 21, 9, 0, tzinfo=HK)) == 0
    assert len(mail.outbox) == 3


def test_the_sweep_leaves_a_notice_handed_over_less_than_five_minutes_ago(lost, django_capture_on_commit_callbacks):
    """Its task may well be in the broker still: the normal path sends it."""
    assert sweep(django_capture_on_commit_callbacks, FOUR_MINUTES_LATER) == 0
    assert mail.outbox == []


def test_the_waiting_time_is_a_setting(lost, settings, django_capture_on_commit_callbacks):
    settings.NOTICES_SWEEP_AFTER_MINUTES = 3
    assert sweep(django_capture_on_commit_callbacks, FOUR_MINUTES_LATER) == 3


def test_the_sweep_beside_the_normal_path_still_sends_once(lost, django_capture_on_commit_callbacks):
    """The lost hand-over turns up after all (a broker redelivery) beside the sweep's: one email each."""
    sweep(django_capture_on_commit_callbacks, SIX_MINUTES_LATER)
    for notice in lost:
        notice_send.apply(args=[notice.pk])
    assert len(mail.outbox) == 3
    assert set(Notice.objects.values_list("attempts", flat=True)) == {1}


def test_the_sweep_leaves_sent_and_given_up_notices_alone(lost, django_capture_on_commit_callbacks):
    sent, given_up, lost_one = lost
    Notice.objects.filter(pk=sent.pk).update(sent_at=WRITTEN, attempts=1)
    Notice.objects.filter(pk=given_up.pk).update(given_up_at=WRITTEN, attempts=4, last_error="SMTPException: gone")
    assert sweep(django_capture_on_commit_callbacks, SIX_MINUTES_LATER) == 1
    assert [m.to for m in mail.outbox] == [[lost_one.recipient_email]]
    given_up.refresh_from_db()
    assert (given_up.delivery, given_up.last_error) == (Notice.Delivery.GIVEN_UP, "SMTPException: gone")


def test_a_notice_being_retried_is_not_swept(org, monkeypatch, django_capture_on_commit_callbacks):
    """A failed attempt hands the notice over again (the task's retry): the sweep waits for that retry."""
    from django.core.mail.backends.locmem import EmailBackend

    with time_machine.travel(WRITTEN, tick=False), django_capture_on_commit_callbacks(execute=False):
        (notice,) = write_notices(org, 1)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    monkeypatch.setattr(notice_send, "retry", lambda **kwargs: None)  # the retry is left in the broker
    with time_machine.travel(FOUR_MINUTES_LATER, tick=False):
        notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert notice.delivery == Notice.Delivery.SENDING and notice.queued_at == FOUR_MINUTES_LATER
    monkeypatch.undo()
    assert sweep(django_capture_on_commit_callbacks, SIX_MINUTES_LATER) == 0
    assert sweep(django_capture_on_commit_callbacks, datetime(2026, 11, 20, 9, 10, tzinfo=HK)) == 1
    notice.refresh_from_db()
    assert (notice.delivery, notice.attempts, notice.last_error) == (Notice.Delivery.SENT, 2, "")


def test_the_sweep_costs_a_fixed_number_of_queries(org, django_capture_on_commit_callbacks):
    """Set-based: the same queries for 10 lost notices as for 100 (the sends themselves are the worker's)."""
    counts = []
    for count, start in ((10, 0), (100, 10)):
        with time_machine.travel(WRITTEN, tick=False), django_capture_on_commit_callbacks(execute=False):
            write_notices(org, count, start=start)
        with (
            time_machine.travel(SIX_MINUTES_LATER, tick=False),
            django_capture_on_commit_callbacks(execute=False) as queued,
            CaptureQueriesContext(connection) as queries,
        ):
            assert notices_sweep() == count
        # A few are handed over one task each; many, one task per batch of BATCH (cpp_registry.notices).
        handed = [callback.args[0] for callback in queued]
        assert sorted(i for ids in handed for i in (ids if isinstance(ids, list) else [ids])) == sorted(
            Notice.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)
        )
        assert len(queued) == (count if count <= 10 else -(-count // BATCH))
        Notice.objects.update(sent_at=SIX_MINUTES_LATER)  # as if the worker sent them
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 4  # (savepoint,) the stamping UPDATE, the read of the stamped ids, (release)


def test_the_management_command_sweeps(lost, django_capture_on_commit_callbacks):
    from io import StringIO

    out = StringIO()
    with time_machine.travel(SIX_MINUTES_LATER, tick=False), django_capture_on_commit_callbacks(execute=True):
        call_command("notices_sweep", stdout=out)
    assert "3 notice(s) queued again" in out.getvalue()
    assert len(mail.outbox) == 3


def test_beat_runs_the_sweep_every_five_minutes():
    entry = app.conf.beat_schedule["notices-sweep"]
    assert entry["task"] == "cpp_registry.tasks.notices_sweep"
    assert entry["schedule"].minute == set(range(0, 60, 5))
    app.loader.import_default_modules()  # what a worker and beat do at start: autodiscovery
    assert {"cpp_registry.tasks.notices_sweep", "cpp_registry.tasks.notice_send"} <= set(app.tasks)
    # The task keeps its old name, so that tasks already in the broker keep working.
    assert notice_send.name == "cpp_registry.tasks.notice_send"
