"""Complaint and substandard-service cases (§6), with dates written by hand."""

import datetime

import pytest
import time_machine
from django_fsm_log.models import StateLog

from committee import services as committee
from committee.models import Motion, Vote
from complaints import services
from complaints.models import Case, Message
from cpp_registry.models import Deadline, Notice
from directory.models import Registration, Warning
from tests.committee.factories import members

from .factories import D, factory_with_user, funded_project, pmt, provider, ptst

pytestmark = pytest.mark.django_db
HKT = datetime.timezone(datetime.timedelta(hours=8))


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


def clock(case, kind):
    return Deadline.objects.for_subject(case).get(kind=kind)


@pytest.fixture
def parties():
    return provider(name_en="Green Tech Limited"), factory_with_user()


JAN_27, JAN_29 = D(2027, 1, 27), D(2027, 1, 29)


def lodged(parties, day=JAN_27):
    organisation, factory = parties
    with on(day):
        return services.case_lodge(
            user=factory.users.get(),
            factory=factory,
            organisation=organisation,
            description="The boiler was never commissioned.",
        )


def substantiated(parties, notified=JAN_29):
    case = lodged(parties)
    with on(notified):
        case = services.case_notify_provider(case=case, actor=pmt())
        case = services.case_start_investigation(case=case, actor=ptst())
        case = services.case_record_findings(
            case=case, actor=ptst(), substantiated=True, findings="Not commissioned.", preliminary_report="Fix it."
        )
    return case


def test_section_6_1_1_recorded_thursday_2026_12_24_must_be_notified_by_tuesday_2026_12_29(parties):
    case = lodged(parties, day=D(2026, 12, 24))
    notify = clock(case, Deadline.Kind.COMPLAINT_NOTIFY)
    assert (notify.start_day, notify.due_day) == (D(2026, 12, 24), D(2026, 12, 29))
    assert case.reference == f"CASE-2026-{case.pk:05d}"
    assert case.status == Case.Status.RECORDED
    assert Notice.objects.filter(template_key="case_received").count() == 1
    # The provider hears nothing until it is notified (§6.1.1).
    assert not Notice.objects.filter(recipient__organisations=case.organisation).exists()


def test_section_6_1_4_notified_2027_01_29_the_report_is_due_one_calendar_month_later_on_monday_2027_03_01(parties):
    """One calendar month after Friday 29 January 2027 is Sunday 28 February, so Monday 1 March."""
    case = lodged(parties)
    with on(D(2027, 1, 29)):
        case = services.case_notify_provider(case=case, actor=pmt())
    assert clock(case, Deadline.Kind.COMPLAINT_NOTIFY).met_on_time is True
    report = clock(case, Deadline.Kind.COMPLAINT_REPORT)
    assert (report.start_day, report.due_day) == (D(2027, 1, 29), D(2027, 3, 1))
    assert Notice.objects.filter(template_key="case_notified", recipient__email__startswith="owner").count() == 1


def test_section_6_1_2_not_substantiated_is_recorded_without_penalty_and_both_sides_told(parties):
    case = lodged(parties)
    with on(D(2027, 1, 29)):
        case = services.case_notify_provider(case=case, actor=pmt())
        case = services.case_start_investigation(case=case, actor=ptst())
        case = services.case_record_findings(case=case, actor=ptst(), substantiated=False, findings="Commissioned.")
    assert (case.status, case.substantiated) == (Case.Status.NOT_SUBSTANTIATED, False)
    assert case.is_closed
    assert not Warning.objects.exists()
    assert Notice.objects.filter(template_key="case_not_substantiated").count() == 2  # provider and factory
    assert clock(case, Deadline.Kind.COMPLAINT_REPORT).met_at is not None


def test_section_6_1_3_substantiated_the_provider_gets_the_preliminary_report_and_answers(parties):
    case = substantiated(parties)
    assert Notice.objects.filter(template_key="case_preliminary_report").count() == 1
    owner = case.organisation.users.get()
    with on(D(2027, 2, 3)):
        case = services.case_provider_answer(case=case, user=owner, text="Commissioned on 2 February.")
        case = services.case_provider_answer(case=case, user=owner, text="Certificate attached.")
    assert case.status == Case.Status.CORRECTIVE_ACTION
    assert case.messages.filter(kind=Message.Kind.CORRECTIVE_ACTION).count() == 2
    with on(D(2027, 2, 5)):
        case = services.case_assess_corrective_action(case=case, actor=pmt(), text="Works now.", complete=True)
    assert case.corrective_action_complete is True


