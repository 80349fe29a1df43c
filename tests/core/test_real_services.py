"""The core against real services: a Celery worker on Redis, and PostgreSQL row locks."""

import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import build_notice, notice_deliver, notice_queue, notices_sweep
from directory.models import Organisation
from tests.conftest import redis_url

from .factories import UserFactory


def _queue_notice(email):
    org = Organisation.objects.create(name_en="Green Tech Ltd", name_zh="綠色科技有限公司", br_number="12345678")
    clock = Deadline(kind=Deadline.Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    return notice_queue(
        recipient=UserFactory(email=email),
        template_key="deadline_reminder",
        context={"clock": clock},
        related=org,
        idempotency_key=f"test:{uuid.uuid4()}",
    )


def _wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def redis_worker():
    """A real Celery worker, in this process, consuming from Redis (CELERY_BROKER_URL)."""
    from celery.contrib.testing.worker import start_worker

    from cpp_registry.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    queue = f"test-{uuid.uuid4().hex[:8]}"  # a queue of its own: no other worker takes our tasks
    app.conf.update(broker_url=redis_url(), task_always_eager=False, task_default_queue=queue)
    try:
        with start_worker(app, queues=[queue], perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_a_notice_once(redis_worker):
    from cpp_registry.tasks import notice_send

    notice = _queue_notice("worker@example.hk")  # outside a transaction: on_commit sends the task now
    assert _wait_until(lambda: Notice.objects.get(pk=notice.pk).sent_at is not None), "the worker sent nothing"
    # The broker delivers the same task again (as Redis may after a visibility timeout): nothing more is sent.
    notice_send.delay(notice.pk)
    time.sleep(1.5)
    notice.refresh_from_db()
    assert notice.attempts == 1
    assert [m.to for m in mail.outbox] == [["worker@example.hk"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_the_same_moment_send_once():
    """PostgreSQL row lock (SELECT … FOR UPDATE): two workers delivering the same notice send it once."""
    notice = _queue_notice("race@example.hk")
    # Queuing outside a transaction sent it at once (eager): make it unsent again for the race.
    Notice.objects.filter(pk=notice.pk).update(sent_at=None, attempts=0)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    results = []

    def deliver():
        try:
            barrier.wait()
            results.append(notice_deliver(notice_id=notice.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert Notice.objects.get(pk=notice.pk).attempts == 1
    assert connection.vendor == "postgresql"


def _write_lost_notices(count):
    """Notices as a crash leaves them: written and committed ten minutes ago, never handed to the worker
    (inserted directly, so no task was ever queued for them)."""
    org = Organisation.objects.create(name_en="Lost Ltd", name_zh="失落有限公司", br_number="87654321")
    clock = Deadline(kind=Deadline.Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    notices = [
        build_notice(
            recipient=UserFactory(email=f"lost{i}@example.hk"),
            template_key="deadline_reminder",
            context={"clock": clock},
            related=org,
            idempotency_key=f"test:lost:{uuid.uuid4()}",
        )
        for i in range(count)
    ]
    for notice in notices:
        notice.queued_at = timezone.now() - timedelta(minutes=10)
    return Notice.objects.bulk_create(notices)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_hands_lost_notices_to_a_real_worker_and_each_is_sent_once(redis_worker):
    lost = _write_lost_notices(30)
    assert Notice.objects.filter(sent_at__isnull=True).count() == 30 and mail.outbox == []
    assert notices_sweep() == 30  # commits, then queues 30 tasks on Redis
    assert _wait_until(lambda: not Notice.objects.filter(sent_at__isnull=True).exists()), "the worker sent nothing"
    # The sweep again, at once and a while later: nothing is queued, nothing more is sent.
    assert notices_sweep() == 0
    assert notices_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    time.sleep(1.5)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient_email for n in lost)
    assert set(Notice.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_notice_being_sent_now_is_neither_swept_nor_sent_twice(redis_worker, monkeypatch):
    """A worker is sending a lost notice (its row locked, the SMTP server slow): the sweep skips the locked row,
    and a second task for it, on the real worker, waits for the lock and then finds it sent."""
    from django.core.mail.backends.locmem import EmailBackend

    from cpp_registry.notices import notice_send

    (notice,) = _write_lost_notices(1)
    real_send = EmailBackend.send_messages
    sending, release = threading.Event(), threading.Event()

    def slow(self, messages):
        sending.set()
        release.wait(20)
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow)
    results = []

    def deliver():
        try:
            results.append(notice_deliver(notice_id=notice.pk))
        finally:
            connections.close_all()

    first = threading.Thread(target=deliver)
    first.start()
    try:
        assert sending.wait(20), "the first delivery never started sending"
        started = time.monotonic()
        assert notices_sweep() == 0  # the locked row is skipped, not waited for
        assert time.monotonic() - started < 5
        notice_send.delay(notice.pk)  # a second hand-over (a redelivery) reaches the real worker meanwhile
        time.sleep(1.0)
    finally:
        release.set()
        first.join(20)
    assert results == [True]
    time.sleep(1.5)  # the worker's task got the lock after the first commit and found the notice sent
    notice.refresh_from_db()
    assert (notice.attempts, notice.delivery) == (1, Notice.Delivery.SENT)
    assert [m.to for m in mail.outbox] == [[notice.recipient_email]]
    assert notices_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    assert connection.vendor == "postgresql"
