"""Processing an application (§4): the clock with its stops, the decision, the PMC, reapplication. Dates are
written by hand."""

import datetime

import pytest
import time_machine
from django_fsm_log.models import StateLog

from applications import services
from applications.models import Application, Message
from committee import services as committee
from committee.models import Motion, Vote
from cpp_registry.models import Deadline, Notice
from directory.models import Category, Registration
from directory.services import registration_cancel_substandard, registration_grant
from tests.committee.factories import members
from tests.core.factories import UserFactory

from .factories import D, complete_application, engineering, officer

pytestmark = pytest.mark.django_db
HKT = datetime.timezone(datetime.timedelta(hours=8))


def on(day, hour=10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=HKT), tick=False)


def clock(application):
    return Deadline.objects.for_subject(application).get(kind=Deadline.Kind.APPLICATION_PROCESSING)


@pytest.fixture
def applicant():
    return UserFactory(email="owner@greentech.example.hk", language="zh-hant")


FEB_5 = D(2027, 2, 5)


def submitted(applicant, day=FEB_5, **kwargs):
    with on(day):
        application = complete_application(user=applicant, **kwargs)
        return services.application_submit(application=application, user=applicant)


def test_an_application_gets_its_reference_when_first_saved(applicant):
    """§4.1.1: an organisation applies online; its application is numbered when first saved."""
    with on(D(2027, 1, 4)):
        application = services.application_start(user=applicant)
    assert application.reference == f"APP-2027-{application.pk:05d}"
    assert application.status == Application.Status.DRAFT


def test_section_4_1_3_complete_on_friday_2027_02_05_is_due_tuesday_2027_02_23(applicant):
    """Ten working days from Friday 5 February 2027 (day 0); Monday 8 and Tuesday 9 February are general
    holidays (Lunar New Year): 10, 11, 12, 15, 16, 17, 18, 19, 22, 23 → Tuesday 23 February."""
    application = submitted(applicant)
    assert application.status == Application.Status.SUBMITTED
    assert (clock(application).start_day, clock(application).due_day) == (D(2027, 2, 5), D(2027, 2, 23))
    assert StateLog.objects.for_(application).get().transition == "submit"
    assert Notice.objects.filter(template_key="application_submitted", recipient=applicant).count() == 1
    assert application.submitted_answers["categories"] == "1"
    assert application.criteria_met is True


def test_section_4_1_3_asked_on_2027_02_10_answered_2027_02_17_is_due_2027_03_03(applicant):
    """The clock stops on the request and starts again from zero on the day of the complete answer:
    Wednesday 17 February + 10 working days = Wednesday 3 March 2027."""
    application = submitted(applicant)
    pmt = officer()
    with on(D(2027, 2, 10)):
        application = services.application_ask_for_information(
            application=application, actor=pmt, text="Please send the completion certificate of project 2."
        )
    assert application.status == Application.Status.AWAITING_INFORMATION
    assert clock(application).stopped_on == D(2027, 2, 10)
    assert Notice.objects.filter(template_key="application_information_requested").count() == 1
    with on(D(2027, 2, 17)):
        application = services.application_answer(application=application, user=applicant, text="Attached.")
    running = clock(application)
    assert (running.start_day, running.due_day, running.stopped_on, running.restarts) == (
        D(2027, 2, 17),
        D(2027, 3, 3),
        None,
        1,
    )
    assert list(application.messages.values_list("kind", flat=True)) == [Message.Kind.REQUEST, Message.Kind.ANSWER]
    assert list(running.events.values_list("action", flat=True)) == ["started", "stopped", "restarted"]


def test_section_4_1_4_approval_grants_each_category_provisionally_and_lists_it_at_once(applicant, client):
    application = submitted(applicant, categories="12", projects=[engineering(D(2024, 1, 4))] * 3)
    with on(D(2027, 2, 12)):
        application = services.application_approve(application=application, actor=officer(), text="Welcome.")
    registrations = Registration.objects.filter(organisation=application.organisation).order_by("category")
    assert [(r.category, r.status, r.granted_on, r.valid_until) for r in registrations] == [
        ("1", "provisional", D(2027, 2, 12), D(2029, 2, 11)),
        ("2", "provisional", D(2027, 2, 12), D(2029, 2, 11)),
    ]
    organisation = application.organisation
    organisation.refresh_from_db()
    assert organisation.code_of_conduct_file.name == application.code_of_conduct_file.name  # §7.1 on record
    assert clock(application).met_on_time is True
    notice = Notice.objects.get(template_key="application_approved")
    assert application.reference in notice.subject
    assert "Green Tech Limited" in client.get("/en/directory/").content.decode()


