"""The lifecycle of one registration (§3.3, §5.2.4, §6.3; docs/rules.md): grant, confirm, expire, cancel,
withdraw, remove.

Expected dates are written out by hand.
"""

import datetime

import pytest
import time_machine
from django.db import IntegrityError
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice
from cpp_registry.roles import Role
from directory import services
from directory.models import Category, FundedProject, Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)


@pytest.fixture
def provider():
    return OrganisationFactory(users=[UserFactory(email="owner@provider.example.hk")])


GRANTED = D(2026, 3, 15)


def on_day(day):
    """Run what follows on `day`, Hong Kong time: a decision is dated the day it is taken, never later."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10, tzinfo=HKT), tick=False)


HKT = datetime.timezone(datetime.timedelta(hours=8))


def grant(organisation, on=GRANTED, category=Category.CONSULTANCY, actor=None):
    with on_day(on):
        return services.registration_grant(organisation=organisation, category=category, actor=actor, granted_on=on)


def decide(project, actor, *, approved, on):
    with on_day(on):
        return services.funded_project_report_decide(project=project, actor=actor, approved=approved, on=on)


def test_section_3_3_1_granted_2026_03_15_is_valid_until_2028_03_14(provider, pmt):
    """§3.3.1, §4.1.4: listed as provisional, valid through 2028-03-14, and the provider told in writing."""
    registration = grant(provider, actor=pmt)
    assert registration.status == Registration.Status.PROVISIONAL
    assert registration.valid_until == D(2028, 3, 14)
    log = StateLog.objects.get(object_id=registration.pk, transition="grant")
    assert (log.source_state, log.state, log.by) == (None, "provisional", pmt)
    assert Notice.objects.filter(template_key="registration_granted", recipient__email="owner@provider.example.hk")


def test_section_3_3_1_a_29_february_grant_runs_to_the_end_of_february():
    registration = grant(OrganisationFactory(), on=D(2028, 2, 29))
    assert registration.valid_until == D(2030, 2, 28)


def test_section_3_1_3_one_live_registration_per_organisation_and_category(provider):
    grant(provider)
    with pytest.raises(services.RegisterError, match="already holds a live registration"):
        grant(provider, on=D(2026, 4, 1))
    # The other category is a registration of its own (§3.1.3, decision).
    assert grant(provider, category=Category.CONSULTANCY_ENGINEERING).valid_until == D(2028, 3, 14)
    assert Registration.objects.filter(organisation=provider).count() == 2


def test_section_3_1_3_the_database_refuses_a_second_live_registration_too(provider):
    RegistrationFactory(organisation=provider)
    with pytest.raises(IntegrityError):
        RegistrationFactory(organisation=provider, status=Registration.Status.CONFIRMED)


def test_section_3_1_3_a_new_grant_after_an_expiry_is_allowed(provider):
    """§3.3.3: after its registration expired, the organisation may be registered again."""
    RegistrationFactory(organisation=provider, status=Registration.Status.CANCELLED_EXPIRED)
    assert grant(provider, on=D(2028, 6, 1)).valid_until == D(2030, 5, 31)


def test_section_3_3_1_a_grant_dated_in_the_future_is_refused_and_nothing_is_written(provider):
    """Decided on 2026-11-26: a grant dated 2026-11-27 is in the future."""
    with on_day(D(2026, 11, 26)), pytest.raises(services.RegisterError, match="future date"):
        services.registration_grant(organisation=provider, category="1", granted_on=D(2026, 11, 27))
    assert not Registration.objects.exists()


def test_section_3_3_1_a_grant_whose_24_months_already_ended_is_refused(provider):
    """On 2026-11-26, a grant dated 1999-01-01 would be "valid until 2000-12-31": refused. Dated
    2024-11-26 it would end on 2026-11-25, yesterday: refused too; dated 2024-11-27 it ends today: granted."""
    with on_day(D(2026, 11, 26)):
        for old in (D(1999, 1, 1), D(2024, 11, 26)):
            with pytest.raises(services.RegisterError, match="would already have ended"):
                services.registration_grant(organisation=provider, category="1", granted_on=old)
        assert not Registration.objects.exists()
        registration = services.registration_grant(organisation=provider, category="1", granted_on=D(2024, 11, 27))
    assert registration.valid_until == D(2026, 11, 26)


def test_a_bad_category_is_refused_and_nothing_is_written(provider):
    with pytest.raises(services.RegisterError, match="category 1 or 2"):
        grant(provider, category="9")
    assert not Registration.objects.exists()


# --- §3.3.2: confirmation by an approved final report ---------------------------------------------------


def test_section_3_3_2_report_approved_2028_03_14_confirms(provider, pmt):
    registration = grant(provider)
    project = FundedProjectFactory(provider=provider, role_category=Category.CONSULTANCY)
    result = decide(project, pmt, approved=True, on=D(2028, 3, 14))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.confirmed_on == D(2028, 3, 14)
    assert result.confirmed == [registration]
    assert "confirmed" in result.message
    log = StateLog.objects.get(object_id=registration.pk, transition="confirm")
    assert (log.source_state, log.state, log.by) == ("provisional", "confirmed", pmt)
    assert project.reference in log.description
    assert Notice.objects.filter(template_key="registration_confirmed").count() == 1


def test_section_3_3_2_report_approved_2028_03_16_confirms_nothing_and_says_why(provider, pmt):
    registration = grant(provider)
    project = FundedProjectFactory(provider=provider)
    result = decide(project, pmt, approved=True, on=D(2028, 3, 16))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PROVISIONAL
    assert result.confirmed == []
    assert "2028-03-16" in result.message
    assert "2028-03-14" in result.message
    assert "not confirmed" in result.message
    # The approval itself is recorded.
    project.refresh_from_db()
    assert project.report_status == FundedProject.ReportStatus.APPROVED
    assert project.report_decided_on == D(2028, 3, 16)


def test_section_3_3_2_late_approval_after_the_job_cancelled_it_still_says_why(provider, pmt):
    registration = grant(provider)
    with on_day(D(2028, 3, 15)):
        services.registrations_expire(today=D(2028, 3, 15))
    project = FundedProjectFactory(provider=provider)
    result = decide(project, pmt, approved=True, on=D(2028, 3, 16))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_EXPIRED
    assert "after the provisional registration ended on 2028-03-14" in result.message


def test_section_3_3_2_a_category_2_role_confirms_category_1_as_well(provider, pmt):
    cat1 = grant(provider, category=Category.CONSULTANCY)
    cat2 = grant(provider, category=Category.CONSULTANCY_ENGINEERING, on=D(2026, 5, 1))
    project = FundedProjectFactory(provider=provider, role_category=Category.CONSULTANCY_ENGINEERING)
    result = decide(project, pmt, approved=True, on=D(2027, 1, 8))
    assert {r.pk for r in result.confirmed} == {cat1.pk, cat2.pk}
    assert set(Registration.objects.values_list("status", flat=True)) == {"confirmed"}


def test_section_3_3_2_a_category_1_role_does_not_confirm_category_2(provider, pmt):
    grant(provider, category=Category.CONSULTANCY)
    cat2 = grant(provider, category=Category.CONSULTANCY_ENGINEERING)
    project = FundedProjectFactory(provider=provider, role_category=Category.CONSULTANCY)
    decide(project, pmt, approved=True, on=D(2027, 1, 8))
    cat2.refresh_from_db()
    assert cat2.status == Registration.Status.PROVISIONAL


def test_section_3_3_2_a_rejected_report_confirms_nothing(provider, pmt):
    registration = grant(provider)
    project = FundedProjectFactory(provider=provider)
    result = decide(project, pmt, approved=False, on=D(2027, 1, 8))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PROVISIONAL
    assert "rejected" in result.message


def test_section_3_3_2_a_report_is_decided_once(provider, pmt):
    grant(provider)
    project = FundedProjectFactory(provider=provider)
    decide(project, pmt, approved=False, on=D(2027, 1, 8))
    with pytest.raises(services.RegisterError, match="already"):
        decide(project, pmt, approved=True, on=D(2027, 1, 9))
    project.refresh_from_db()
    assert project.report_status == FundedProject.ReportStatus.REJECTED


def test_section_3_3_2_confirm_outside_validity_is_refused(provider, pmt):
    registration = grant(provider)
    with pytest.raises(services.RegisterError, match="not confirmed"):
        services.registration_confirm(registration=registration, actor=pmt, on=D(2028, 3, 15))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PROVISIONAL


# --- §3.3.4, §5.2.4, §6.3 -----------------------------------------------------------------------------


def test_section_3_3_4_cancel_as_substandard_needs_the_pmcs_view_for_a_new_application(provider, pmt):
    registration = grant(provider)
    with on_day(D(2027, 2, 1)):
        services.registration_cancel_substandard(
            registration=registration, actor=pmt, reason="Final report incomplete", on=D(2027, 2, 1)
        )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_SUBSTANDARD
    assert registration.needs_pmc_view is True
    assert (registration.ended_on, registration.end_reason) == (D(2027, 2, 1), "Final report incomplete")
    assert StateLog.objects.filter(object_id=registration.pk, transition="cancel_substandard", by=pmt).exists()
    assert Notice.objects.filter(template_key="registration_cancelled_substandard").exists()


def test_section_3_3_4_a_confirmed_registration_cannot_be_cancelled_as_substandard(provider, pmt):
    registration = RegistrationFactory(organisation=provider, status=Registration.Status.CONFIRMED)
    with pytest.raises(services.RegisterError, match="not possible"):
        services.registration_cancel_substandard(registration=registration, actor=pmt, reason="x")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_section_5_2_4_withdraw_on_written_request(provider):
    user = provider.users.get()
    registration = RegistrationFactory(organisation=provider, status=Registration.Status.CONFIRMED)
    services.registration_withdraw(
        registration=registration, actor=user, reason="Closing the business", on=D(2027, 5, 3)
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.WITHDRAWN
    assert registration.ended_on == D(2027, 5, 3)
    assert Notice.objects.filter(template_key="registration_withdrawn").exists()


def test_section_5_2_4_withdraw_without_a_reason_is_refused(provider):
    registration = RegistrationFactory(organisation=provider)
    with pytest.raises(services.RegisterError, match="reason"):
        services.registration_withdraw(registration=registration, actor=None, reason="  ")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PROVISIONAL


def test_section_6_3_remove_then_no_further_change(provider, pmt):
    registration = RegistrationFactory(organisation=provider, status=Registration.Status.CONFIRMED)
    services.registration_remove(registration=registration, actor=pmt, reason="PMC decision", on=D(2027, 6, 1))
    with pytest.raises(services.RegisterError):
        services.registration_withdraw(registration=registration, actor=pmt, reason="x")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REMOVED


def test_section_6_1_4_a_warning_changes_no_state(provider, pmt):
    registration = RegistrationFactory(organisation=provider)
    with on_day(D(2027, 1, 4)):
        warning = services.warning_record(
            organisation=provider, actor=pmt, text="Late reports", issued_on=D(2027, 1, 4)
        )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.PROVISIONAL
    assert warning.issued_on == D(2027, 1, 4)


def test_the_status_field_is_protected(provider):
    """§3.3: a registration changes state only through the services, never by setting the field."""
    registration = RegistrationFactory(organisation=provider)
    with pytest.raises(AttributeError):
        registration.status = Registration.Status.CONFIRMED