def test_section_6_1_4_a_first_substantiated_case_recommends_a_warning_a_second_removal(parties):
    first = substantiated(parties)
    assert services.proposed_penalty(first) == Case.Penalty.WARNING
    second = substantiated(parties)
    assert services.proposed_penalty(second) == Case.Penalty.REMOVAL


def test_section_6_1_4_a_case_not_substantiated_does_not_count(parties):
    case = lodged(parties)
    with on(D(2027, 1, 29)):
        case = services.case_notify_provider(case=case, actor=pmt())
        case = services.case_start_investigation(case=case, actor=ptst())
        services.case_record_findings(case=case, actor=ptst(), substantiated=False, findings="No.")
    assert services.proposed_penalty(substantiated(parties)) == Case.Penalty.WARNING


def test_section_6_1_4_recommending_other_than_the_record_proposes_needs_a_reason(parties):
    case = substantiated(parties)
    with on(D(2027, 2, 10)):
        with pytest.raises(services.CaseError, match="give the reason"):
            services.case_consolidate(case=case, actor=pmt(), report="Report.", recommended_penalty="removal")
        case = services.case_consolidate(
            case=case, actor=pmt(), report="Report.", recommended_penalty="removal", reason="Fraud in the report."
        )
    assert (case.proposed_penalty, case.recommended_penalty) == ("warning", "removal")
    assert case.recommendation_reason == "Fraud in the report."
    assert clock(case, Deadline.Kind.COMPLAINT_REPORT).met_on_time is True


def _decide(case, choices):
    staff = pmt()
    with on(D(2027, 2, 15)):
        motion = services.case_send_to_pmc(case=case, actor=staff)
        committee.motion_open(motion=motion, actor=staff)
        for member, choice in zip(members(len(choices)), choices, strict=True):
            committee.vote_cast(motion=motion, member=member, choice=choice)
        committee.motion_close(motion=motion, actor=staff)
    case.refresh_from_db()
    assert case.status == Case.Status.DECIDED
    with on(D(2027, 2, 22)):
        committee.motion_carry_out(motion=motion, actor=staff)
    case.refresh_from_db()
    motion.refresh_from_db()
    return case, motion


def test_section_6_1_4_a_supported_warning_is_recorded_and_both_sides_told_once(parties):
    case = substantiated(parties)
    with on(D(2027, 2, 10)):
        case = services.case_consolidate(case=case, actor=pmt(), report="The boiler was late by 3 months.")
    case, motion = _decide(case, [Vote.Choice.FOR, Vote.Choice.FOR, Vote.Choice.AGAINST])
    assert (motion.kind, motion.outcome) == (Motion.Kind.WARNING, Motion.Outcome.PASSED)
    assert case.status == Case.Status.CARRIED_OUT and case.is_closed
    warning = Warning.objects.get()
    assert (warning.organisation, warning.case) == (case.organisation, case)
    assert Registration.objects.live().filter(organisation=case.organisation).count() == 1
    assert Notice.objects.filter(template_key="warning_recorded").count() == 1
    assert Notice.objects.filter(template_key="case_result").count() == 1  # the factory
    decided = Notice.objects.filter(template_key="motion_decided")
    assert decided.count() == 2  # provider and factory hear the PMC's decision
    transitions = list(StateLog.objects.for_(case).order_by("pk").values_list("transition", flat=True))
    assert transitions == [
        "notify_provider", "investigate", "find_substantiated", "consolidate", "send_to_pmc", "decide", "carry_out",
    ]  # fmt: skip


def test_section_6_1_4_a_supported_removal_takes_the_provider_off_the_directory(parties):
    substantiated(parties)  # an earlier substantiated case
    case = substantiated(parties)
    with on(D(2027, 2, 10)):
        case = services.case_consolidate(case=case, actor=pmt(), report="Second failure.")
    assert case.recommended_penalty == Case.Penalty.REMOVAL
    case, motion = _decide(case, [Vote.Choice.FOR])
    assert motion.kind == Motion.Kind.REMOVAL
    assert not Registration.objects.live().filter(organisation=case.organisation).exists()


