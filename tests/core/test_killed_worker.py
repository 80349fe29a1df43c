"""Issue 11 §3 "nothing lost": a Celery worker on real Redis is killed (SIGKILL) in the middle of 1,000
notices; a new worker and the sweep finish the work, and every notice reaches a real SMTP server.

What this proves, and the one limit it shows. Every notice arrives; none is lost, and none is sent twice by
the redelivery of a killed task or by the sweep queuing it again: `notice_deliver` sends a notice under its
row lock, and only while it is unsent. A notice is sent twice only when the worker dies *after* the SMTP
server has the whole message and *before* its transaction marking the notice sent commits; then nothing
on our side can know it went out, and it is sent again. That gap is as narrow as it can soundly be — the
notice is marked sent in the same transaction, right after the server accepts it — and it holds at most
one notice per worker process at the moment of death. The test makes the gap certain for one notice (the
SMTP server holds its answer to the 400th message while the worker is killed) and asserts that the notices
sent twice are exactly such notices, at most one per process, each sent twice and never three times.
Each copy carries the notice's key (`X-Notice-Key`), so a reader — or a mail system — can tell them apart.

The killed worker's tasks (acks_late) stay unacknowledged in Redis and are delivered again once the broker's
visibility timeout has passed: an hour in production (settings), five seconds here, so that the
redelivered batches run in the test beside the sweep's — and find their notices sent.
"""

import contextlib
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cpp_registry.models import Deadline, Notice
from cpp_registry.notices import BATCH, build_notice, notices_bulk_queue, notices_sweep
from directory.models import Organisation
from tests.conftest import redis_url

from . import servers

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COUNT = 1000
HOLD_AT = 400  # the kill comes when the SMTP server has had this many messages
CONCURRENCY = 2
# Redelivery of a killed worker's tasks after 5 s instead of an hour; the broker looks every second.
TRANSPORT = {"visibility_timeout": 5, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}


def write_notices(count):
    """`count` notices to as many addresses, written by the sending code's own bulk path and committed:
    after the commit they go to the broker as tasks of BATCH notices each."""
    org = Organisation.objects.create(
        name_en="Kowloon Bay Energy Ltd", name_zh="九龍灣能源有限公司", br_number="41234567"
    )
    clock = Deadline(kind=Deadline.Kind.COMPLAINT_NOTIFY, start_day=date(2026, 11, 20), due_day=date(2026, 11, 24))
    clock.subject = org
    model = build_notice(
        recipient=None,
        email="model@example.hk",
        language="en",
        template_key="deadline_reminder",
        context={"clock": clock},
        related=org,
        idempotency_key="model",
    )
    fields = {f.attname: getattr(model, f.attname) for f in Notice._meta.concrete_fields if not f.primary_key}
    notices = [
        Notice(**{**fields, "recipient_email": f"factory{i:04d}@example.hk", "idempotency_key": f"killed:{i:04d}"})
        for i in range(count)
    ]
    with transaction.atomic():
        return notices_bulk_queue(notices)


def test_a_worker_killed_in_the_middle_of_1000_notices_loses_none_and_sends_twice_only_what_it_could_not_record(
    tmp_path,
):
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(servers.SmtpSink(hold_at=HOLD_AT))
        broker = stack.enter_context(servers.redis_database(redis_url()))
        stack.enter_context(servers.celery_app_on(broker))
        env = servers.environment(
            database_url=servers.database_url(connection.settings_dict, connection.settings_dict["NAME"]),
            broker_url=broker,
            smtp_port=sink.port,
        )

        assert len(write_notices(COUNT)) == COUNT  # committed: 10 tasks of 100 wait in Redis

        first = servers.Worker(env, name="doomed", concurrency=CONCURRENCY, log=tmp_path / "first.log",
                               transport_options=TRANSPORT)  # fmt: skip
        stack.callback(first.stop)
        assert sink.holding.wait(90), f"the worker sent fewer than {HOLD_AT} notices: see {first.log}"
        kill_at = time.time()
        until_kill = time.monotonic() - started
        first.kill()
        sink.release.set()
        before_kill = len(sink)
        recorded_before_kill = Notice.objects.filter(sent_at__isnull=False).count()

        restart_at = time.time()
        second = servers.Worker(env, name="second", concurrency=CONCURRENCY, log=tmp_path / "second.log",
                                transport_options=TRANSPORT)  # fmt: skip
        stack.callback(second.stop)

        def all_sent():
            return not Notice.objects.filter(sent_at__isnull=True).exists()

        # The sweep, as beat runs it every 5 minutes (its clock moved on each time): the killed worker's
        # notices are queued again, beside the batches still in Redis and those delivered again.
        sweeps, swept = 0, 0
        while not all_sent() and sweeps < 10:
            sweeps += 1
            swept += notices_sweep(now=timezone.now() + timedelta(minutes=10 * sweeps))
            servers.wait_until(all_sent, 10)
        assert all_sent(), f"{Notice.objects.filter(sent_at__isnull=True).count()} notices never sent"
        until_all_sent = time.monotonic() - started
        # Every task, the redelivered ones too, has run and been acknowledged: nothing more can be sent.
        assert servers.wait_until(lambda: servers.broker_idle(broker), 60), "tasks left in Redis"
        until_idle = time.monotonic() - started
        second.stop()
    # The killed worker's unfinished tasks were delivered again by Redis and run by the new worker.
    delivered_again = set(first.tasks("received")) & set(second.tasks("succeeded"))
    assert delivered_again, "Redis delivered none of the killed worker's tasks again"

    counts = sink.counts()
    keys = set(Notice.objects.values_list("idempotency_key", flat=True))
    assert set(counts) == keys, "a notice never reached the SMTP server, or an unknown one did"
    twice = sorted(key for key, n in counts.items() if n > 1)
    assert max(counts.values()) <= 2, [key for key, n in counts.items() if n > 2]
    # Sent twice only where the killed worker had the SMTP server's acceptance but died before recording it:
    # the first copy arrived before the new worker existed, and the row was marked sent only after the kill.
    first_copy = sink.first_received()
    sent_at = {key: at.timestamp() for key, at in Notice.objects.values_list("idempotency_key", "sent_at")}
    for key in twice:
        assert first_copy[key] < restart_at and sent_at[key] > kill_at, key
    assert sink.held_key in twice  # the gap is real: the server had it, the worker died, it was sent again
    assert len(twice) <= CONCURRENCY  # one message in hand per worker process, at most
    assert set(Notice.objects.values_list("attempts", flat=True)) == {1}
    print(
        f"\n{COUNT} notices in {COUNT // BATCH} tasks; SIGKILL after {before_kill} reached the SMTP server "
        f"({recorded_before_kill} recorded as sent); {len(delivered_again)} of its tasks delivered again; "
        f"{sweeps} sweep(s) queued {swept} again; "
        f"{sum(counts.values())} messages received, sent twice: {twice}; killed at {until_kill:.1f} s, all sent at "
        f"{until_all_sent:.1f} s, Redis idle at {until_idle:.1f} s"
    )
