"""`make run`'s demo data: an open removal motion the demo PMC member can vote on, and a decided warning."""

import pytest
from django.contrib.auth import get_user_model

from committee import services
from committee.models import Motion, Vote
from complaints import demo
from cpp_registry import demo as core_demo

pytestmark = pytest.mark.django_db


def test_demo_leaves_an_open_motion_for_the_demo_member_and_runs_twice_unchanged():
    core_demo.seed(None)
    demo.seed(None)
    demo.seed(None)  # idempotent
    assert Motion.objects.count() == 2
    motion = Motion.objects.open().get()
    member = get_user_model().objects.get(email="pmc@demo.etsp.hk")
    _vote, changed = services.vote_cast(motion=motion, member=member, choice=Vote.Choice.AGAINST)
    assert changed
    assert Motion.objects.decided().get().outcome == Motion.Outcome.PASSED
