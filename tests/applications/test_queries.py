"""Query budgets: the dashboard, the task list, check your answers and the paper cost a fixed number of
queries, the same with N staff, project records and messages as with ten times as many (each selector owns
its joins and prefetches)."""

import pytest
from django.urls import reverse

from applications import selectors
from applications.models import Application, Attachment, Message, ProjectRecord, StaffMember
from tests.core.factories import UserFactory

from .factories import D, complete_application, officer
from .test_views import awaiting

pytestmark = pytest.mark.django_db
N = 3

# Every request: the session and the user; the navigation: whether the user acts for an organisation (not
# asked of staff) and the user's permissions (two queries). Then what the page itself reads:
BUDGETS = {
    # the user's organisations (to start one), the applications with their organisations, their clocks
    "dashboard": 2 + 3 + 3,
    # the application (with its organisation, and whether that is on the register), staff, project records,
    # messages (with their authors), attachments, the clock
    "tasks": 2 + 6 + 3,
    "check": 2 + 6 + 3,
    # the same six for a member of the Secretariat, whose permissions the paper asks (the navigation asks
    # no organisation of staff)
    "paper": 2 + 6 + 2,
}


def _grow(application, n):
    """n more staff, project records, and messages each with an attachment (rows, not services: the
    budgets are about reading them)."""
    base = f"applications/{application.pk}"
    StaffMember.objects.bulk_create(
        StaffMember(
            application=application,
            name=f"Staff {i}",
            position="Consultant",
            years=2,
            months=i % 12,
            fields=["energy"],
            proof=f"{base}/staff/cv{i}.pdf",
            order=10 + i,
        )
        for i in range(n)
    )
    ProjectRecord.objects.bulk_create(
        ProjectRecord(
            application=application,
            title=f"Project {i}",
            client_company="Client",
            client_contact="Lee",
            client_phone="+85229876543",
            started_on=D(2024, 1, 1),
            kind="engineering",
            completed=True,
            areas="c",
            document=f"{base}/projects/p{i}.pdf",
            order=10 + i,
        )
        for i in range(n)
    )
    for i in range(n):
        message = Message.objects.create(
            application=application, kind=Message.Kind.ANSWER, author=application.created_by, text=f"Answer {i}"
        )
        Attachment.objects.create(message=message, file=f"{base}/messages/a{i}.pdf")


def _budget(client, django_assert_num_queries, address, budget):
    client.get(address)  # process-wide caches (content types) are warm, as in a running portal
    with django_assert_num_queries(budget):
        response = client.get(address)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("size", [N, 10 * N])
def test_the_dashboard_costs_the_same_for_n_and_ten_times_n_applications(client, django_assert_num_queries, size):
    owner = UserFactory(email="owner@greentech.example.hk")
    organisation = complete_application(user=owner).organisation
    for _ in range(size - 1):
        Application.objects.create(organisation=organisation, created_by=owner, reference=f"APP-2026-{_ + 100:05d}")
    client.force_login(owner)
    response = _budget(client, django_assert_num_queries, reverse("applications:dashboard"), BUDGETS["dashboard"])
    assert response.content.decode().count("APP-2026-") >= size


@pytest.mark.parametrize("page", ["tasks", "check"])
@pytest.mark.parametrize("size", [N, 10 * N])
def test_the_applicants_pages_cost_the_same_for_n_and_ten_times_n_records(
    client, django_assert_num_queries, page, size
):
    owner = UserFactory(email="owner@greentech.example.hk")
    application = awaiting(owner)
    _grow(application, size)
    client.force_login(owner)
    address = reverse(f"applications:{page}", kwargs={"reference": application.reference})
    html = _budget(client, django_assert_num_queries, address, BUDGETS[page]).content.decode()
    if page == "tasks":
        assert f"Answer {size - 1}" in html
    else:
        assert f"Staff {size - 1}" in html and f"Project {size - 1}" in html


@pytest.mark.parametrize("size", [N, 10 * N])
def test_the_paper_costs_the_same_for_n_and_ten_times_n_records(client, django_assert_num_queries, size):
    owner = UserFactory(email="owner@greentech.example.hk")
    application = awaiting(owner)
    _grow(application, size)
    client.force_login(officer())
    address = reverse("applications:paper", kwargs={"reference": application.reference})
    html = _budget(client, django_assert_num_queries, address, BUDGETS["paper"]).content.decode()
    assert f"Answer {size - 1}" in html


@pytest.mark.parametrize("size", [N, 10 * N])
def test_the_selectors_cost_the_same_for_n_and_ten_times_n(django_assert_num_queries, size):
    owner = UserFactory(email="owner@greentech.example.hk")
    application = awaiting(owner)
    _grow(application, size)
    with django_assert_num_queries(6):  # the application, staff, projects, messages, attachments, clock
        found = selectors.application_for_applicant(user=owner, reference=application.reference)
        rows = [(m.text, [str(a) for a in m.attachments.all()], m.author) for m in found.messages.all()]
        assert len(rows) == size + 1 and len(found.staff.all()) == size + 3 and found.clock is not None
    # the user's organisations, the applications with their organisations, and their clocks
    with django_assert_num_queries(3):
        assert len(selectors.application_list_visible_to(user=owner)) == 1
