"""Issue 4 §5: correctness under pressure, on real PostgreSQL with threads (each its own connection).

Voting and closing both lock the motion row first (select_for_update), so:
- two staff closing at once: exactly one closes, the other is told it is already closed;
- a vote cast while the motion closes is either counted or refused — never lost, never added after;
- ten members voting at once: all ten are counted.

Threads are ordered with barriers and events, never with a sleep. The one thing an event cannot tell is
that a thread is now waiting inside PostgreSQL for a row lock; `wait_until_blocked` asks PostgreSQL
itself (pg_blocking_pids), polling for at most 10 seconds, and the tests assert that it saw the wait.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django_fsm_log.models import StateLog

from committee import services
from committee.models import Motion, Vote
from cpp_registry.models import Deadline, Notice

from .factories import members, open_motion, pmt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST


def run_threads(*targets):
    """Run each callable in its own thread with its own connection; return what each returned or raised."""
    results = [None] * len(targets)

    def runner(i, target):
        try:
            results[i] = ("ok", target())
        except Exception as exc:  # the test inspects it
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def backend_pid():
    """This thread's PostgreSQL backend (each thread has its own connection)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(pid, timeout=10.0):
    """True once backend `pid` waits for a lock another transaction holds; False after `timeout` seconds.

    A polling helper, bounded, for the one wait no event can signal: the blocked thread is inside a query.
    """
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)  # polling PostgreSQL's view of the lock, not ordering the threads
    return False


def release_once_blocked(started, pids, release):
    """The third thread: once the waiting thread has started, wait until PostgreSQL shows it blocked on
    the row lock, then let the lock holder commit. Returns whether the wait was seen."""
    try:
        return started.wait(10) and wait_until_blocked(pids[0])
    finally:
        release.set()


def test_two_staff_closing_at_once_exactly_one_closes():
    """§6.1.4: of two staff closing the same motion at once, one closes it and the count is made once."""
    first, second = pmt(email="pmt1@example.hk"), pmt(email="pmt2@example.hk")
    voters = members(3)
    m = open_motion(actor=first)
    for voter, choice in zip(voters, [FOR, FOR, AGAINST], strict=True):
        services.vote_cast(motion=m, member=voter, choice=choice)
    barrier = threading.Barrier(2)

    def close(actor):
        def go():
            barrier.wait()
            return services.motion_close(motion=Motion.objects.get(pk=m.pk), actor=actor)

        return go

    results = run_threads(close(first), close(second))
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, services.CommitteeError)
    assert "was closed by" in str(error)
    m.refresh_from_db()
    assert m.status == Motion.Status.CLOSED and (m.votes_for, m.votes_against) == (2, 1)
    assert StateLog.objects.for_(m).filter(transition="close").count() == 1
    assert Deadline.objects.for_subject(m).count() == 1
    assert Notice.objects.filter(template_key="motion_result").count() == 3


def test_a_vote_holding_the_lock_when_close_comes_is_counted():
    """§6.1.4: a vote whose transaction holds the motion when the close comes is counted: the close waits."""
    staff = pmt()
    early, late = members(2)
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=early, choice=AGAINST)
    voted, closing, release = threading.Event(), threading.Event(), threading.Event()
    pids = []

    def vote():
        with transaction.atomic():
            services.vote_cast(motion=Motion.objects.get(pk=m.pk), member=late, choice=FOR)
            voted.set()
            assert release.wait(20)  # the vote's transaction is still open: close must wait for it

    def close():
        assert voted.wait(10)
        pids.append(backend_pid())
        closing.set()
        return services.motion_close(motion=Motion.objects.get(pk=m.pk), actor=staff)

    results = run_threads(vote, close, lambda: release_once_blocked(closing, pids, release))
    assert [kind for kind, _v in results] == ["ok", "ok", "ok"], results
    assert results[2][1] is True, "the close never waited for the vote's lock"
    m.refresh_from_db()
    assert (m.votes_for, m.votes_against, m.votes_abstain) == (1, 1, 0)  # the late vote counted
    assert m.outcome == Motion.Outcome.FAILED  # 1 for, 1 against: a tie fails


def test_a_vote_arriving_while_the_motion_closes_is_refused_not_added_after():
    """§6.1.4: a vote that comes while the close holds the motion waits, then is refused — not added after."""
    staff = pmt()
    early, late = members(2)
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=early, choice=FOR)
    closed, voting, release = threading.Event(), threading.Event(), threading.Event()
    pids = []

    def close():
        with transaction.atomic():
            services.motion_close(motion=Motion.objects.get(pk=m.pk), actor=staff)
            closed.set()
            assert release.wait(20)  # the close's transaction is still open: the vote must wait for it

    def vote():
        assert closed.wait(10)
        pids.append(backend_pid())
        voting.set()
        return services.vote_cast(motion=Motion.objects.get(pk=m.pk), member=late, choice=AGAINST)

    results = run_threads(close, vote, lambda: release_once_blocked(voting, pids, release))
    assert results[0][0] == "ok" and results[2] == ("ok", True), results
    kind, error = results[1]
    assert kind == "error" and isinstance(error, services.CommitteeError)
    assert "not recorded" in str(error)
    m.refresh_from_db()
    assert (m.votes_for, m.votes_against) == (1, 0)
    assert list(Vote.objects.filter(motion=m).values_list("member_id", flat=True)) == [early.pk]


def test_votes_racing_a_close_are_each_counted_or_refused():
    """§6.1.4: many rounds without choreography — whatever the order, the count equals the stored votes."""
    staff = pmt()
    voters = members(6)
    for _round in range(5):
        m = open_motion(actor=staff)
        barrier = threading.Barrier(len(voters) + 1)

        def vote(voter, m=m, barrier=barrier):
            barrier.wait()
            return services.vote_cast(motion=Motion.objects.get(pk=m.pk), member=voter, choice=FOR)

        def close(m=m, barrier=barrier):
            barrier.wait()
            return services.motion_close(motion=Motion.objects.get(pk=m.pk), actor=staff)

        results = run_threads(*[lambda v=v: vote(v) for v in voters], close)
        assert results[-1][0] == "ok"
        refused = [r for r in results[:-1] if r[0] == "error"]
        assert all(isinstance(r[1], services.CommitteeError) for r in refused)
        m.refresh_from_db()
        stored = Vote.objects.filter(motion=m).count()
        assert m.votes_for == stored == len(voters) - len(refused)


def test_ten_members_voting_at_once_are_all_counted():
    """§6.1.4: ten members voting at the same moment are all counted."""
    staff = pmt()
    voters = members(10)
    m = open_motion(actor=staff)
    barrier = threading.Barrier(10)

    def vote(voter):
        barrier.wait()
        return services.vote_cast(motion=Motion.objects.get(pk=m.pk), member=voter, choice=FOR)

    results = run_threads(*[lambda v=v: vote(v) for v in voters])
    assert [kind for kind, _v in results] == ["ok"] * 10
    assert Vote.objects.filter(motion=m).count() == 10
    m = services.motion_close(motion=m, actor=staff)
    assert (m.votes_for, m.votes_against, m.votes_abstain) == (10, 0, 0)
