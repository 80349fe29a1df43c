"""The core against real services: a Celery worker on Redis, and PostgreSQL row locks."""

import threading
import time
import uuid
from datetime import date

import pytest
from django.core import mail
from django.db import connection, connections

from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import notice_queue
from cpp_registry.services import notice_deliver
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
def test_section_11_a_real_worker_on_redis_sends_a_notice_once(redis_worker):
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
