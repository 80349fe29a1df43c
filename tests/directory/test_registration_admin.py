"""Issue 10 §4.5: a registration's page in the back office shows the provider's record beside it — the
warnings of its organisation, its funded projects with their final report's status, the clocks about the
registration and the written notices about it — read-only, each linked where the officer may follow, and
its transition log in words; at a fixed number of queries however long the record."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from cpp_registry import deadlines
from cpp_registry.models import Deadline, Notice
from cpp_registry.roles import Role
from directory import services
from directory.models import FundedProject
from tests.core.factories import UserFactory, staff_user

from .factories import FundedProjectFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HKT = datetime.timezone(datetime.timedelta(hours=8))
# Measured; a change here must be a deliberate one: the session, the user, their permissions (2), the
# registration (twice: django-fsm-2's change view reads it too), its organisation, the transition log, then
# one query per table of the record (warnings, funded projects, clocks, notices).
PAGE_QUERIES = 12


@pytest.fixture(autouse=True)
def thursday_26_november_2026():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 10, tzinfo=HKT), tick=False):
        yield


@pytest.fixture
def pmt():
    return staff_user(Role.PROGRAMME_MANAGEMENT_TEAM, email="pmt@example.hk")


def registration_with_record(pmt, n=1):
    """A registration granted through the service (its notice to the provider's user written), with n
    warnings, n funded projects and n clocks about it."""
    organisation = OrganisationFactory(name_en="Green Tech Limited", name_zh="綠色科技有限公司")
    organisation.users.add(UserFactory(email="owner@greentech.example.hk"))
    registration = services.registration_grant(
        organisation=organisation, category="1", actor=pmt, granted_on=D(2026, 3, 2), reason="Approved (§4.1.4)"
    )
    for i in range(n):
        services.warning_record(
            organisation=organisation, actor=pmt, text=f"Late reports, warning {i}.", issued_on=D(2026, 10, 5)
        )
        FundedProjectFactory(provider=organisation, title=f"Boiler heat recovery {i}", report_status="submitted")
        clock = deadlines.deadline_start(
            subject=registration, kind=Deadline.Kind.CONTACT_CHANGE, start_day=D(2026, 11, 2)
        )
        deadlines.deadline_meet(subject=registration, kind=clock.kind)
    return registration


def page(client, registration, language="en"):
    response = client.get(f"/{language}" + reverse("admin:directory_registration_change", args=[registration.pk])[3:])
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_warnings_projects_clocks_and_notices(client, pmt):
    registration = registration_with_record(pmt)
    client.force_login(pmt)
    html = page(client, registration)
    warning = registration.organisation.warnings.get()
    assert "Late reports, warning 0." in html and "5 Oct 2026" in html
    assert reverse("admin:directory_warning_change", args=[warning.pk]) in html
    project = FundedProject.objects.get(provider=registration.organisation)
    assert reverse("admin:directory_fundedproject_change", args=[project.pk]) in html
    assert "Boiler heat recovery 0" in html and "<td>Submitted</td>" in html
    clock = Deadline.objects.for_subject(registration).get()
    assert reverse("admin:core_deadline_change", args=[clock.pk]) in html
    assert "Process a contact-detail change (§5.2.2)" in html and "9 Nov 2026" in html and "Met late" in html
    notice = Notice.objects.get(template_key="registration_granted")
    assert reverse("admin:core_notice_change", args=[notice.pk]) in html
    assert "Registration granted" in html and "owner@greentech.example.hk" in html
    # The transition log, in words.
    assert "Granted (§3.3.1)" in html and "Provisional (P)" in html and ">grant<" not in html


def test_an_empty_record_says_so(client, pmt):
    organisation = OrganisationFactory()
    registration = services.registration_grant(organisation=organisation, category="2", actor=pmt, notify=False)
    client.force_login(pmt)
    html = page(client, registration)
    assert "No warning has been recorded against the provider." in html
    assert "The provider has no funded project on record." in html
    assert "No clock has run on this registration." in html
    assert "No notice has been written about this registration." in html


def test_the_record_links_only_to_what_the_officer_may_open(client, pmt):
    """The PTST may view the register but not the notices: the notice is listed without its link."""
    registration = registration_with_record(pmt)
    client.force_login(staff_user(Role.PTST, email="ptst@example.hk"))
    html = page(client, registration)
    notice = Notice.objects.get(template_key="registration_granted")
    assert "Registration granted" in html
    assert reverse("admin:core_notice_change", args=[notice.pk]) not in html
    assert reverse("admin:core_deadline_change", args=[Deadline.objects.get().pk]) in html  # clocks: view


def test_the_page_reads_in_traditional_chinese(client, pmt):
    registration = registration_with_record(pmt)
    client.force_login(pmt)
    html = page(client, registration, "zh-hant")
    assert "2026年10月5日" in html  # the warning's day, as Hong Kong writes it in Chinese
    for english in ("The provider's record", "Registration granted", "Granted (§3.3.1)", "Met late", "Submitted"):
        assert english not in html, english


@pytest.mark.parametrize("n", [2, 20])
def test_the_page_costs_the_same_at_n_and_10n(client, pmt, django_assert_num_queries, n):
    registration = registration_with_record(pmt, n)
    client.force_login(pmt)
    page(client, registration)  # the content types cached, as in any running process
    with django_assert_num_queries(PAGE_QUERIES):
        html = page(client, registration)
    assert html.count("Late reports, warning") == n