def test_section_3_2_2_24_24_23_months_cannot_be_approved_and_goes_to_the_pmc(applicant):
    """Three staff with 24, 24 and 23 months fail Category 1: approval is refused with the reason; the
    Secretariat reports it to the PMC (§4.1.5), which accepts it; the same grant follows."""
    application = submitted(applicant, staff_months=(24, 24, 23))
    assert application.criteria_met is False
    pmt = officer()
    with on(D(2027, 2, 8)), pytest.raises(services.ApplicationError, match="criteria are not met"):
        services.application_approve(application=application, actor=pmt)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Registration.objects.exists()

    with on(D(2027, 2, 8)):
        application = services.application_refer(
            application=application, actor=pmt, recommendation_en="Accept: the third consultant joined in 2025."
        )
    assert application.status == Application.Status.REFERRED
    motion = Motion.objects.get()
    assert (motion.kind, motion.subject, motion.status) == (Motion.Kind.ACCEPT_APPLICATION, application, "draft")
    assert "Wong" not in motion.recommendation_en or "(23 months)" in motion.recommendation_en
    assert "23 months" in motion.recommendation_en
    assert application.reference in motion.subject_label_en
    assert clock(application).met_at is not None

    with on(D(2027, 2, 9)):
        committee.motion_open(motion=motion, actor=pmt)
        for member in members(3):
            committee.vote_cast(motion=motion, member=member, choice=Vote.Choice.FOR)
        committee.motion_close(motion=motion, actor=pmt)
    assert Notice.objects.filter(template_key="motion_decided", recipient=applicant).count() == 1
    with on(D(2027, 2, 10)):
        committee.motion_carry_out(motion=motion, actor=pmt)
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert Registration.objects.get().status == "provisional"
    assert Notice.objects.filter(template_key="application_approved", recipient=applicant).count() == 1


def test_section_4_1_5_refused_by_the_pmc_the_applicant_is_told_why(applicant):
    application = submitted(applicant, staff_months=(24, 24, 23))
    pmt = officer()
    with on(D(2027, 2, 8)):
        services.application_refer(application=application, actor=pmt, recommendation_en="Do not accept.")
        motion = Motion.objects.get()
        committee.motion_open(motion=motion, actor=pmt)
        committee.vote_cast(motion=motion, member=members(1)[0], choice=Vote.Choice.AGAINST)
        committee.motion_close(motion=motion, actor=pmt)
        committee.motion_carry_out(motion=motion, actor=pmt)
    application.refresh_from_db()
    assert application.status == Application.Status.REFUSED
    assert "Do not accept." in application.decision_text and "23 months" in application.decision_text
    notice = Notice.objects.get(template_key="application_refused")
    assert "23 months" in notice.body_text
    assert not Registration.objects.exists()


def test_section_4_1_5_an_application_that_meets_the_criteria_is_approved_not_referred(applicant):
    application = submitted(applicant)
    with on(D(2027, 2, 8)), pytest.raises(services.ApplicationError, match="meets the criteria"):
        services.application_refer(application=application, actor=officer(), recommendation_en="x")
    assert not Motion.objects.exists()


def test_section_3_2_2_equivalent_experience_is_an_override_with_a_reason_then_approved(applicant):
    application = submitted(applicant, staff_months=(24, 24, 23))
    pmt = officer()
    with pytest.raises(services.ApplicationError, match="reason"):
        services.application_override_criteria(application=application, actor=pmt, categories="1", reason=" ")
    with on(D(2027, 2, 8)):
        services.application_override_criteria(
            application=application, actor=pmt, categories="1", reason="Wong holds a CEng; 10 years in plant design."
        )
    application.refresh_from_db()
    assert (application.override_categories, application.override_by) == ("1", pmt)
    assert application.history.first().history_change_reason == "criteria override: 1"
    with on(D(2027, 2, 8)):
        application = services.application_approve(application=application, actor=pmt)
    assert application.status == Application.Status.APPROVED


def test_section_3_3_3_after_an_expiry_an_organisation_applies_like_a_new_one(applicant):
    application = submitted(applicant)
    organisation = application.organisation
    with on(D(2027, 2, 8)):
        services.application_approve(application=application, actor=officer())
    Registration.objects.filter(organisation=organisation).update(status="cancelled_expired")
    with on(D(2029, 3, 1)):
        again = complete_application(user=applicant, organisation=organisation)
        again = services.application_submit(application=again, user=applicant)
        again = services.application_approve(application=again, actor=officer(email="o2@example.hk"))
    assert again.status == Application.Status.APPROVED


def test_section_3_3_4_after_a_substandard_cancellation_the_new_application_goes_to_the_pmc(applicant):
    pmt = officer()
    application = submitted(applicant)
    organisation = application.organisation
    with on(D(2027, 2, 8)):
        services.application_approve(application=application, actor=pmt)
    with on(D(2027, 6, 1)):
        registration_cancel_substandard(registration=Registration.objects.get(), actor=pmt, reason="Report failed")
    with on(D(2027, 9, 1)):
        again = services.application_submit(
            application=complete_application(user=applicant, organisation=organisation), user=applicant
        )
        assert again.criteria_met is True
        with pytest.raises(services.ApplicationError, match="cancelled as substandard"):
            services.application_approve(application=again, actor=pmt)
        services.application_refer(application=again, actor=pmt, recommendation_en="Service since improved.")
    assert Motion.objects.get().kind == Motion.Kind.ACCEPT_AFTER_SUBSTANDARD