def test_section_6_1_4_a_rejected_recommendation_means_no_penalty(parties):
    case = substantiated(parties)
    with on(D(2027, 2, 10)):
        case = services.case_consolidate(case=case, actor=pmt(), report="Minor.")
    case, _motion = _decide(case, [Vote.Choice.AGAINST])
    assert not Warning.objects.exists()
    assert "No penalty" in case.outcome_note
    assert Notice.objects.filter(template_key="penalty_not_imposed").count() == 1


def test_section_6_3_1_staff_propose_removal_directly_from_a_case(parties):
    case = substantiated(parties)
    with on(D(2027, 2, 10)):
        with pytest.raises(services.CaseError, match="grounds"):
            services.case_propose_removal(case=case, actor=pmt(), grounds=[], reason="x")
        motion = services.case_propose_removal(
            case=case, actor=pmt(), grounds=["b"], reason="Refused to fix the boiler; no explanation given."
        )
    case.refresh_from_db()
    assert (case.status, motion.kind) == (Case.Status.WITH_PMC, Motion.Kind.REMOVAL)
    assert "§6.3.1 (b)" in motion.recommendation_en


def test_section_6_2_the_ptst_raises_a_substandard_case_on_a_funded_project(parties):
    """§6.2.1 grounds (a)–(e) ticked; §6.2.2: followed up as a complaint."""
    organisation, factory = parties
    project = funded_project(organisation, factory)
    with on(D(2027, 1, 27)):
        with pytest.raises(services.CaseError, match=r"§6\.2\.1"):
            services.case_raise_substandard(actor=ptst(), funded_project=project, grounds=[], description="x")
        case = services.case_raise_substandard(
            actor=ptst(), funded_project=project, grounds=["c", "e"], description="Six months late; no report."
        )
    assert (case.kind, case.organisation, case.factory, case.grounds) == (
        "substandard",
        organisation,
        factory,
        ["c", "e"],
    )


def test_section_3_3_4_a_provisional_registration_is_cancelled_as_substandard_from_the_case(parties):
    organisation, factory = parties
    project = funded_project(organisation, factory)
    with on(D(2027, 1, 27)):
        case = services.case_raise_substandard(
            actor=ptst(), funded_project=project, grounds=["e"], description="The final report is missing."
        )
    with pytest.raises(services.CaseError, match="Only a substantiated case"):
        services.case_cancel_registration_as_substandard(case=case, actor=pmt(), reason="x")
    with on(D(2027, 1, 29)):
        case = services.case_notify_provider(case=case, actor=pmt())
        case = services.case_start_investigation(case=case, actor=ptst())
        case = services.case_record_findings(
            case=case, actor=ptst(), substantiated=True, findings="No report.", preliminary_report="Send it."
        )
        registration = services.case_cancel_registration_as_substandard(
            case=case, actor=pmt(), reason="Final report missing (§6.2.1 e)."
        )
    assert (registration.status, registration.needs_pmc_view) == ("cancelled_substandard", True)
    assert case.reference in registration.end_reason


def test_a_factory_user_complains_only_for_its_own_factory_about_a_listed_provider(parties):
    organisation, factory = parties
    other_factory = factory_with_user(email="other@example.hk")
    with pytest.raises(services.CaseError, match="do not act for this factory"):
        services.case_lodge(user=other_factory.users.get(), factory=factory, organisation=organisation, description="x")
    Registration.objects.update(status="withdrawn")
    with pytest.raises(services.CaseError, match="not a registered provider"):
        services.case_lodge(user=factory.users.get(), factory=factory, organisation=organisation, description="x")
    assert not Case.objects.exists()


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(parties):
    case = lodged(parties)
    with pytest.raises(services.CaseError, match="not possible"):
        services.case_record_findings(case=case, actor=ptst(), substantiated=True, findings="x", preliminary_report="y")
    case.refresh_from_db()
    assert case.status == Case.Status.RECORDED and not StateLog.objects.for_(case).exists()


def test_staff_who_may_only_view_cannot_move_a_case(parties):
    from cpp_registry.roles import Role
    from tests.core.factories import staff_user

    case = lodged(parties)
    with pytest.raises(services.CaseError, match="not allowed"):
        services.case_notify_provider(case=case, actor=staff_user(Role.PROGRAMME_DIRECTOR))
    case.refresh_from_db()
    assert case.status == Case.Status.RECORDED
