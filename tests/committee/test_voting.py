"""§6.1.4 and §6.3.2 (docs/rules.md, the committee) and issue 4 §1–2: votes, closing, the quorum, and the
frozen result."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_fsm_log.models import StateLog

from committee import services
from committee.models import Motion, Vote
from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role

from .factories import OrganisationFactory, UserFactory, member, members, motion, open_motion, pmt, vote_all

pytestmark = pytest.mark.django_db
HK = ZoneInfo("Asia/Hong_Kong")
FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN


@pytest.fixture
def staff():
    return pmt()


@pytest.fixture
def five():
    return members(5)


def test_section_6_1_4_three_for_two_against_passes(staff, five):
    m = open_motion(actor=staff)
    vote_all(m, zip(five, [FOR, FOR, FOR, AGAINST, AGAINST], strict=True))
    m = services.motion_close(motion=m, actor=staff)
    assert m.status == Motion.Status.CLOSED
    assert m.outcome == Motion.Outcome.PASSED
    assert (m.votes_for, m.votes_against, m.votes_abstain) == (3, 2, 0)


def test_section_6_1_4_two_for_two_against_one_abstain_fails(staff, five):
    m = open_motion(actor=staff)
    vote_all(m, zip(five, [FOR, FOR, AGAINST, AGAINST, ABSTAIN], strict=True))
    m = services.motion_close(motion=m, actor=staff)
    assert m.outcome == Motion.Outcome.FAILED
    assert (m.votes_for, m.votes_against, m.votes_abstain) == (2, 2, 1)


def test_section_6_1_4_abstentions_do_not_count(staff, five):
    m = open_motion(actor=staff)
    vote_all(m, zip(five[:4], [FOR, ABSTAIN, ABSTAIN, ABSTAIN], strict=True))
    assert services.motion_close(motion=m, actor=staff).outcome == Motion.Outcome.PASSED


def test_quorum_of_five_with_four_votes_refuses_to_close(settings, staff, five):
    """§6.1.4 (decision): short of the quorum the motion stays open; an abstention takes part."""
    settings.PMC_QUORUM = 5
    m = open_motion(actor=staff)
    vote_all(m, zip(five[:4], [FOR, FOR, FOR, AGAINST], strict=True))
    with pytest.raises(services.CommitteeError, match="quorum is 5"):
        services.motion_close(motion=m, actor=staff)
    m.refresh_from_db()
    assert m.status == Motion.Status.OPEN and m.outcome == "" and m.votes_for is None
    assert not Deadline.objects.for_subject(m).exists()
    assert not Notice.objects.filter(template_key="motion_result").exists()
    # The fifth vote (an abstention takes part) makes the quorum.
    services.vote_cast(motion=m, member=five[4], choice=ABSTAIN)
    assert services.motion_close(motion=m, actor=staff).outcome == Motion.Outcome.PASSED


def test_a_vote_after_close_is_refused(staff, five):
    """§6.3.2: the decision is final — after the close no vote is added and none is changed."""
    m = open_motion(actor=staff)
    vote_all(m, zip(five[:3], [FOR, AGAINST, AGAINST], strict=True))
    services.motion_close(motion=m, actor=staff)
    with pytest.raises(services.CommitteeError, match="not recorded"):
        services.vote_cast(motion=m, member=five[3], choice=FOR)
    with pytest.raises(services.CommitteeError):
        services.vote_cast(motion=m, member=five[0], choice=AGAINST)  # nor a change
    m.refresh_from_db()
    assert (m.votes_for, m.votes_against) == (1, 2)
    assert Vote.objects.filter(motion=m).count() == 3
    assert Vote.objects.get(motion=m, member=five[0]).choice == FOR


def test_no_reopen_and_no_edit_after_close(staff, five):
    """§6.3.2: the decision is final — a closed motion is not reopened, edited or closed again."""
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=five[0], choice=FOR)
    services.motion_close(motion=m, actor=staff)
    with pytest.raises(services.CommitteeError, match="already opened"):
        services.motion_open(motion=m, actor=staff)
    with pytest.raises(services.CommitteeError, match="Only a draft"):
        m.question_en = "Something else"
        services.motion_draft_save(motion=m, actor=staff)
    with pytest.raises(services.CommitteeError, match="not closed"):
        services.motion_close(motion=m, actor=staff)
    m.refresh_from_db()
    assert m.status == Motion.Status.CLOSED and m.question_en != "Something else"


def test_a_vote_on_a_draft_is_refused(staff, five):
    m = motion(actor=staff)
    with pytest.raises(services.CommitteeError, match="not open"):
        services.vote_cast(motion=m, member=five[0], choice=FOR)
    assert not Vote.objects.exists()


def test_section_6_1_4_one_vote_per_member_changed_until_close_and_every_change_audited(staff, five):
    m = open_motion(actor=staff)
    vote, changed = services.vote_cast(motion=m, member=five[0], choice=FOR)
    assert changed
    vote, changed = services.vote_cast(motion=m, member=five[0], choice=AGAINST)
    assert changed
    assert Vote.objects.filter(motion=m, member=five[0]).count() == 1
    assert vote.choice == AGAINST and vote.changed_at >= vote.cast_at
    history = list(
        vote.history.order_by("history_date").values_list("choice", "history_user_id", "history_change_reason")
    )
    assert history == [(FOR, five[0].pk, "cast"), (AGAINST, five[0].pk, "changed from for")]


def test_the_same_vote_twice_changes_nothing(staff, five):
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=five[0], choice=FOR, expected="")
    vote, changed = services.vote_cast(motion=m, member=five[0], choice=FOR, expected="")  # double submit
    assert not changed
    assert vote.history.count() == 1


def test_a_stale_form_changes_nothing(staff, five):
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=five[0], choice=FOR, expected="")
    # A second tab still shows "no vote" and sends AGAINST.
    with pytest.raises(services.StaleVote):
        services.vote_cast(motion=m, member=five[0], choice=AGAINST, expected="")
    assert Vote.objects.get(motion=m, member=five[0]).choice == FOR


def test_the_secretariat_records_a_meetings_vote_on_a_members_behalf(staff, five):
    """§6.1.4 (decision): a vote taken at a meeting is entered by the Secretariat, which the record names."""
    m = open_motion(actor=staff)
    vote, _changed = services.vote_cast(motion=m, member=five[0], choice=AGAINST, actor=staff)
    assert vote.member == five[0] and vote.recorded_by == staff
    assert vote.history.get().history_user == staff
    # The member later changes it personally: recorded_by is cleared, the history keeps both.
    vote, _changed = services.vote_cast(motion=m, member=five[0], choice=FOR)
    assert vote.recorded_by is None
    assert list(vote.history.order_by("history_date").values_list("recorded_by_id", flat=True)) == [staff.pk, None]


@pytest.mark.parametrize("who", ["another member", "PTST", "applicant"])
def test_only_the_secretariat_may_vote_on_a_members_behalf(staff, five, who):
    m = open_motion(actor=staff)
    actor = {
        "another member": five[1],
        "PTST": UserFactory(email="ptst@example.hk", is_staff=True, roles=[Role.PTST]),
        "applicant": UserFactory(email="applicant@example.hk"),
    }[who]
    with pytest.raises(services.CommitteeError, match="on a member's behalf"):
        services.vote_cast(motion=m, member=five[0], choice=FOR, actor=actor)
    assert not Vote.objects.exists()


def test_only_members_vote(staff):
    m = open_motion(actor=staff)
    for outsider in (staff, UserFactory(email="applicant@example.hk")):
        with pytest.raises(services.CommitteeError, match="not a member"):
            services.vote_cast(motion=m, member=outsider, choice=FOR)
    assert not Vote.objects.exists()


def test_an_unknown_choice_is_refused(staff, five):
    m = open_motion(actor=staff)
    with pytest.raises(services.CommitteeError, match="Choose"):
        services.vote_cast(motion=m, member=five[0], choice="maybe")


def test_section_6_1_4_closing_starts_the_ten_working_day_clock_and_sends_the_result(staff, five):
    provider = OrganisationFactory(name_en="Green Tech Ltd")
    provider.users.add(UserFactory(email="owner@green.hk"), UserFactory(email="clerk@green.hk"))
    m = open_motion(actor=staff, subject=provider)
    vote_all(m, zip(five, [FOR, FOR, FOR, AGAINST, ABSTAIN], strict=True))
    # Friday 20 November 2026, 16:00 Hong Kong time: day 0.
    with time_machine.travel(datetime(2026, 11, 20, 16, 0, tzinfo=HK), tick=False):
        m = services.motion_close(motion=m, actor=staff)
    clock = Deadline.objects.for_subject(m).get()
    assert clock.kind == Deadline.Kind.DECISION_CARRY_OUT
    assert clock.start_day == date(2026, 11, 20)
    assert clock.due_day == date(2026, 12, 4)  # ten working days: 23–27 Nov, 30 Nov–4 Dec
    assert clock.owner_role == Role.PROGRAMME_MANAGEMENT_TEAM and clock.met_at is None
    results = Notice.objects.filter(template_key="motion_result")
    assert sorted(results.values_list("recipient_email", flat=True)) == sorted(u.email for u in five)
    assert "3 for, 1 against, 1 abstaining" in results.first().body_text
    assert "2026-12-04" in results.first().body_text
    decided = Notice.objects.filter(template_key="motion_decided")
    assert sorted(decided.values_list("recipient_email", flat=True)) == ["clerk@green.hk", "owner@green.hk"]
    assert "3 for" not in decided.first().body_text  # the provider learns the decision, not the votes


def test_opening_tells_every_member(staff, five):
    """§6.1.4: the Secretariat reports to the PMC — every member is told the motion awaits a vote."""
    m = open_motion(actor=staff)
    assert m.opened_by == staff and m.opened_at is not None
    assert Notice.objects.filter(template_key="motion_opened").count() == 5


def test_every_transition_is_logged_with_who(staff, five):
    """§6.3.2: the final decision is kept for good, with who opened and closed the motion and when."""
    m = open_motion(actor=staff)
    services.vote_cast(motion=m, member=five[0], choice=FOR)
    services.motion_close(motion=m, actor=staff)
    logs = list(StateLog.objects.for_(m).order_by("timestamp").values_list("transition", "state", "by_id"))
    assert logs == [("open", "open", staff.pk), ("close", "closed", staff.pk)]
    history = list(m.history.order_by("history_date").values_list("status", "history_user_id"))
    assert history == [("draft", staff.pk), ("open", staff.pk), ("closed", staff.pk)]


def test_a_member_need_not_be_staff():
    assert not member(email="m@example.hk").is_staff