def test_a_second_live_application_for_the_same_organisation_and_category_is_refused(applicant):
    application = submitted(applicant)
    second = services.application_start(user=applicant, organisation=application.organisation)
    with pytest.raises(services.ApplicationError, match=application.reference):
        services.application_save_categories(application=second, user=applicant, categories="1")
    services.application_save_categories(application=second, user=applicant, categories="2")  # the other is fine


def test_section_5_2_3_an_existing_provider_adds_a_category_it_does_not_hold(applicant):
    application = submitted(applicant)
    with on(D(2027, 2, 8)):
        services.application_approve(application=application, actor=officer())
    second = services.application_start(user=applicant, organisation=application.organisation)
    assert "organisation" in second.sections_done  # its details are the register's (§5.2.1)
    with pytest.raises(services.ApplicationError, match="already holds a live registration"):
        services.application_save_categories(application=second, user=applicant, categories="1")


def test_the_applicant_withdraws_before_a_decision_and_not_after(applicant):
    application = submitted(applicant)
    with on(D(2027, 2, 8)):
        application = services.application_withdraw(application=application, user=applicant, reason="Not now")
    assert application.status == Application.Status.WITHDRAWN
    assert clock(application).met_at is not None
    with pytest.raises(services.ApplicationError, match="can no longer be withdrawn"):
        services.application_withdraw(application=application, user=applicant)


def test_a_submission_missing_a_section_is_refused_and_changes_nothing(applicant):
    application = services.application_start(user=applicant)
    with pytest.raises(services.ApplicationError, match="Complete every section"):
        services.application_submit(application=application, user=applicant)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert not Deadline.objects.exists()


def test_submitting_twice_submits_once(applicant):
    application = submitted(applicant)
    with pytest.raises(services.ApplicationError, match="already submitted"):
        services.application_submit(application=application, user=applicant)
    assert StateLog.objects.for_(application).count() == 1
    assert Notice.objects.filter(template_key="application_submitted").count() == 1


def test_another_organisations_user_cannot_change_or_submit_it(applicant):
    application = services.application_start(user=applicant)
    stranger = UserFactory()
    with pytest.raises(services.ApplicationError, match="do not act for"):
        services.application_save_categories(application=application, user=stranger, categories="1")
    full = complete_application(user=applicant)
    with pytest.raises(services.ApplicationError):
        services.application_submit(application=full, user=stranger)


def test_a_br_number_already_on_the_register_is_not_taken_over(applicant):
    first = complete_application(user=applicant)
    other = UserFactory()
    application = services.application_start(user=other)
    from .factories import organisation_details

    with pytest.raises(services.ApplicationError, match="already on the register"):
        services.application_save_organisation(
            application=application, user=other, details=organisation_details(br_number=first.organisation.br_number)
        )


def test_no_grant_without_a_signed_code_of_conduct(applicant):
    """§7.1: the code of conduct section is required before submission, and the grant checks it again."""
    application = submitted(applicant)
    Application.objects.filter(pk=application.pk).update(code_of_conduct_file="")
    with on(D(2027, 2, 8)), pytest.raises(services.ApplicationError, match="code of conduct"):
        services.application_approve(application=application, actor=officer())
    assert not Registration.objects.exists()


def test_approval_by_staff_who_may_only_view_is_refused(applicant):
    from cpp_registry.roles import Role
    from tests.core.factories import staff_user

    application = submitted(applicant)
    with on(D(2027, 2, 8)), pytest.raises(services.ApplicationError, match="not allowed"):
        services.application_approve(application=application, actor=staff_user(Role.PTST))
    assert not Registration.objects.exists()


def test_the_grant_notice_is_the_applications_written_decision_only(applicant):
    """§4.1.4: one written decision, not also the register's own grant notice."""
    application = submitted(applicant, categories="1")
    with on(D(2027, 2, 8)):
        services.application_approve(application=application, actor=officer())
    assert not Notice.objects.filter(template_key="registration_granted").exists()
    assert Registration.objects.get().category == Category.CONSULTANCY


def test_a_live_registration_in_the_category_blocks_a_new_application(applicant):
    organisation = complete_application(user=applicant).organisation
    with on(D(2027, 1, 4)):
        registration_grant(organisation=organisation, category="2", granted_on=D(2027, 1, 4))
    second = services.application_start(user=applicant, organisation=organisation)
    with pytest.raises(services.ApplicationError, match="already holds a live registration"):
        services.application_save_categories(application=second, user=applicant, categories="2")
