"""Issue 4 §5: correctness under pressure, on real PostgreSQL with threads (each its own connection).

Voting and closing both lock the motion row first (select_for_update), so:
- two staff closing at once: exactly one closes, the other is told it is already closed;
- a vote cast while the motion closes is either counted or refused — never lost, never added after;
- ten members voting at once: all ten are counted.
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


def test_two_staff_closing_at_once_exactly_one_closes():
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
    staff = pmt()
    early, late = members(2)
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=early, choice=AGAINST)
    voted, release = threading.Event(), threading.Event()

    def vote():
        with transaction.atomic():
            services.vote_cast(motion=Motion.objects.get(pk=m.pk), member=late, choice=FOR)
            voted.set()
            release.wait(10)  # the vote's transaction is still open: close must wait for it

    def close():
        voted.wait(10)
        return services.motion_close(motion=Motion.objects.get(pk=m.pk), actor=staff)

    def let_go():
        voted.wait(10)
        time.sleep(0.5)  # close is now blocked on the motion row
        release.set()

    results = run_threads(vote, close, let_go)
    assert [kind for kind, _v in results] == ["ok", "ok", "ok"]
    m.refresh_from_db()
    assert (m.votes_for, m.votes_against, m.votes_abstain) == (1, 1, 0)  # the late vote counted
    assert m.outcome == Motion.Outcome.FAILED  # 1 for, 1 against: a tie fails


def test_a_vote_arriving_while_the_motion_closes_is_refused_not_added_after():
    staff = pmt()
    early, late = members(2)
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=early, choice=FOR)
    closing, release = threading.Event(), threading.Event()

    def close():
        with transaction.atomic():
            services.motion_close(motion=Motion.objects.get(pk=m.pk), actor=staff)
            closing.set()
            release.wait(10)

    def vote():
        closing.wait(10)
        return services.vote_cast(motion=Motion.objects.get(pk=m.pk), member=late, choice=AGAINST)

    def let_go():
        closing.wait(10)
        time.sleep(0.5)  # the vote is now blocked on the motion row
        release.set()

    results = run_threads(close, vote, let_go)
    assert results[0][0] == "ok" and results[2][0] == "ok"
    kind, error = results[1]
    assert kind == "error" and isinstance(error, services.CommitteeError)
    assert "not recorded" in str(error)
    m.refresh_from_db()
    assert (m.votes_for, m.votes_against) == (1, 0)
    assert list(Vote.objects.filter(motion=m).values_list("member_id", flat=True)) == [early.pk]


def test_votes_racing_a_close_are_each_counted_or_refused():
    """Many rounds without choreography: whatever the order, the stored count equals the stored votes."""
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
