"""§6.1.4 and §6.3: carrying out the PMC's decision on a penalty — one button, the clock met, one notice.

The complaints app registers penalty motions about a provider with the committee at start-up
(complaints/penalties.py); the committee itself knows no subject."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from committee import registry, services
from committee.models import Motion, Vote
from cpp_registry.models import Deadline, Notice
from directory.models import Category, Organisation, Registration, Warning
from directory.services import registration_grant
from tests.committee.factories import OrganisationFactory, UserFactory, members, open_motion, pmt, vote_all

pytestmark = pytest.mark.django_db
HK = ZoneInfo("Asia/Hong_Kong")
FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST


@pytest.fixture
def staff():
    return pmt()


@pytest.fixture
def provider():
    org = OrganisationFactory(name_en="Green Tech Ltd", name_zh="綠色科技有限公司")
    org.users.add(UserFactory(email="owner@green.hk"))
    registration_grant(organisation=org, category=Category.CONSULTANCY, granted_on=date(2026, 1, 5), imported=True)
    registration_grant(
        organisation=org, category=Category.CONSULTANCY_ENGINEERING, granted_on=date(2026, 1, 5), imported=True
    )
    return org


def decided(*, kind, organisation, staff, choices, **kwargs):
    m = open_motion(kind=kind, subject=organisation, actor=staff, **kwargs)
    vote_all(m, zip(members(len(choices)), choices, strict=True))
    return services.motion_close(motion=m, actor=staff)


def test_section_6_3_a_removal_that_passed_takes_the_provider_off_the_directory(
    staff, provider, django_capture_on_commit_callbacks
):
    other = OrganisationFactory()
    registration_grant(organisation=other, category=Category.CONSULTANCY, granted_on=date(2026, 1, 5), imported=True)
    with time_machine.travel(datetime(2026, 11, 20, 16, 0, tzinfo=HK), tick=False):
        m = decided(kind=Motion.Kind.REMOVAL, organisation=provider, staff=staff, choices=[FOR, FOR, FOR, AGAINST])
    mail.outbox.clear()
    with (
        time_machine.travel(datetime(2026, 11, 26, 11, 0, tzinfo=HK), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        m = services.motion_carry_out(motion=m, actor=staff)

    assert m.status == Motion.Status.CARRIED_OUT and m.carried_out_by == staff
    assert "2 registrations removed" in m.carry_out_note
    assert not Registration.objects.live().filter(organisation=provider).exists()
    assert set(Registration.objects.filter(organisation=provider).values_list("status", flat=True)) == {"removed"}
    assert Registration.objects.live().filter(organisation=other).count() == 1  # nobody else is touched
    clock = Deadline.objects.for_subject(m).get()
    assert clock.met_at == datetime(2026, 11, 26, 11, 0, tzinfo=HK)
    assert clock.met_on_time is True  # due 4 December 2026
    removed = Notice.objects.filter(template_key="registration_removed", recipient_email="owner@green.hk")
    assert removed.count() == 2  # one per registration (category) removed
    assert sorted(mail.outbox[i].to[0] for i in range(len(mail.outbox))) == ["owner@green.hk", "owner@green.hk"]

    # Pressing the button again changes nothing and sends nothing more.
    with pytest.raises(services.CommitteeError, match="already carried out"):
        services.motion_carry_out(motion=m, actor=staff)
    assert removed.count() == 2
    assert len(mail.outbox) == 2


def test_section_6_1_4_carried_out_late_is_recorded_late(staff, provider):
    with time_machine.travel(datetime(2026, 11, 20, 16, 0, tzinfo=HK), tick=False):
        m = decided(kind=Motion.Kind.REMOVAL, organisation=provider, staff=staff, choices=[FOR])
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=HK), tick=False):
        m = services.motion_carry_out(motion=m, actor=staff)
    assert Deadline.objects.for_subject(m).get().met_on_time is False


def test_section_6_1_4_a_supported_warning_is_recorded(staff, provider):
    m = decided(kind=Motion.Kind.WARNING, organisation=provider, staff=staff, choices=[FOR, FOR, AGAINST])
    m = services.motion_carry_out(motion=m, actor=staff)
    warning = Warning.objects.get(organisation=provider)
    assert warning.issued_by == staff and m.reference in warning.text
    assert warning.case is None  # the motion's subject is the provider itself
    assert Registration.objects.live().filter(organisation=provider).count() == 2  # a warning changes no state
    assert Notice.objects.filter(template_key="warning_recorded").count() == 1


@pytest.mark.parametrize("kind", [Motion.Kind.WARNING, Motion.Kind.REMOVAL])
def test_section_6_1_4_a_rejected_recommendation_records_no_penalty(staff, provider, kind):
    m = decided(kind=kind, organisation=provider, staff=staff, choices=[FOR, AGAINST])  # a tie fails
    assert m.outcome == Motion.Outcome.FAILED
    m = services.motion_carry_out(motion=m, actor=staff)
    assert "No penalty" in m.carry_out_note
    assert not Warning.objects.exists()
    assert Registration.objects.live().filter(organisation=provider).count() == 2
    notice = Notice.objects.get(template_key="penalty_not_imposed")
    assert notice.recipient_email == "owner@green.hk" and "No penalty" in notice.body_text
    assert Deadline.objects.for_subject(m).get().met_at is not None


def test_a_removal_when_nothing_is_live_any_more_is_still_carried_out(staff):
    org = OrganisationFactory()
    m = decided(kind=Motion.Kind.REMOVAL, organisation=org, staff=staff, choices=[FOR])
    m = services.motion_carry_out(motion=m, actor=staff)
    assert "nothing was removed" in m.carry_out_note


def test_the_penalty_kinds_about_a_provider_are_registered_at_start_up():
    registered = {key for key in registry.registered() if key[0] == "directory.organisation"}
    assert registered == {("directory.organisation", "removal"), ("directory.organisation", "warning")}
    entry = registry.entry_for(model=Organisation, kind=Motion.Kind.REMOVAL)
    assert set(entry.outcomes) == {"passed", "failed"}


def test_section_6_1_4_the_provider_hears_the_decision_when_the_motion_closes(staff, provider):
    decided(kind=Motion.Kind.WARNING, organisation=provider, staff=staff, choices=[FOR])
    notice = Notice.objects.get(template_key="motion_decided")
    assert notice.recipient_email == "owner@green.hk"
    assert "Green Tech Ltd" in notice.body_text


def test_an_open_motion_cannot_be_carried_out(staff, provider):
    m = open_motion(subject=provider, actor=staff)
    with pytest.raises(services.CommitteeError, match="Only a closed motion"):
        services.motion_carry_out(motion=m, actor=staff)
