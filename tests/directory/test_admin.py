"""The back office (issue 3 §7): transition buttons through the services, the final-report decision, the
contact-change decision, and the version check of the two-staff edit (§5.2)."""

import datetime

import pytest
import time_machine
from django_fsm_log.models import StateLog

from cpp_registry.models import Notice
from cpp_registry.roles import Role
from directory import services
from directory.models import CONTACT_FIELDS, ContactChangeRequest, FundedProject, Organisation, Registration
from tests.core.factories import UserFactory, staff_user
from tests.directory.factories import FundedProjectFactory, OrganisationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def pmt_client(client):
    user = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    client.force_login(user)
    client.user = user
    return client


def organisation_form(organisation, **changes):
    data = {
        "name_en": organisation.name_en,
        "name_zh": organisation.name_zh,
        "br_number": organisation.br_number,
        "form_version": organisation.version,
        "areas": list(organisation.areas),
        "code_of_conduct_kind": "",
        "code_of_conduct_received_on": "",
        **{name: str(getattr(organisation, name) or "") for name in CONTACT_FIELDS},
    }
    for prefix in ("registrations", "contact_changes", "warnings"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_section_5_2_the_second_of_two_staff_saves_is_refused_with_a_clear_message(pmt_client):
    organisation = OrganisationFactory(contact_person="Before")
    url = f"/en/admin/directory/organisation/{organisation.pk}/change/"
    assert pmt_client.get(url).status_code == 200
    # Both opened the form on the same version.
    first = organisation_form(organisation, contact_person="First")
    second = organisation_form(organisation, contact_person="Second")
    assert pmt_client.post(url, first).status_code == 302
    response = pmt_client.post(url, second)
    assert response.status_code == 200
    assert "Someone else saved this organisation after you opened it" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.contact_person == "First"
    assert organisation.version == 1


def test_section_5_2_the_refusal_is_translated(client):
    user = staff_user(Role.PROGRAMME_MANAGEMENT_TEAM)
    client.force_login(user)
    organisation = OrganisationFactory()
    url = f"/zh-hant/admin/directory/organisation/{organisation.pk}/change/"
    stale = organisation_form(organisation, contact_person="Second", form_version=organisation.version + 5)
    assert "已有其他人在你開啟後儲存了這個機構" in client.post(url, stale).content.decode()


def test_a_br_number_of_7_digits_or_with_letters_is_refused_clearly(pmt_client):
    organisation = OrganisationFactory()
    url = f"/en/admin/directory/organisation/{organisation.pk}/change/"
    for bad in ("1234567", "1234567A"):
        response = pmt_client.post(url, organisation_form(organisation, br_number=bad))
        assert "exactly 8 digits" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.version == 0


def test_adding_a_registration_in_the_admin_grants_it_through_the_service(pmt_client):
    organisation = OrganisationFactory(users=[UserFactory()])
    response = pmt_client.post(
        "/en/admin/directory/registration/add/",
        {"organisation": organisation.pk, "category": "1", "granted_on": "2026-03-15"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    registration = Registration.objects.get()
    assert (registration.status, registration.valid_until) == ("provisional", D(2028, 3, 14))
    assert StateLog.objects.filter(object_id=registration.pk, transition="grant", by=pmt_client.user).exists()
    assert Notice.objects.filter(template_key="registration_granted").exists()


def test_adding_a_second_live_registration_in_the_admin_is_refused(pmt_client):
    registration = RegistrationFactory()
    response = pmt_client.post(
        "/en/admin/directory/registration/add/",
        {"organisation": registration.organisation.pk, "category": "1", "granted_on": "2026-04-01"},
    )
    assert response.status_code == 200
    assert "already holds a live registration" in response.content.decode()
    assert Registration.objects.count() == 1


def test_the_registration_page_shows_the_transition_buttons_and_log(pmt_client):
    registration = RegistrationFactory()
    body = pmt_client.get(f"/en/admin/directory/registration/{registration.pk}/change/").content.decode()
    assert "Withdraw on written request (§5.2.4)" in body
    assert "Cancel as substandard (§3.3.4)" in body
    assert "Remove on the PMC" in body
    # The job's transitions are not buttons.
    assert 'value="expire"' not in body and 'value="confirm"' not in body


def test_section_5_2_4_the_withdraw_button_goes_through_the_service(pmt_client):
    registration = RegistrationFactory(status="confirmed")
    url = f"/en/admin/directory/registration/{registration.pk}/transition/withdraw/"
    assert pmt_client.get(url).status_code == 200
    assert pmt_client.post(url, {"reason": ""}).status_code == 200  # a reason is required
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert pmt_client.post(url, {"reason": "Letter of 2027-05-02"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == "withdrawn"
    assert registration.end_reason == "Letter of 2027-05-02"
    assert registration.ended_on is not None
    log = StateLog.objects.get(object_id=registration.pk, transition="withdraw")
    assert (log.by, log.description) == (pmt_client.user, "Letter of 2027-05-02")


def test_a_transition_by_staff_who_may_only_view_is_refused(client):
    client.force_login(staff_user(Role.PTST))
    registration = RegistrationFactory()
    client.post(f"/en/admin/directory/registration/{registration.pk}/transition/withdraw/", {"reason": "x"})
    registration.refresh_from_db()
    assert registration.status == "provisional"


def test_the_validity_filter_lists_registrations_ending_within_90_days(pmt_client, time_machine):
    time_machine.move_to(datetime.datetime(2027, 12, 20, 12, tzinfo=datetime.UTC))
    pmt_client.force_login(pmt_client.user)  # the session of the fixture has expired by then
    soon = RegistrationFactory(granted_on=D(2026, 3, 15))  # valid until 2028-03-14: 85 days
    later = RegistrationFactory(granted_on=D(2026, 9, 1))
    response = pmt_client.get("/en/admin/directory/registration/?validity=90")
    shown = list(response.context["cl"].result_list)
    assert soon in shown and later not in shown


def report_form(project, **changes):
    return {
        "reference": project.reference,
        "title": project.title,
        "factory": project.factory_id,
        "provider": project.provider_id,
        "role_category": project.role_category,
        "areas": list(project.areas),
        "started_on": project.started_on.isoformat(),
        "completed_on": "",
        "decision": "",
        "decided_on": "",
        "note": "",
        **changes,
    }


def test_section_3_3_2_the_report_decision_in_the_admin_says_why_nothing_is_confirmed(pmt_client):
    registration = services.registration_grant(
        organisation=OrganisationFactory(), category="1", granted_on=D(2026, 3, 15), notify=False
    )
    project = FundedProjectFactory(provider=registration.organisation)
    url = f"/en/admin/directory/fundedproject/{project.pk}/change/"
    with time_machine.travel("2028-03-16 10:00 +0800", tick=False):
        pmt_client.force_login(pmt_client.user)
        response = pmt_client.post(url, report_form(project, decision="approve", decided_on="2028-03-16"), follow=True)
    body = response.content.decode()
    assert "after the provisional registration ended on 2028-03-14" in body
    registration.refresh_from_db()
    assert registration.status == "provisional"
    project.refresh_from_db()
    assert project.report_status == FundedProject.ReportStatus.APPROVED


def test_section_3_3_2_the_report_decision_in_the_admin_confirms(pmt_client):
    registration = services.registration_grant(
        organisation=OrganisationFactory(), category="1", granted_on=D(2026, 3, 15), notify=False
    )
    project = FundedProjectFactory(provider=registration.organisation)
    url = f"/en/admin/directory/fundedproject/{project.pk}/change/"
    with time_machine.travel("2028-03-14 10:00 +0800", tick=False):
        pmt_client.force_login(pmt_client.user)
        pmt_client.post(url, report_form(project, decision="approve", decided_on="2028-03-14"))
    registration.refresh_from_db()
    assert (registration.status, registration.confirmed_on) == ("confirmed", D(2028, 3, 14))


def test_section_5_2_2_the_contact_change_decision_in_the_admin(pmt_client):
    owner = UserFactory()
    organisation = OrganisationFactory(email="old@x.example.hk", users=[owner])
    change = services.contact_change_request(
        organisation=organisation,
        user=owner,
        details={**{k: str(v or "") for k, v in organisation.contact_details().items()}, "email": "new@x.example.hk"},
    )
    url = f"/en/admin/directory/contactchangerequest/{change.pk}/change/"
    page = pmt_client.get(url).content.decode()
    assert "old@x.example.hk → new@x.example.hk" in page
    data = {name: str(getattr(change, name) or "") for name in CONTACT_FIELDS}
    response = pmt_client.post(url, {**data, "decision": "reject", "decision_note": ""})
    assert response.status_code == 200  # a rejection needs its reason
    assert pmt_client.post(url, {**data, "decision": "approve", "decision_note": ""}).status_code == 302
    organisation.refresh_from_db()
    change.refresh_from_db()
    assert organisation.email == "new@x.example.hk"
    assert change.status == ContactChangeRequest.Status.APPROVED


@pytest.mark.parametrize(
    "url",
    [
        "/en/admin/directory/organisation/",
        "/en/admin/directory/registration/",
        "/en/admin/directory/fundedproject/",
        "/en/admin/directory/contactchangerequest/",
        "/en/admin/directory/warning/",
        "/en/admin/directory/factory/",
    ],
)
def test_admin_lists_open(pmt_client, url):
    RegistrationFactory()
    FundedProjectFactory()
    assert pmt_client.get(url).status_code == 200
    assert Organisation.objects.exists()
